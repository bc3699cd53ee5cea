from django.urls import path

from grassroots.geography import views

app_name = "geography"

urlpatterns = [
    path("areas/", views.AreaTreeView.as_view(), name="area_tree"),
    path("areas/search/", views.AreaSearchView.as_view(), name="area_search"),
    path("areas/<int:pk>/", views.AreaTreeView.as_view(), name="area_detail"),
]
