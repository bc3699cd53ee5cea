from __future__ import annotations

import hmac

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from grassroots.accounts.models import ApiToken, Role, User


def user_list(*, search: str = "") -> QuerySet[User]:
    qs = User.objects.prefetch_related("roles", "scope_areas").order_by("username")
    if search:
        qs = qs.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(email__icontains=search)
        )
    return qs


def role_list() -> QuerySet[Role]:
    return Role.objects.order_by("name")


# The role columns read with a token, one row per role (``None`` when the user has none).
_ROLE_COLUMNS = ("id", "slug", "name", "description", "capabilities", "require_2fa")


def api_token_authenticate(raw: str) -> ApiToken | None:
    """Find the active token for a ``grt_<id>_<secret>`` string, in constant time per id.

    One query reads the token, its user and the user's roles (a LEFT JOIN: one row per role);
    the roles fill the user's role cache, so capability and 2FA checks for the rest of the
    request cost no query."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != ApiToken.PREFIX:
        return None
    rows = list(
        ApiToken.objects.select_related("user")
        .filter(key_id=parts[1], revoked_at__isnull=True)
        .annotate(**{f"_role_{c}": F(f"user__roles__{c}") for c in _ROLE_COLUMNS})
        .order_by()
    )
    if not rows:
        return None
    token = rows[0]
    if not token.user.is_active:
        return None
    if not hmac.compare_digest(token.key_hash, ApiToken.hash_secret(parts[2])):
        return None
    token.user._roles_cache = sorted(
        (
            Role(**{c: getattr(r, f"_role_{c}") for c in _ROLE_COLUMNS})
            for r in rows
            if r._role_id is not None
        ),
        key=lambda role: role.name,
    )
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
