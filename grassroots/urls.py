from django.contrib import admin
from django.urls import include, path

from grassroots.accounts.views import set_language

urlpatterns = [
    # First: an API request is matched here at once, not after every screen's pattern was tried
    # (no screen's address begins with api/).
    path("api/", include("grassroots.api.urls")),
    path("", include("grassroots.core.urls")),
    path("", include("grassroots.accounts.urls")),
    path("", include("grassroots.geography.urls")),
    path("", include("grassroots.people.urls")),
    path("", include("grassroots.lists.urls")),
    path("", include("grassroots.surveys.urls")),
    path("", include("grassroots.messaging.urls")),
    path("", include("grassroots.events.urls")),
    path("", include("grassroots.canvassing.urls")),
    path("", include("grassroots.volunteers.urls")),
    # the switcher also saves the choice for a signed-in user (before Django's own view)
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]

# Errors in the app's layout (403.html and 404.html are found by Django's own views); under
# /api/ the API's one error shape, JSON (grassroots/api/errors.py).
handler400 = "grassroots.api.errors.bad_request"
handler403 = "grassroots.api.errors.permission_denied"
handler404 = "grassroots.api.errors.not_found"
handler500 = "grassroots.api.errors.server_error"
