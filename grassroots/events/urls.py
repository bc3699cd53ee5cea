from django.urls import include, path

from grassroots.events import public_views, views

app_name = "events"

urlpatterns: list = [
    # organisers
    path("events/", views.EventListView.as_view(), name="event_list"),
    path("events/new/", views.EventFormView.as_view(), name="event_create"),
    path(
        "events/settings/reminders/",
        views.ReminderSettingsView.as_view(),
        name="reminder_settings",
    ),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event_detail"),
    path("events/<int:pk>/edit/", views.EventFormView.as_view(), name="event_edit"),
    path("events/<int:pk>/shifts/", views.ShiftAddView.as_view(), name="shift_add"),
    path(
        "events/<int:pk>/change-notice/",
        views.ChangeNoticeView.as_view(),
        name="change_notice",
    ),
    path("events/<int:pk>/<slug:action>/", views.EventActionView.as_view(), name="event_action"),
    path(
        "events/shifts/<int:pk>/capacity/",
        views.ShiftCapacityView.as_view(),
        name="shift_capacity",
    ),
    path(
        "events/signups/<int:pk>/cancel/",
        views.RegistrationCancelView.as_view(),
        name="registration_cancel",
    ),
    # the public (no login)
    path("e/", public_views.PublicEventListView.as_view(), name="public_list"),
    path("e/<uuid:public_id>/", public_views.PublicEventView.as_view(), name="public_event"),
    path("e/<uuid:public_id>/event.ics", public_views.public_event_ics, name="public_ics"),
    path("e/r/<str:token>/", public_views.RsvpPageView.as_view(), name="rsvp_page"),
    path("e/r/<str:token>/event.ics", public_views.rsvp_ics, name="rsvp_ics"),
    # engagement (events-engage): reminders' links, check-in, town halls, proposals
    path("events/", include("grassroots.events.engagement_urls")),
]
