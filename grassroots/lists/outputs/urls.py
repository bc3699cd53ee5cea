"""Download routes (included by ``lists.urls``, so their names are ``lists:…``)::

    segments/<id>/<output>.<fmt>   lists:segment_output   (key=id, output=…, fmt=…)
    lists/<id>/<output>.<fmt>      lists:list_output
    areas/<code>/<output>.<fmt>    lists:area_output      (every person of the area you may see)

``output`` × ``fmt``: walk-list.pdf|csv, call-list.pdf|csv, mail-list.csv, mail-labels.pdf
(``?sheet=L7160`` or ``5160``), page-list.pdf|csv, booth-slips.pdf; PDFs take ``?paper=a4`` or
``letter``. ``{% url 'lists:segment_output' segment.pk 'walk-list' 'pdf' %}``.

A PDF above ``LISTS_PDF_LIMIT`` is offered as a background job (POST to the same address):

    lists/outputs/<job id>/            lists:output_job            (progress, then Download)
    lists/outputs/<job id>/download/   lists:output_job_download
"""

from __future__ import annotations

from django.urls import path, re_path

from grassroots.lists.outputs import views
from grassroots.lists.outputs.services import OUTPUT_PATTERN

_TAIL = rf"(?P<output>{OUTPUT_PATTERN})\.(?P<fmt>pdf|csv)$"

urlpatterns = [
    path("lists/outputs/<uuid:job_id>/", views.OutputJobView.as_view(), name="output_job"),
    path(
        "lists/outputs/<uuid:job_id>/download/",
        views.OutputJobDownloadView.as_view(),
        name="output_job_download",
    ),
    re_path(
        rf"^segments/(?P<key>\d+)/{_TAIL}",
        views.OutputView.as_view(kind="segment"),
        name="segment_output",
    ),
    re_path(
        rf"^lists/(?P<key>\d+)/{_TAIL}",
        views.OutputView.as_view(kind="list"),
        name="list_output",
    ),
    re_path(
        rf"^areas/(?P<key>[\w.-]+)/{_TAIL}",
        views.OutputView.as_view(kind="area"),
        name="area_output",
    ),
]
