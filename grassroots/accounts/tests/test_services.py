"""Services for users, roles, 2FA devices and API tokens: rules, audit trail, secrets."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from grassroots.accounts import selectors, services
from grassroots.accounts.models import ApiToken, Role, User
from grassroots.core.access import SYSTEM
from grassroots.core.models import AuditEvent
from grassroots.testing.users import PASSWORD, make_user


def current_code(device: TOTPDevice) -> str:
    """The 6-digit code an authenticator app shows right now for ``device``."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"


def role(slug: str) -> Role:
    return Role.objects.get(slug=slug)


# --- users ------------------------------------------------------------------------------


def test_user_create_hashes_password_sets_access_and_audits(geo, users):
    user = services.user_create(
        actor=users["admin"],
        username="mita",
        password=PASSWORD,
        email="mita@example.org",
        roles=[role("volunteer")],
        scope_areas=[geo["p2"]],
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert user.password != PASSWORD
    assert list(user.roles.values_list("slug", flat=True)) == ["volunteer"]
    assert list(user.scope_areas.values_list("code", flat=True)) == ["IN-WB-AC1-P002"]
    assert user.scope_all is False and user.is_superuser is False and user.is_staff is False
    event = AuditEvent.objects.get(action="user.created", object_id=str(user.pk))
    assert event.actor == users["admin"]
    assert event.detail == {
        "roles": ["volunteer"],
        "scope_all": False,
        "scope_areas": ["IN-WB-AC1-P002"],
    }


def test_user_create_without_password_cannot_sign_in(db):
    user = services.user_create(actor=SYSTEM, username="sso-only", password=None)
    assert not user.has_usable_password()


@pytest.mark.parametrize("username", ["volunteer", "VOLUNTEER", "Volunteer"])
def test_user_create_rejects_duplicate_username_case_insensitively(users, username):
    before = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=users["admin"], username=username, password=PASSWORD)
    assert "already exists" in " ".join(exc.value.message_dict["username"])
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(action="user.created", actor=users["admin"]).exists()


def test_superuser_is_campaign_wide_staff(db):
    user = services.user_create(actor=SYSTEM, username="root", password=PASSWORD, is_superuser=True)
    assert user.scope_all and user.is_staff and user.sees_everything
    assert user.has_capability("anything.at_all")


# --- access changes ---------------------------------------------------------------------


def test_user_update_access_records_roles_and_scope_from_to(geo, users):
    volunteer = users["volunteer"]
    services.user_update_access(
        actor=users["admin"],
        user=volunteer,
        roles=[role("field_organiser")],
        scope_all=False,
        scope_areas=[geo["ac"]],
    )
    volunteer = User.objects.get(pk=volunteer.pk)
    assert list(volunteer.roles.values_list("slug", flat=True)) == ["field_organiser"]
    assert list(volunteer.scope_areas.values_list("code", flat=True)) == ["IN-WB-AC1"]
    assert volunteer.has_capability("people.edit")

    event = AuditEvent.objects.get(action="user.roles_changed", object_id=str(volunteer.pk))
    assert event.actor == users["admin"]
    assert event.detail == {
        "roles": {"from": ["volunteer"], "to": ["field_organiser"]},
        "scope_areas": {"from": ["IN-WB-AC1-P001"], "to": ["IN-WB-AC1"]},
    }


def test_user_update_access_scope_only_change_is_a_scope_event(geo, users):
    volunteer = users["volunteer"]
    services.user_update_access(
        actor=users["admin"],
        user=volunteer,
        roles=[role("volunteer")],
        scope_all=False,
        scope_areas=[geo["p1"], geo["p2"]],
    )
    event = AuditEvent.objects.get(action="user.scope_changed", object_id=str(volunteer.pk))
    assert event.detail == {
        "scope_areas": {"from": ["IN-WB-AC1-P001"], "to": ["IN-WB-AC1-P001", "IN-WB-AC1-P002"]}
    }
    assert not AuditEvent.objects.filter(action="user.roles_changed").exists()


def test_user_update_access_without_changes_writes_no_audit(geo, users):
    services.user_update_access(
        actor=users["admin"],
        user=users["volunteer"],
        roles=[role("volunteer")],
        scope_all=False,
        scope_areas=[geo["p1"]],
        is_active=True,
    )
    assert (
        not AuditEvent.objects.filter(
            object_id=str(users["volunteer"].pk), action__startswith="user."
        )
        .exclude(action="user.created")
        .exists()
    )


