"""Capabilities are the unit of permission; roles are named bundles of them (data, not code)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ALL = "*"

CAPABILITIES: dict[str, str] = {
    "people.view": _("See people, households and their timelines"),
    "people.note": _("Add notes and record interactions"),
    "people.edit": _("Create and edit people, tags, contact points and consent"),
    "people.merge": _("Merge duplicate people"),
    "people.import": _("Import voter files and spreadsheets"),
    "people.export": _("Export people"),
    "lists.manage": _("Build and save segments and lists; print walk, call and mail lists"),
    "messaging.send": _("Write message templates; send messages and broadcasts"),
    "messaging.configure": _("Configure messaging providers and their credentials"),
    "messaging.text": _("Text people in peer-to-peer texting campaigns (within their areas)"),
    "geography.view": _("Browse areas, booths, elections and races"),
    "geography.edit": _("Create and edit areas, booths, elections and races"),
    "accounts.manage": _("Manage users, roles, scopes and 2FA requirements"),
    "audit.view": _("Browse the audit log"),
    "api.use": _("Use the API with a personal token (scoped like the screens)"),
}

# The default roles every installation starts with. Admins may edit them or add more.
DEFAULT_ROLES: list[dict] = [
    {"slug": "admin", "name": "Admin", "capabilities": [ALL], "require_2fa": False},
    {
        "slug": "campaign_manager",
        "name": "Campaign manager",
        "capabilities": [
            "people.view",
            "people.note",
            "people.edit",
            "people.merge",
            "people.import",
            "people.export",
            "lists.manage",
            "messaging.send",
            "messaging.configure",
            "geography.view",
            "geography.edit",
            "audit.view",
            "api.use",
        ],
        "require_2fa": False,
    },
    {
        "slug": "data_manager",
        "name": "Data manager",
        "capabilities": [
            "people.view",
            "people.note",
            "people.edit",
            "people.merge",
            "people.import",
            "people.export",
            "lists.manage",
            "geography.view",
            "geography.edit",
            "api.use",
        ],
        "require_2fa": False,
    },
    {
        "slug": "field_organiser",
        "name": "Field organiser",
        "capabilities": [
            "people.view",
            "people.note",
            "people.edit",
            "lists.manage",
            "messaging.text",
            "geography.view",
            "api.use",
        ],
        "require_2fa": False,
    },
    {
        "slug": "finance",
        "name": "Finance",
        "capabilities": ["people.view", "geography.view", "api.use"],
        "require_2fa": False,
    },
    {
        "slug": "communications",
        "name": "Communications",
        "capabilities": [
            "people.view",
            "people.note",
            "lists.manage",
            "messaging.send",
            "geography.view",
            "api.use",
        ],
        "require_2fa": False,
    },
    {
        "slug": "volunteer",
        "name": "Volunteer",
        "capabilities": [
            "people.view",
            "people.note",
            "messaging.text",
            "geography.view",
            "api.use",
        ],
        "require_2fa": False,
    },
    {
        "slug": "auditor",
        "name": "Auditor",
        "capabilities": ["people.view", "geography.view", "audit.view", "api.use"],
        "require_2fa": False,
    },
]
