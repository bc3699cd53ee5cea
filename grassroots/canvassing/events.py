"""The domain events the canvassing app publishes (the catalogue, ADR 0009)."""

from django.utils.translation import gettext_lazy as _

from grassroots.core import events

events.declare(
    "canvass.visited",
    _("A canvasser knocks at a door (with or without talking to someone)"),
    ("visit_id", "effort_id", "door_id", "person_id", "result_code", "contacted"),
    person_field="person_id",
)
events.declare(
    "turf.assigned",
    _("A turf is checked out to a canvasser or a team"),
    ("turf_id", "effort_id", "user_id", "team_id"),
)
events.declare(
    "canvass.door_flagged",
    _("A door is marked “do not knock” (or the mark is cleared)"),
    ("door_id", "effort_id", "flagged"),
)
events.declare(
    "canvass.alert",
    _("A canvasser checks in or asks for help"),
    ("alert_id", "effort_id", "user_id", "kind"),
)
