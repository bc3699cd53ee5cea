from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from grassroots.api import (
    areas,
    canvassing,
    docs,
    duplicates,
    events,
    imports,
    lists,
    messaging,
    questions,
    surveys,
    views,
    volunteers,
)

router = DefaultRouter()
router.register("people", views.PersonViewSet, basename="person")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("contact-points", views.ContactPointViewSet, basename="contactpoint")
router.register("tags", views.TagViewSet, basename="tag")
router.register("areas", views.AreaViewSet, basename="area")
router.register("area-imports", areas.AreaImportViewSet, basename="area-import")
router.register("imports", imports.ImportViewSet, basename="import")
router.register("duplicates", duplicates.DuplicatePairViewSet, basename="duplicate")
router.register("merges", duplicates.MergeRecordViewSet, basename="merge")
router.register("segments", lists.SegmentViewSet, basename="segment")
router.register("lists", lists.ListViewSet, basename="list")
router.register("message-templates", messaging.TemplateViewSet, basename="message-template")
router.register("broadcasts", messaging.BroadcastViewSet, basename="broadcast")
router.register("messages", messaging.MessageViewSet, basename="message")
router.register("events", events.EventViewSet, basename="event")
router.register("shifts", events.ShiftViewSet, basename="shift")
router.register("registrations", events.RegistrationViewSet, basename="registration")
router.register("event-questions", questions.EventQuestionViewSet, basename="event-question")
router.register("volunteers", volunteers.VolunteerViewSet, basename="volunteer")
router.register("volunteer-tasks", volunteers.TaskViewSet, basename="volunteer-task")
router.register("volunteer-hours", volunteers.HoursViewSet, basename="volunteer-hours")
router.register("scripts", surveys.ScriptViewSet, basename="script")
router.register("result-codes", surveys.ResultCodeViewSet, basename="result-code")
router.register("survey-responses", surveys.SurveyResponseViewSet, basename="survey-response")
router.register("canvass-efforts", canvassing.EffortViewSet, basename="canvass-effort")
router.register("turfs", canvassing.TurfViewSet, basename="turf")
router.register("doors", canvassing.DoorViewSet, basename="door")
router.register("visits", canvassing.VisitViewSet, basename="visit")

app_name = "api"

urlpatterns = [
    path("v1/segment-filters/", lists.SegmentFiltersView.as_view(), name="segment_filters"),
    path("v1/canvass-sync/", canvassing.CanvassSyncView.as_view(), name="canvass_sync"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
]
