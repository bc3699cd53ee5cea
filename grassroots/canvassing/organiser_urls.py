"""URL patterns of the organiser screens (joined in ``canvassing.urls``)."""

urlpatterns: list = []
