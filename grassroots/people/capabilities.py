"""The people app's capabilities and what the default roles get of them."""

from django.utils.translation import gettext_lazy as _

CAPABILITIES: dict[str, str] = {
    "people.view": _("See people, households and their timelines"),
    "people.note": _("Add notes and record interactions"),
    "people.edit": _("Create and edit people, tags, contact points and consent"),
    "people.add": _(
        "Add new people (an elector, a household member) with their address and phone, "
        "in one's own areas"
    ),
    "people.merge": _("Merge duplicate people"),
    "people.import": _("Import voter files and spreadsheets"),
    "people.export": _("Export people"),
}

DEFAULT_GRANTS: dict[str, list[str]] = {
    "campaign_manager": [
        "people.view",
        "people.note",
        "people.edit",
        "people.add",
        "people.merge",
        "people.import",
        "people.export",
    ],
    "data_manager": [
        "people.view",
        "people.note",
        "people.edit",
        "people.add",
        "people.merge",
        "people.import",
        "people.export",
    ],
    "field_organiser": ["people.view", "people.note", "people.edit", "people.add"],
    "finance": ["people.view"],
    "communications": ["people.view", "people.note"],
    "volunteer": ["people.view", "people.note", "people.add"],
    "auditor": ["people.view"],
}
