"""URL patterns of the results screens (joined in ``canvassing.urls``)."""

urlpatterns: list = []
