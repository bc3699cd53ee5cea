"""Capabilities are the unit of permission; roles are named bundles of them (data, not code).

Each app declares its own capabilities, and what the default roles get of them, in its own
``grassroots/<app>/capabilities.py``::

    CAPABILITIES = {"messaging.send": _("Write message templates; send messages")}
    DEFAULT_GRANTS = {"communications": ["messaging.send"], ...}  # keyed by role slug

``all_capabilities()`` and ``default_roles()`` collect them from the installed grassroots apps
(looked up at run time, so accounts imports no higher app). The default roles themselves (slug,
name, 2FA) are declared here; admins may edit them or add more.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _

ALL = "*"

CAPABILITIES: dict[str, str] = {
    "accounts.manage": _("Manage users, roles, scopes and 2FA requirements"),
    "audit.view": _("Browse the audit log"),
}

# The default roles every installation starts with, in display order. The roles that can
# export, change roles or touch money require two-factor sign-in out of the box.
ROLES: list[dict] = [
    {"slug": "admin", "name": "Admin", "require_2fa": True},
    {"slug": "campaign_manager", "name": "Campaign manager", "require_2fa": True},
    {"slug": "data_manager", "name": "Data manager", "require_2fa": True},
    {"slug": "field_organiser", "name": "Field organiser", "require_2fa": False},
    {"slug": "finance", "name": "Finance", "require_2fa": True},
    {"slug": "communications", "name": "Communications", "require_2fa": False},
    {"slug": "volunteer", "name": "Volunteer", "require_2fa": False},
    {"slug": "auditor", "name": "Auditor", "require_2fa": False},
]

DEFAULT_GRANTS: dict[str, list[str]] = {
    "admin": [ALL],
    "campaign_manager": ["audit.view"],
    "auditor": ["audit.view"],
}


def capability_modules() -> list[ModuleType]:
    """The ``capabilities`` module of every installed grassroots app that has one."""
    modules = []
    for config in apps.get_app_configs():
        if config.name.startswith("grassroots.") and module_has_submodule(
            config.module, "capabilities"
        ):
            modules.append(importlib.import_module(f"{config.name}.capabilities"))
    return modules


def collect(modules: list[ModuleType]) -> tuple[dict[str, str], list[dict]]:
    """The capability catalogue and the default roles that ``modules`` declare together.

    Raises ``ImproperlyConfigured`` for a capability declared twice, a grant to a role that is
    not a default role, or a grant of a capability no module declares.
    """
    catalogue: dict[str, str] = {}
    for module in modules:
        for name, label in getattr(module, "CAPABILITIES", {}).items():
            if name in catalogue or name == ALL:
                raise ImproperlyConfigured(f"{module.__name__}: capability {name!r} taken")
            catalogue[name] = label
    order = {ALL: -1} | {name: i for i, name in enumerate(catalogue)}
    granted: dict[str, set[str]] = {spec["slug"]: set() for spec in ROLES}
    for module in modules:
        for slug, capabilities in getattr(module, "DEFAULT_GRANTS", {}).items():
            if slug not in granted:
                raise ImproperlyConfigured(f"{module.__name__}: no default role {slug!r}")
            unknown = [c for c in capabilities if c not in order]
            if unknown:
                raise ImproperlyConfigured(f"{module.__name__}: undeclared capabilities {unknown}")
            granted[slug].update(capabilities)
    roles = [
        {**spec, "capabilities": sorted(granted[spec["slug"]], key=order.__getitem__)}
        for spec in ROLES
    ]
    return catalogue, roles


@functools.cache
def _collected() -> tuple[dict[str, str], list[dict]]:
    apps.check_apps_ready()
    return collect(capability_modules())


def all_capabilities() -> dict[str, str]:
    """Every capability the installed apps declare: name → description, in app order."""
    return dict(_collected()[0])


def default_roles() -> list[dict]:
    """The default roles with the capabilities every installed app grants them."""
    return [{**role, "capabilities": list(role["capabilities"])} for role in _collected()[1]]
