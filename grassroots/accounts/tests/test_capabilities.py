"""Capabilities declared by each app, collected by accounts; the grant/revoke migration helper."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.migrations.writer import MigrationWriter

from grassroots.accounts import capabilities, migration_helpers
from grassroots.accounts.forms import RoleForm
from grassroots.accounts.models import Role

# The default roles as accounts/capabilities.py declared them in one list before each app
# declared its own (issue 12 §2), with issue 14's two-factor requirement on admin, campaign
# manager, data manager and finance. Collecting them from the apps must give exactly these.
BEFORE_THE_SPLIT = [
    {"slug": "admin", "name": "Admin", "capabilities": ["*"], "require_2fa": True},
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
        "require_2fa": True,
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
        "require_2fa": True,
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
        "require_2fa": True,
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

CATALOGUE_BEFORE_THE_SPLIT = {
    "people.view",
    "people.note",
    "people.edit",
    "people.merge",
    "people.import",
    "people.export",
    "lists.manage",
    "messaging.send",
    "messaging.configure",
    "messaging.text",
    "geography.view",
    "geography.edit",
    "accounts.manage",
    "audit.view",
    "api.use",
}


# Capabilities added since (each with the data migration giving it to existing installations).
ADDED_SINCE = {
    # people/migrations/0017_grant_people_add.py (issue 13 item 25)
    "people.add": {"campaign_manager", "data_manager", "field_organiser", "volunteer"},
    # lists/migrations/0004_grant_lists_print.py (issue 13 item 24: a booth worker prints)
    "lists.print": {
        "campaign_manager",
        "data_manager",
        "field_organiser",
        "communications",
        "volunteer",
    },
    # events/migrations/0002_seed_types_and_grants.py (issue 15)
    "events.view": {
        "campaign_manager",
        "field_organiser",
        "communications",
        "data_manager",
        "volunteer",
        "auditor",
    },
    "events.manage": {"campaign_manager", "field_organiser", "communications"},
    # events/migrations/0004_grant_events_configure.py (the reminder-times screen)
    "events.configure": {"campaign_manager"},
    # volunteers/migrations/0002_seed_reference_data.py (issue 15)
    "volunteers.view": {"campaign_manager", "field_organiser", "data_manager"},
    "volunteers.manage": {"campaign_manager", "field_organiser"},
    "volunteers.self": {"campaign_manager", "field_organiser", "communications", "volunteer"},
    "volunteers.staff": {"campaign_manager"},
    # surveys/migrations/0002_seed_result_codes.py (issue 16)
    "surveys.view": {
        "campaign_manager", "field_organiser", "communications", "data_manager", "volunteer",
        "auditor",
    },
    "surveys.manage": {"campaign_manager", "field_organiser", "communications"},
    "surveys.record": {
        "campaign_manager", "field_organiser", "communications", "data_manager", "volunteer",
    },
    # canvassing/migrations/0002_grant_canvassing.py (issue 16)
    "canvassing.view": {"campaign_manager", "field_organiser", "data_manager", "auditor"},
    "canvassing.manage": {"campaign_manager", "field_organiser"},
    "canvassing.canvass": {"campaign_manager", "field_organiser", "volunteer"},
}  # fmt: skip


def as_sets(roles):
    return [{**role, "capabilities": set(role["capabilities"])} for role in roles]


def expected_roles():
    out = as_sets(BEFORE_THE_SPLIT)
    for capability, slugs in ADDED_SINCE.items():
        for role in out:
            if role["slug"] in slugs:
                role["capabilities"].add(capability)
    return out


def test_collected_default_roles_are_the_ones_declared_before_the_split():
    roles = capabilities.default_roles()
    assert as_sets(roles) == expected_roles()
    assert all(len(r["capabilities"]) == len(set(r["capabilities"])) for r in roles)


def test_collected_catalogue_is_the_one_declared_before_the_split():
    assert set(capabilities.all_capabilities()) == CATALOGUE_BEFORE_THE_SPLIT | set(ADDED_SINCE)


def test_each_app_declares_its_own_capabilities():
    declared = {m.__name__: set(m.CAPABILITIES) for m in capabilities.capability_modules()}
    assert declared["grassroots.messaging.capabilities"] == {
        "messaging.send",
        "messaging.configure",
        "messaging.text",
    }
    assert declared["grassroots.lists.capabilities"] == {"lists.manage", "lists.print"}
    assert "messaging.send" not in capabilities.CAPABILITIES


def test_the_role_editor_offers_every_collected_capability():
    offered = {value for value, _label in RoleForm().fields["capabilities"].choices}
    assert offered == {"*"} | CATALOGUE_BEFORE_THE_SPLIT | set(ADDED_SINCE)


def module(name, **attrs):
    return SimpleNamespace(__name__=name, **attrs)


@pytest.mark.parametrize(
    "modules",
    [
        [module("a", CAPABILITIES={"x.do": "X"}), module("b", CAPABILITIES={"x.do": "again"})],
        [module("a", CAPABILITIES={"x.do": "X"}, DEFAULT_GRANTS={"no_such_role": ["x.do"]})],
        [module("a", CAPABILITIES={}, DEFAULT_GRANTS={"volunteer": ["x.undeclared"]})],
    ],
    ids=["declared twice", "unknown role", "undeclared capability"],
)
def test_collecting_refuses_inconsistent_declarations(modules):
    with pytest.raises(ImproperlyConfigured):
        capabilities.collect(modules)


# --- the grant/revoke migration helper --------------------------------------------------


def caps(slug):
    return Role.objects.get(slug=slug).capabilities


@pytest.mark.django_db
def test_grant_adds_missing_capabilities_to_default_roles_only():
    Role.objects.filter(slug="volunteer").update(capabilities=["people.view"])
    Role.objects.filter(slug="finance").update(capabilities=["people.view", "x.new"])
    Role.objects.create(slug="custom", name="Custom", capabilities=["people.view"])
    grants = {"volunteer": ["x.new", "x.other"], "finance": ["x.new"], "admin": ["x.new"]}

    migration_helpers.GrantCapabilities(grants)(apps, None)

    assert caps("volunteer") == ["people.view", "x.new", "x.other"]
    assert caps("finance") == ["people.view", "x.new"]
    assert caps("admin") == ["*"]
    assert caps("custom") == ["people.view"]

    migration_helpers.RevokeCapabilities(grants)(apps, None)

    assert caps("volunteer") == ["people.view"]
    assert caps("finance") == ["people.view"]
    assert caps("admin") == ["*"]


def test_grant_and_revoke_operations_reverse_each_other_and_serialise():
    grants = {"volunteer": ["messaging.text"]}
    op = migration_helpers.grant(grants)
    assert op.code == migration_helpers.GrantCapabilities(grants)
    assert op.reverse_code == migration_helpers.RevokeCapabilities(grants)
    back = migration_helpers.revoke(grants)
    assert (back.code, back.reverse_code) == (op.reverse_code, op.code)
    source, imports = MigrationWriter.serialize(op.code)
    assert source == (
        "grassroots.accounts.migration_helpers.GrantCapabilities({'volunteer': ['messaging.text']})"
    )
