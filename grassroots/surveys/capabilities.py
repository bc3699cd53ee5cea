"""The surveys app's capabilities and what the default roles get of them."""

from django.utils.translation import gettext_lazy as _

CAPABILITIES: dict[str, str] = {
    "surveys.view": _("See the scripts and survey questions, and people's answers"),
    "surveys.manage": _("Write and edit scripts, their questions, choices and translations"),
    "surveys.record": _("Record a person's answers to a script (door, phone, text, form)"),
}

DEFAULT_GRANTS: dict[str, list[str]] = {
    "campaign_manager": ["surveys.view", "surveys.manage", "surveys.record"],
    "field_organiser": ["surveys.view", "surveys.manage", "surveys.record"],
    "communications": ["surveys.view", "surveys.manage", "surveys.record"],
    "data_manager": ["surveys.view", "surveys.record"],
    "volunteer": ["surveys.view", "surveys.record"],
    "auditor": ["surveys.view"],
}
