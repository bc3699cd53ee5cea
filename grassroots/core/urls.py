from django.urls import path

from grassroots.core import job_views, views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("jobs/<uuid:pk>/", job_views.job_status, name="job_status"),
    path("jobs/<uuid:pk>/cancel/", job_views.job_cancel, name="job_cancel"),
    path("admin-area/dead-letters/", views.dead_letter_list, name="dead_letter_list"),
    path("admin-area/dead-letters/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
