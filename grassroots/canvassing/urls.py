"""Canvassing's screens: the organiser's (efforts, turfs, map), the canvassing app's, results."""

from grassroots.canvassing import app_urls, organiser_urls, results_urls

app_name = "canvassing"

urlpatterns = [*organiser_urls.urlpatterns, *app_urls.urlpatterns, *results_urls.urlpatterns]
