"""The lists app's capabilities and what the default roles get of them."""

from django.utils.translation import gettext_lazy as _

CAPABILITIES: dict[str, str] = {
    "lists.manage": _("Build and save segments and lists; print walk, call and mail lists"),
}

DEFAULT_GRANTS: dict[str, list[str]] = {
    "campaign_manager": ["lists.manage"],
    "data_manager": ["lists.manage"],
    "field_organiser": ["lists.manage"],
    "communications": ["lists.manage"],
}
