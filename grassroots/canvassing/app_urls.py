"""URL patterns of the canvassing app (joined in ``canvassing.urls``): the PWA shell, its
service worker and manifest, and the JSON endpoints it talks to (``views_app``)."""

from django.urls import path

from grassroots.canvassing import views_app

urlpatterns = [
    path("canvass/", views_app.shell, name="app"),
    path("canvass/sw.js", views_app.service_worker, name="app-sw"),
    path("canvass/manifest.webmanifest", views_app.manifest, name="app-manifest"),
    path("canvass/api/turfs/", views_app.turfs, name="app-turfs"),
    path("canvass/api/turfs/<int:pk>/", views_app.turf, name="app-turf"),
    path("canvass/api/turfs/<int:pk>/release/", views_app.release, name="app-release"),
    path("canvass/api/pickup/", views_app.pickup, name="app-pickup"),
    path("canvass/sync", views_app.upload, name="app-sync"),
    path("canvass/alert", views_app.alert, name="app-alert"),
]
