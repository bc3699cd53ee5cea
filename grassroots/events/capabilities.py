"""The events app's capabilities and what the default roles get of them."""

from django.utils.translation import gettext_lazy as _

CAPABILITIES: dict[str, str] = {
    "events.view": _("See events, their shifts and who signed up (within their areas)"),
    "events.manage": _("Create and run events and their shifts; manage sign-ups"),
    "events.configure": _("Set up the event types: the times of their reminders"),
}

DEFAULT_GRANTS: dict[str, list[str]] = {
    "campaign_manager": ["events.view", "events.manage", "events.configure"],
    "field_organiser": ["events.view", "events.manage"],
    "communications": ["events.view", "events.manage"],
    "data_manager": ["events.view"],
    "volunteer": ["events.view"],
    "auditor": ["events.view"],
}
