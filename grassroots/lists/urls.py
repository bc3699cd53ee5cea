from django.urls import include, path

from grassroots.lists import views

app_name = "lists"

# Segment builder and list screens are added by lists.views; printable outputs by lists.outputs.
urlpatterns: list = [
    path("segments/", views.SegmentListView.as_view(), name="segment_list"),
    path("segments/new/", views.SegmentBuilderView.as_view(), name="segment_create"),
    path("segments/count/", views.SegmentCountView.as_view(), name="segment_count"),
    path("segments/<int:pk>/", views.SegmentBuilderView.as_view(), name="segment_edit"),
    path(
        "segments/<int:pk>/export/",
        views.ListExportView.as_view(),
        {"kind": "segment"},
        name="segment_export",
    ),
    path(
        "lists/<int:pk>/export/",
        views.ListExportView.as_view(),
        {"kind": "list"},
        name="list_export",
    ),
    path(
        "segments/<int:pk>/<slug:action>/",
        views.SegmentActionView.as_view(),
        name="segment_action",
    ),
    path("lists/<int:pk>/", views.ListDetailView.as_view(), name="list_detail"),
]

# Printable and downloadable outputs (walk, call, mail, booth lists): see lists/outputs/urls.py.
urlpatterns += [path("", include("grassroots.lists.outputs.urls"))]
