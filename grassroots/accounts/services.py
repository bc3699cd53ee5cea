"""Writes for users, roles, scopes, 2FA devices and API tokens. Every change is audited."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from grassroots.accounts import throttle
from grassroots.accounts.capabilities import ALL, all_capabilities, default_roles
from grassroots.accounts.models import ApiToken, Role, User
from grassroots.core import access, audit


def roles_ensure_defaults() -> list[Role]:
    """Create the default roles that are missing; never overwrite an admin's edits."""
    roles = []
    for spec in default_roles():
        role, _created = Role.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "capabilities": spec["capabilities"],
                "require_2fa": spec["require_2fa"],
            },
        )
        roles.append(role)
    return roles


MANAGE = "accounts.manage"


def _area_model():
    return User._meta.get_field("scope_areas").related_model


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    roles: Iterable[Role] = (),
    scope_all: bool = False,
    scope_areas: Iterable[Any] = (),
    is_superuser: bool = False,
    two_factor_exempt: bool = False,
) -> User:
    """``two_factor_exempt`` (demo and test accounts): the user signs in without an
    authenticator app even where a role requires one; no screen sets it."""
    access.require(actor, MANAGE)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("A user with that username already exists.")})
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        scope_all=scope_all or is_superuser,
        is_superuser=is_superuser,
        is_staff=is_superuser,
        two_factor_exempt=two_factor_exempt,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.roles.set(list(roles))
    user.scope_areas.set(list(scope_areas))
    audit.record(
        actor=actor,
        action="user.created",
        obj=user,
        detail={
            "roles": sorted(r.slug for r in user.roles.all()),
            "scope_all": user.scope_all,
            "scope_areas": sorted(a.code for a in user.scope_areas.all()),
            **({"two_factor_exempt": True} if two_factor_exempt else {}),
        },
    )
    return user


# --- passwords and sign-in locks -------------------------------------------------------


@transaction.atomic
def user_password_set(*, actor: Any, user: User, password: str, reset: bool = False) -> User:
    """Set ``user``'s password (already checked against ``AUTH_PASSWORD_VALIDATORS`` by the
    form): by the user themself (a change, or ``reset`` through an emailed link) or by a user
    manager. Clears a forced change and lifts a sign-in lock."""
    if getattr(actor, "pk", None) != user.pk:
        access.require(actor, MANAGE)
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    throttle.clear_account(user.get_username())
    audit.record(
        actor=actor, action="user.password_reset" if reset else "user.password_changed", obj=user
    )
    return user


@transaction.atomic
def user_password_change_require(*, actor: Any, user: User) -> User:
    """Make ``user`` choose a new password at their next sign-in (and now, if signed in)."""
    access.require(actor, MANAGE)
    if not user.must_change_password:
        user.must_change_password = True
        user.save(update_fields=["must_change_password"])
        audit.record(actor=actor, action="user.password_change_required", obj=user)
    return user


@transaction.atomic
def user_sign_in_unlock(*, actor: Any, user: User) -> bool:
    """Lift a sign-in lock on ``user``'s account (not on an IP address); True if one was on."""
    access.require(actor, MANAGE)
    locked = throttle.account_lock(user.get_username()) is not None
    throttle.clear_account(user.get_username())
    if locked:
        audit.record(actor=actor, action="auth.unlocked", obj=user)
    return locked


@transaction.atomic
def user_two_factor_exemption_remove(*, actor: Any, user: User) -> User:
    """End a demo/test account's exemption: its roles' two-factor requirement applies."""
    access.require(actor, MANAGE)
    if user.two_factor_exempt:
        user.two_factor_exempt = False
        user.save(update_fields=["two_factor_exempt"])
        audit.record(actor=actor, action="user.2fa_exemption_removed", obj=user)
    return user


