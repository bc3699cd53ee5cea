"""The domain events geography publishes (the catalogue, ADR 0009)."""

from django.utils.translation import gettext_lazy as _

from grassroots.core import events

events.declare("area.created", _("An area is added"), ("area_id",))
