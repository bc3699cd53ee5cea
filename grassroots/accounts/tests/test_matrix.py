"""Authorisation matrices for the user administration screens (ARCHITECTURE §5).

Users and roles are campaign-wide (``accounts.manage``): the columns are anonymous, a campaign
manager (every area, not this capability), a volunteer, and the admin. Refused users must see
no other user's details and change no user, role or scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.accounts import services
from grassroots.accounts.models import Role, User
from grassroots.accounts.tests.factories import RoleFactory, UserFactory
from grassroots.core.exceptions import Forbidden
from grassroots.core.models import AuditEvent
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client, snapshot

EXPECT = {"anonymous": LOGIN, "wrong_role": 403, "volunteer": 403, "allowed": 200}


@pytest.fixture
def world(geo):
    area = geo["p1"]  # the shared fixture's tree (accounts' tests import no geography)
    return {
        "area": area,
        "subject": UserFactory(
            username="zed_subject",
            email="zed.private@example.org",
            role="volunteer",
            areas=[area],
            first_name="Zedekiah",
        ),  # fmt: skip
        "role": RoleFactory(slug="matrix-role", name="Matrix role", capabilities=["people.view"]),
        "users": {
            "wrong_role": UserFactory(role="campaign_manager", scope_all=True),
            "volunteer": UserFactory(role="volunteer", areas=[area]),
            "allowed": UserFactory(role="admin", scope_all=True),
        },
    }


def _access_rows(world):
    subject = world["subject"]
    return lambda: snapshot(
        User.objects.filter(pk=subject.pk).values("pk", "is_active", "scope_all", "password"),
        User.roles.through.objects.filter(user=subject),
        User.scope_areas.through.objects.filter(user=subject),
        Role.objects.all(),
        User.objects.values("pk", "username"),
    )


def test_user_list(world):
    assert_matrix(
        html_client, "get", reverse("accounts:user_list"), users=world["users"], expect=EXPECT,
        leaks=["zed_subject", "zed.private@example.org"],
    )  # fmt: skip


def test_user_edit_form(world):
    assert_matrix(
        html_client, "get", reverse("accounts:user_edit", args=[world["subject"].pk]),
        users=world["users"], expect=EXPECT, leaks=["zed_subject", "IN-WB-AC1-P001"],
    )  # fmt: skip


def test_user_edit_post(world):
    subject = world["subject"]
    assert_matrix(
        html_client, "post", reverse("accounts:user_edit", args=[subject.pk]),
        data={"roles": [Role.objects.get(slug="admin").pk], "scope_all": "on", "is_active": "on"},
        users=world["users"], expect={**EXPECT, "allowed": 302},
        leaks=["zed_subject"], unchanged=_access_rows(world),
    )  # fmt: skip
    subject.refresh_from_db()
    assert subject.scope_all and subject.has_capability("accounts.manage")


def test_user_2fa_reset(world):
    assert_matrix(
        html_client, "post", reverse("accounts:user_edit", args=[world["subject"].pk]),
        data={"action": "reset_2fa"}, users=world["users"], expect={**EXPECT, "allowed": 302},
        unchanged=lambda: snapshot(AuditEvent.objects.all()),
    )  # fmt: skip


def test_user_create(world):
    assert_matrix(
        html_client, "post", reverse("accounts:user_create"),
        data={"username": "sneaky", "password": "correct-horse-battery-9", "scope_all": "on",
              "roles": [Role.objects.get(slug="admin").pk], "is_active": "on"},
        users=world["users"], expect={**EXPECT, "allowed": 302}, unchanged=_access_rows(world),
    )  # fmt: skip
    assert User.objects.filter(username="sneaky").exists()


def test_role_edit(world):
    role = world["role"]
    assert_matrix(
        html_client, "post", reverse("accounts:role_edit", args=[role.pk]),
        data={"name": "Matrix role", "capabilities": ["accounts.manage"]},
        users=world["users"], expect={**EXPECT, "allowed": 302}, unchanged=_access_rows(world),
    )  # fmt: skip
    role.refresh_from_db()
    assert role.capabilities == ["accounts.manage"]


def test_audit_log(world):
    users = {**world["users"], "allowed": UserFactory(role="auditor", scope_all=True)}
    users["wrong_role"] = UserFactory(role="data_manager", scope_all=True)
    assert_matrix(
        html_client, "get", reverse("accounts:audit_list"), users=users, expect=EXPECT,
        leaks=["zed_subject"],
    )  # fmt: skip


def test_the_access_services_themselves_refuse_a_user_without_accounts_manage(world):
    volunteer = world["users"]["volunteer"]
    with pytest.raises(Forbidden):
        services.user_update_access(
            actor=volunteer, user=volunteer, roles=list(Role.objects.filter(slug="admin")),
            scope_all=True, scope_areas=[],
        )  # fmt: skip
