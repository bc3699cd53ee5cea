from django.urls import path

from grassroots.people import views
from grassroots.people.dedupe import views as dedupe_views
from grassroots.people.exports import views as export_views
from grassroots.people.imports import views as import_views

app_name = "people"

urlpatterns = [
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/search/", views.PersonSearchView.as_view(), name="person_search"),
    path("people/new/", views.PersonCreateView.as_view(), name="person_create"),
    path("people/bulk-tag/", views.BulkTagView.as_view(), name="bulk_tag"),
    path("people/export/", export_views.ExportStartView.as_view(), name="export_start"),
    path(
        "people/exports/<uuid:job_id>/",
        export_views.ExportStatusView.as_view(),
        name="export_status",
    ),
    path(
        "people/exports/<uuid:job_id>/download/",
        export_views.ExportDownloadView.as_view(),
        name="export_download",
    ),
    # duplicates: review queue, compare, decisions, undo, the search job, auto-merge setting
    path("people/duplicates/", dedupe_views.DuplicateListView.as_view(), name="duplicate_list"),
    path("people/duplicates/find/", dedupe_views.DedupeStartView.as_view(), name="dedupe_start"),
    path(
        "people/duplicates/settings/",
        dedupe_views.DedupeSettingsView.as_view(),
        name="dedupe_settings",
    ),
    path(
        "people/duplicates/jobs/<uuid:job_id>/",
        dedupe_views.DedupeJobView.as_view(),
        name="dedupe_job",
    ),
    path(
        "people/duplicates/<int:low>-<int:high>/",
        dedupe_views.DuplicateCompareView.as_view(),
        name="duplicate_compare",
    ),
    path(
        "people/duplicates/<int:low>-<int:high>/merge/",
        dedupe_views.DuplicateMergeView.as_view(),
        name="duplicate_merge",
    ),
    path(
        "people/duplicates/<int:low>-<int:high>/distinct/",
        dedupe_views.DuplicateDistinctView.as_view(),
        name="duplicate_distinct",
    ),
    path(
        "people/duplicates/<int:low>-<int:high>/reopen/",
        dedupe_views.DuplicateReopenView.as_view(),
        name="duplicate_reopen",
    ),
    path("people/merges/<int:pk>/undo/", dedupe_views.MergeUndoView.as_view(), name="merge_undo"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("people/<int:pk>/edit/", views.PersonEditView.as_view(), name="person_edit"),
    path("people/<int:pk>/<slug:action>/", views.PersonActionView.as_view(), name="person_action"),
    path("people/imports/", import_views.ImportListView.as_view(), name="import_list"),
    path(
        "people/imports/map/<str:token>/", import_views.ImportMapView.as_view(), name="import_map"
    ),
    path(
        "people/imports/<uuid:pk>/", import_views.ImportDetailView.as_view(), name="import_detail"
    ),
    path(
        "people/imports/<uuid:pk>/rejected.csv",
        import_views.ImportRejectsView.as_view(),
        name="import_rejects",
    ),
    path(
        "people/imports/<uuid:pk>/rejected-values.csv",
        import_views.ImportRejectedValuesView.as_view(),
        name="import_rejected_values",
    ),
    path("households/", views.HouseholdListView.as_view(), name="household_list"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="household_detail"),
]
