from django.urls import path

from grassroots.core import views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("jobs/<uuid:pk>/", views.job_status, name="job_status"),
]
