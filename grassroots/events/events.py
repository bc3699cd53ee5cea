"""The domain events the events app publishes (the catalogue, ADR 0009)."""

from django.utils.translation import gettext_lazy as _

from grassroots.core import events

events.declare(
    "rsvp.created",
    _("Someone signs up for an event"),
    ("rsvp_id", "person_id", "event_id", "shift_id", "status"),
    person_field="person_id",
)
events.declare(
    "rsvp.cancelled",
    _("Someone cancels their sign-up for an event"),
    ("rsvp_id", "person_id", "event_id", "shift_id"),
    person_field="person_id",
)
events.declare(
    "waitlist.promoted",
    _("Someone on an event's waitlist gets a place"),
    ("rsvp_id", "person_id", "event_id", "shift_id"),
    person_field="person_id",
)
events.declare("event.published", _("An event is published"), ("event_id",))
events.declare("event.changed", _("An event's time or place changes"), ("event_id",))
events.declare("event.cancelled", _("An event is cancelled"), ("event_id",))
