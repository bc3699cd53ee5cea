"""The geography app's capabilities and what the default roles get of them."""

from django.utils.translation import gettext_lazy as _

CAPABILITIES: dict[str, str] = {
    "geography.view": _("Browse areas, booths, elections and races"),
    "geography.edit": _("Create and edit areas, booths, elections and races"),
}

DEFAULT_GRANTS: dict[str, list[str]] = {
    "campaign_manager": ["geography.view", "geography.edit"],
    "data_manager": ["geography.view", "geography.edit"],
    "field_organiser": ["geography.view"],
    "finance": ["geography.view"],
    "communications": ["geography.view"],
    "volunteer": ["geography.view"],
    "auditor": ["geography.view"],
}
