from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("grassroots.core.urls")),
    path("", include("grassroots.accounts.urls")),
    path("", include("grassroots.geography.urls")),
    path("", include("grassroots.people.urls")),
    path("", include("grassroots.lists.urls")),
    path("", include("grassroots.messaging.urls")),
    path("api/", include("grassroots.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
