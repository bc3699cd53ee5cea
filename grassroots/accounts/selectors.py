from __future__ import annotations

import hmac

from django.db.models import Q, QuerySet
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


def api_token_authenticate(raw: str) -> ApiToken | None:
    """Find the active token for a ``grt_<id>_<secret>`` string, in constant time per id."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != ApiToken.PREFIX:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_id=parts[1], revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.key_hash, ApiToken.hash_secret(parts[2])):
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
