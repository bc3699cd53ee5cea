from django.urls import include, path

app_name = "events"

urlpatterns: list = [
    # engagement (events-engage): reminders' links, check-in, town halls, proposals
    path("events/", include("grassroots.events.engagement_urls")),
]
