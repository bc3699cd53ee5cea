"""URL patterns of the results screens (joined in ``canvassing.urls``)."""

from django.urls import path

from grassroots.canvassing import views_results as views

urlpatterns: list = [
    path("canvassing/efforts/<int:pk>/results/", views.ResultsView.as_view(), name="results"),
    path("canvassing/efforts/<int:pk>/results/live/", views.ResultsLiveView.as_view(), name="results_live"),
    path("canvassing/efforts/<int:pk>/results/doors.json", views.DoorPointsView.as_view(),
         name="results_doors"),
    path("canvassing/efforts/<int:pk>/results/visits.csv", views.VisitsExportView.as_view(),
         name="results_export"),
    path("canvassing/efforts/<int:pk>/results/rejections/", views.RejectionsView.as_view(),
         name="results_rejections"),
    path("canvassing/efforts/<int:pk>/results/alerts/<int:alert_pk>/acknowledge/",
         views.AlertAcknowledgeView.as_view(), name="results_alert_ack"),
]  # fmt: skip