def test_deactivation_is_audited_and_removes_every_capability(geo, users):
    volunteer = users["volunteer"]
    assert volunteer.has_capability("people.view")
    services.user_update_access(
        actor=users["admin"],
        user=volunteer,
        roles=[role("volunteer")],
        scope_all=False,
        scope_areas=[geo["p1"]],
        is_active=False,
    )
    event = AuditEvent.objects.get(action="user.deactivated", object_id=str(volunteer.pk))
    assert event.detail == {"is_active": {"from": True, "to": False}}
    fresh = User.objects.get(pk=volunteer.pk)
    assert not fresh.is_active
    assert not fresh.has_capability("people.view")


def test_cannot_remove_own_right_to_manage_users(geo, users):
    # Not a superuser: their only source of accounts.manage is the admin role.
    boss = make_user("boss", "admin", scope_all=True)
    with pytest.raises(ValidationError) as exc:
        services.user_update_access(
            actor=boss,
            user=boss,
            roles=[role("campaign_manager")],
            scope_all=True,
            scope_areas=[],
        )
    assert "cannot remove your own right to manage users" in " ".join(exc.value.messages)
    boss = User.objects.get(pk=boss.pk)
    assert list(boss.roles.values_list("slug", flat=True)) == ["admin"]
    assert boss.has_capability("accounts.manage")
    assert not AuditEvent.objects.filter(action="user.roles_changed").exists()


def test_may_swap_own_roles_while_keeping_accounts_manage(geo, users):
    boss = make_user("boss", "admin", scope_all=True)
    custom = Role.objects.create(
        slug="user_admin", name="User admin", capabilities=["accounts.manage"]
    )
    services.user_update_access(
        actor=boss, user=boss, roles=[custom], scope_all=True, scope_areas=[]
    )
    boss = User.objects.get(pk=boss.pk)
    assert boss.has_capability("accounts.manage")
    assert not boss.has_capability("people.edit")


def test_cannot_deactivate_self(users):
    admin = users["admin"]
    with pytest.raises(ValidationError) as exc:
        services.user_update_access(
            actor=admin,
            user=admin,
            roles=[role("admin")],
            scope_all=True,
            scope_areas=[],
            is_active=False,
        )
    assert "cannot deactivate your own account" in " ".join(exc.value.messages)
    assert User.objects.get(pk=admin.pk).is_active
    assert not AuditEvent.objects.filter(action="user.deactivated").exists()


# --- roles ------------------------------------------------------------------------------


def test_role_update_rejects_unknown_capability_and_changes_nothing(users):
    volunteer_role = role("volunteer")
    before = list(volunteer_role.capabilities)
    with pytest.raises(ValidationError) as exc:
        services.role_update(
            actor=users["admin"],
            role=volunteer_role,
            name="Volunteer",
            capabilities=["people.view", "people.delete_everything"],
            require_2fa=False,
        )
    assert "people.delete_everything" in " ".join(exc.value.messages)
    assert Role.objects.get(pk=volunteer_role.pk).capabilities == before
    assert not AuditEvent.objects.filter(action="role.changed").exists()


def test_role_update_audits_changes_and_applies_to_members(users):
    volunteer_role = role("volunteer")
    services.role_update(
        actor=users["admin"],
        role=volunteer_role,
        name="Booth volunteer",
        capabilities=["people.view", "people.edit", "people.view"],
        require_2fa=True,
    )
    volunteer_role.refresh_from_db()
    assert volunteer_role.capabilities == ["people.edit", "people.view"]
    event = AuditEvent.objects.get(action="role.changed", object_id=str(volunteer_role.pk))
    assert event.actor == users["admin"]
    assert event.detail == {
        "name": {"from": "Volunteer", "to": "Booth volunteer"},
        "capabilities": {
            "from": [
                "geography.view",
                "people.view",
                "people.note",
                "people.add",
                "lists.print",
                "surveys.view",
                "surveys.record",
                "messaging.text",
                "events.view",
                "volunteers.self",
                "canvassing.canvass",
                "api.use",
            ],
            "to": ["people.edit", "people.view"],
        },
        "require_2fa": {"from": False, "to": True},
    }
    member = User.objects.get(pk=users["volunteer"].pk)
    assert member.has_capability("people.edit")
    assert not member.has_capability("people.note")
    assert member.requires_2fa()


def test_roles_ensure_defaults_does_not_overwrite_edits(db):
    Role.objects.filter(slug="volunteer").update(capabilities=["people.view"])
    Role.objects.filter(slug="auditor").delete()
    services.roles_ensure_defaults()
    assert role("volunteer").capabilities == ["people.view"]
    assert role("auditor").capabilities == [  # in the order the apps are installed
        "audit.view",
        "geography.view",
        "people.view",
        "surveys.view",
        "events.view",
        "canvassing.view",
        "api.use",
    ]


# --- API tokens -------------------------------------------------------------------------


