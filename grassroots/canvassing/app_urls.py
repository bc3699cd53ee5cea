"""URL patterns of the app screens (joined in ``canvassing.urls``)."""

urlpatterns: list = []
