"""The lists app's capabilities and what the default roles get of them."""

from django.utils.translation import gettext_lazy as _

CAPABILITIES: dict[str, str] = {
    "lists.manage": _("Build and save segments and lists; print walk, call and mail lists"),
    "lists.print": _(
        "Print an area's page list, voter slips, walk and call lists (the people one may see)"
    ),
}

DEFAULT_GRANTS: dict[str, list[str]] = {
    "campaign_manager": ["lists.manage", "lists.print"],
    "data_manager": ["lists.manage", "lists.print"],
    "field_organiser": ["lists.manage", "lists.print"],
    "communications": ["lists.manage", "lists.print"],
    "volunteer": ["lists.print"],  # a booth worker prints their booth
}
