from django.urls import path

from grassroots.geography import views

app_name = "geography"

urlpatterns = [
    path("areas/", views.AreaTreeView.as_view(), name="area_tree"),
    path("areas/search/", views.AreaSearchView.as_view(), name="area_search"),
    path("areas/<int:pk>/", views.AreaTreeView.as_view(), name="area_detail"),
    path("areas/new/", views.AreaCreateView.as_view(), name="area_create"),
    path("areas/<int:pk>/edit/", views.AreaEditView.as_view(), name="area_edit"),
    path("areas/import/", views.AreaImportView.as_view(), name="area_import"),
    path("areas/import/<uuid:pk>/", views.AreaImportJobView.as_view(), name="area_import_job"),
    path("elections/new/", views.ElectionCreateView.as_view(), name="election_create"),
    path("elections/<int:pk>/edit/", views.ElectionEditView.as_view(), name="election_edit"),
]
