"""The API's capability and what the default roles get of it."""

from django.utils.translation import gettext_lazy as _

CAPABILITIES: dict[str, str] = {
    "api.use": _("Use the API with a personal token (scoped like the screens)"),
}

DEFAULT_GRANTS: dict[str, list[str]] = {
    slug: ["api.use"]
    for slug in (
        "campaign_manager",
        "data_manager",
        "field_organiser",
        "finance",
        "communications",
        "volunteer",
        "auditor",
    )
}
