"""The domain events geography publishes (the catalogue, ADR 0009)."""

from django.utils.translation import gettext_lazy as _

from grassroots.core import events

events.declare("area.created", _("An area is added"), ("area_id",))
events.declare(
    "area.moved",
    _("An area (with everything below it) is moved under another parent"),
    ("area_id", "from_parent_id", "to_parent_id"),
)