def test_api_token_create_stores_only_a_hash(users):
    token, plaintext = services.api_token_create(actor=users["manager"], name="  sync script ")
    prefix, key_id, secret = plaintext.split("_", 2)
    assert prefix == "grt" and key_id == token.key_id
    assert len(secret) >= 32
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.name == "sync script"
    assert stored.key_hash == ApiToken.hash_secret(secret)
    # The secret is nowhere in the row.
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(secret in str(v) for v in row.values())
    assert AuditEvent.objects.filter(
        action="api_token.created", object_id=str(token.pk), actor=users["manager"]
    ).exists()


def test_api_token_authenticates_with_the_plaintext(users):
    token, plaintext = services.api_token_create(actor=users["manager"], name="t")
    found = selectors.api_token_authenticate(plaintext)
    assert found is not None and found.pk == token.pk and found.user == users["manager"]
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_api_token_fails_with_wrong_secret_or_malformed_input(users):
    token, plaintext = services.api_token_create(actor=users["manager"], name="t")
    prefix, key_id, secret = plaintext.split("_", 2)
    flipped = ("A" if secret[0] != "A" else "B") + secret[1:]
    for bad in [
        f"grt_{key_id}_{flipped}",
        f"grt_{key_id}_",
        f"grt_{key_id}",
        f"xyz_{key_id}_{secret}",
        f"grt_{'0' * 12}_{secret}",
        secret,
        "",
    ]:
        assert selectors.api_token_authenticate(bad) is None, bad


def test_revoked_token_no_longer_authenticates(users):
    token, plaintext = services.api_token_create(actor=users["manager"], name="t")
    services.api_token_revoke(actor=users["manager"], token=token)
    assert selectors.api_token_authenticate(plaintext) is None
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert (
        AuditEvent.objects.filter(action="api_token.revoked", object_id=str(token.pk)).count() == 1
    )
    # Revoking twice is a no-op, not a second audit record.
    services.api_token_revoke(actor=users["manager"], token=token)
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_token_of_inactive_user_does_not_authenticate(geo, users):
    token, plaintext = services.api_token_create(actor=users["manager"], name="t")
    services.user_update_access(
        actor=users["admin"],
        user=users["manager"],
        roles=[role("campaign_manager")],
        scope_all=True,
        scope_areas=[],
        is_active=False,
    )
    assert selectors.api_token_authenticate(plaintext) is None


# --- two-factor -------------------------------------------------------------------------


def test_totp_start_replaces_previous_unconfirmed_device(users):
    user = users["volunteer"]
    first = services.totp_device_start(user=user)
    second = services.totp_device_start(user=user)
    assert first.pk != second.pk
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed")) == [
        (second.pk, False)
    ]


def test_totp_confirm_with_a_real_code_enables_2fa_and_audits(users):
    user = users["volunteer"]
    device = services.totp_device_start(user=user)
    assert services.totp_device_confirm(user=user, device=device, token=current_code(device))
    device.refresh_from_db()
    assert device.confirmed
    event = AuditEvent.objects.get(action="user.2fa_enabled")
    assert event.actor == user and event.object_id == str(user.pk)


def test_totp_confirm_accepts_a_code_typed_with_spaces(users):
    user = users["volunteer"]
    device = services.totp_device_start(user=user)
    code = current_code(device)
    assert services.totp_device_confirm(user=user, device=device, token=f" {code[:3]} {code[3:]} ")


def test_totp_confirm_rejects_wrong_code(users):
    user = users["volunteer"]
    device = services.totp_device_start(user=user)
    assert not services.totp_device_confirm(user=user, device=device, token=wrong_code(device))
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert not AuditEvent.objects.filter(action="user.2fa_enabled").exists()


def test_totp_confirm_rejects_someone_elses_device(users):
    device = services.totp_device_start(user=users["volunteer"])
    assert not services.totp_device_confirm(
        user=users["manager"], device=device, token=current_code(device)
    )
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed


def test_totp_confirm_replaces_the_old_confirmed_device(users):
    user = users["volunteer"]
    old = TOTPDevice.objects.create(user=user, name="old phone", confirmed=True)
    device = services.totp_device_start(user=user)
    assert services.totp_device_confirm(user=user, device=device, token=current_code(device))
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [device.pk]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_totp_devices_remove_audits_only_when_something_was_removed(users):
    user = users["volunteer"]
    assert services.totp_devices_remove(actor=users["admin"], user=user) == 0
    assert not AuditEvent.objects.filter(action="user.2fa_reset").exists()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert services.totp_devices_remove(actor=users["admin"], user=user) == 1
    assert not TOTPDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="user.2fa_reset")
    assert event.actor == users["admin"] and event.object_id == str(user.pk)
