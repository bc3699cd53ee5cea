from django.urls import path

from grassroots.core import views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("jobs/<uuid:pk>/", views.job_status, name="job_status"),
    path("admin-area/dead-letters/", views.dead_letter_list, name="dead_letter_list"),
    path("admin-area/dead-letters/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