@transaction.atomic
def user_update_access(
    *,
    actor: Any,
    user: User,
    roles: Iterable[Role],
    scope_all: bool,
    scope_areas: Iterable[Any],
    is_active: bool | None = None,
) -> User:
    """Change a user's roles, geographic scope and active flag; audit what changed."""
    access.require(actor, MANAGE)
    before = {
        "roles": sorted(r.slug for r in user.roles.all()),
        "scope_all": user.scope_all,
        "scope_areas": sorted(a.code for a in user.scope_areas.all()),
        "is_active": user.is_active,
    }
    roles = list(roles)
    scope_areas = list(scope_areas)
    if (
        actor is not None
        and actor.pk == user.pk
        and before["roles"]
        and not any(
            ALL in (r.capabilities or []) or "accounts.manage" in (r.capabilities or [])
            for r in roles
        )
        and not user.is_superuser
    ):
        raise ValidationError(_("You cannot remove your own right to manage users."))
    user.scope_all = scope_all
    if is_active is not None:
        if actor is not None and actor.pk == user.pk and not is_active:
            raise ValidationError(_("You cannot deactivate your own account."))
        user.is_active = is_active
    user.save(update_fields=["scope_all", "is_active"])
    user.roles.set(roles)
    user.scope_areas.set(scope_areas)
    for cache in ("_capabilities_cache", "_roles_cache", "_scope_paths_cache"):
        user.__dict__.pop(cache, None)
    after = {
        "roles": sorted(r.slug for r in roles),
        "scope_all": scope_all,
        "scope_areas": sorted(a.code for a in scope_areas),
        "is_active": user.is_active,
    }
    changes = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changes:
        action = "user.roles_changed" if ("roles" in changes) else "user.scope_changed"
        if set(changes) == {"is_active"}:
            action = "user.activated" if user.is_active else "user.deactivated"
        audit.record(actor=actor, action=action, obj=user, detail=changes)
    return user


@transaction.atomic
def role_update(
    *, actor: Any, role: Role, name: str, capabilities: list[str], require_2fa: bool
) -> Role:
    access.require(actor, MANAGE)
    known = all_capabilities()
    unknown = [c for c in capabilities if c != ALL and c not in known]
    if unknown:
        raise ValidationError(_("Unknown capabilities: %(caps)s") % {"caps": ", ".join(unknown)})
    before = {"name": role.name, "capabilities": role.capabilities, "require_2fa": role.require_2fa}
    role.name = name
    role.capabilities = sorted(set(capabilities))
    role.require_2fa = require_2fa
    role.full_clean()
    role.save()
    after = {"name": role.name, "capabilities": role.capabilities, "require_2fa": role.require_2fa}
    changes = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changes:
        audit.record(actor=actor, action="role.changed", obj=role, detail=changes)
    return role


# --- two-factor ----------------------------------------------------------------------


def totp_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed device whose secret the user scans; replaced on each new start."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    if device.user_id != user.pk or device.confirmed:
        return False
    if not device.verify_token((token or "").strip().replace(" ", "")):
        return False
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=user, action="user.2fa_enabled", obj=user)
    return True


@transaction.atomic
def totp_devices_remove(*, actor: Any, user: User) -> int:
    access.require(actor, MANAGE)
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    if count:
        audit.record(actor=actor, action="user.2fa_reset", obj=user)
    return count


# --- API tokens ----------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``actor``; return it and the one-time plaintext secret."""
    name = (name or "").strip()[:100] or "API token"
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name, key_id=key_id, key_hash=ApiToken.hash_secret(secret)
    )
    audit.record(actor=actor, action="api_token.created", obj=token)
    return token, f"{ApiToken.PREFIX}_{key_id}_{secret}"


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="api_token.revoked", obj=token)
    return token


def language_supported(code: str | None) -> str:
    """``code`` if the UI speaks it (``settings.LANGUAGES``), else ``""``."""
    from django.conf import settings

    code = (code or "").strip().lower()
    return code if code in dict(settings.LANGUAGES) else ""


@transaction.atomic
def user_language_set(*, actor: Any, user: User, language: str) -> User:
    """The language the UI speaks to ``user`` at every sign-in ("" = the browser's choice).

    A user sets their own; changing someone else's needs ``accounts.manage``."""
    if getattr(actor, "pk", None) != user.pk:
        access.require(actor, MANAGE)
    code = language_supported(language)
    if language and not code:
        raise ValidationError({"language": _("This language is not available.")})
    if user.preferred_language != code:
        user.preferred_language = code
        user.save(update_fields=["preferred_language"])
    return user
