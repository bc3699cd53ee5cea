"""Data-migration operations that grant or revoke capabilities on the default roles.

An app that adds a capability ships a migration giving it to the existing installations'
default roles (new installations get it from ``DEFAULT_GRANTS``)::

    from grassroots.accounts import migration_helpers

    class Migration(migrations.Migration):
        dependencies = [("lists", "0001_…"), ("accounts", "0002_add_default_roles")]
        operations = [migration_helpers.grant({"data_manager": ["lists.manage"]})]

Only roles still called by their default slug are touched, and only where they lack the
capability; roles holding everything (``*``) and roles an admin created or renamed are left
as they are. The callables are deconstructible, so ``squashmigrations`` can copy them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import migrations
from django.utils.deconstruct import deconstructible

from grassroots.accounts.capabilities import ALL

Grants = Mapping[str, Iterable[str]]


class CapabilityChange:
    """A RunPython callable over the default roles (role slug → capabilities), comparable."""

    def __init__(self, grants: Grants):
        self.grants = {slug: list(capabilities) for slug, capabilities in grants.items()}

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.grants == self.grants

    def roles(self, apps):
        return apps.get_model("accounts", "Role").objects.filter(slug__in=self.grants)


@deconstructible(path="grassroots.accounts.migration_helpers.GrantCapabilities")
class GrantCapabilities(CapabilityChange):
    """Append each role's missing capabilities (not to roles holding everything)."""

    def __call__(self, apps, schema_editor) -> None:
        for role in self.roles(apps):
            caps = list(role.capabilities or [])
            add = [c for c in self.grants[role.slug] if c not in caps]
            if add and ALL not in caps:
                role.capabilities = caps + add
                role.save(update_fields=["capabilities"])


@deconstructible(path="grassroots.accounts.migration_helpers.RevokeCapabilities")
class RevokeCapabilities(CapabilityChange):
    """Remove the given capabilities from each role."""

    def __call__(self, apps, schema_editor) -> None:
        for role in self.roles(apps):
            caps = [c for c in role.capabilities or [] if c not in self.grants[role.slug]]
            if caps != role.capabilities:
                role.capabilities = caps
                role.save(update_fields=["capabilities"])


def grant(grants: Grants) -> migrations.RunPython:
    """Grant capabilities to default roles (role slug → capabilities); reversing revokes them."""
    return migrations.RunPython(GrantCapabilities(grants), RevokeCapabilities(grants))


def revoke(grants: Grants) -> migrations.RunPython:
    """Revoke capabilities from default roles (role slug → capabilities); reversing grants them."""
    return migrations.RunPython(RevokeCapabilities(grants), GrantCapabilities(grants))
