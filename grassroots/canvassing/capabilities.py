"""The canvassing app's capabilities and what the default roles get of them."""

from django.utils.translation import gettext_lazy as _

CAPABILITIES: dict[str, str] = {
    "canvassing.view": _("See canvass efforts, their turfs, maps and results"),
    "canvassing.manage": _(
        "Create canvass efforts, cut and edit turfs, check turfs out to canvassers"
    ),
    "canvassing.canvass": _(
        "Canvass: download the turfs one holds, record visits, pick up doors nearby"
    ),
}

DEFAULT_GRANTS: dict[str, list[str]] = {
    "campaign_manager": ["canvassing.view", "canvassing.manage", "canvassing.canvass"],
    "field_organiser": ["canvassing.view", "canvassing.manage", "canvassing.canvass"],
    "data_manager": ["canvassing.view"],
    "volunteer": ["canvassing.canvass"],
    "auditor": ["canvassing.view"],
}
