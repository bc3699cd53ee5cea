"""URL patterns of the organiser screens (joined in ``canvassing.urls``)."""

from django.urls import path

from grassroots.canvassing import views_organiser as views

urlpatterns: list = [
    path("canvassing/", views.EffortListView.as_view(), name="effort_list"),
    path("canvassing/efforts/new/", views.EffortFormView.as_view(), name="effort_create"),
    path("canvassing/efforts/<int:pk>/", views.EffortDetailView.as_view(), name="effort_detail"),
    path("canvassing/efforts/<int:pk>/edit/", views.EffortFormView.as_view(), name="effort_edit"),
    path("canvassing/efforts/<int:pk>/turfs/", views.TurfMapView.as_view(), name="turf_map"),
    path("canvassing/efforts/<int:pk>/turfs.geojson", views.TurfMapDataView.as_view(),
         name="turf_map_data"),
    path("canvassing/efforts/<int:pk>/turfs/<int:turf_pk>/", views.TurfDetailView.as_view(),
         name="turf_detail"),
    path("canvassing/efforts/<int:pk>/turfs/<int:turf_pk>/walk-list.pdf",
         views.TurfPrintView.as_view(), {"fmt": "pdf"}, name="turf_pdf"),
    path("canvassing/efforts/<int:pk>/turfs/<int:turf_pk>/walk-list.csv",
         views.TurfPrintView.as_view(), {"fmt": "csv"}, name="turf_csv"),
]  # fmt: skip
