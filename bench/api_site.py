"""Bench-only Django settings and URLs for ``make bench BENCH=api`` (never used in production).

``DJANGO_SETTINGS_MODULE=bench.api_site`` serves the real site plus one minimal view,
``/bench/person/<pk>/``: a plain Django view reading one row by primary key and answering a small
JSON object, the baseline the API's person detail is measured against in the same run, by the
same gunicorn, through the same middleware.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import path

from grassroots.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_site"


def one_row(request, pk: int):
    from grassroots.people.models import Person

    person = Person.objects.only("id", "full_name", "support_score").get(pk=pk)
    return JsonResponse(
        {"id": person.id, "full_name": person.full_name, "support_score": person.support_score}
    )


def _urlpatterns():
    from grassroots import urls

    return [path("bench/person/<int:pk>/", one_row), *urls.urlpatterns]


def __getattr__(name: str):  # the URLconf is read after settings are loaded
    if name == "urlpatterns":
        return _urlpatterns()
    if name == "handler500":
        return "grassroots.core.views.server_error"
    raise AttributeError(name)
