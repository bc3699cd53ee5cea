"""The messaging app's capabilities and what the default roles get of them."""

from django.utils.translation import gettext_lazy as _

CAPABILITIES: dict[str, str] = {
    "messaging.send": _("Write message templates; send messages and broadcasts"),
    "messaging.configure": _("Configure messaging providers and their credentials"),
    "messaging.text": _("Text people in peer-to-peer texting campaigns (within their areas)"),
}

DEFAULT_GRANTS: dict[str, list[str]] = {
    "campaign_manager": ["messaging.send", "messaging.configure"],
    "communications": ["messaging.send"],
    "field_organiser": ["messaging.text"],
    "volunteer": ["messaging.text"],
}
