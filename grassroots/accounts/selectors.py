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
_KEY_MARK = "\x00key-id"
_token_queries: dict[str, tuple] = {}


def _token_query(connection) -> tuple:
    """The token + user + roles query, built by the ORM once per database and reused with each
    key id: every API request runs it, and compiling it cost more than running it. Returns its
    SQL, the column converters and where the token's and the user's columns are."""
    cached = _token_queries.get(connection.alias)
    if cached is None:
        qs = (
            ApiToken.objects.select_related("user")
            .filter(key_id=_KEY_MARK, revoked_at__isnull=True)
            .annotate(**{f"_role_{c}": F(f"user__roles__{c}") for c in _ROLE_COLUMNS})
            .order_by()
        )
        compiler = qs.query.get_compiler(connection.alias)
        sql, params = compiler.as_sql()
        if list(params) != [_KEY_MARK]:  # pragma: no cover - the query's shape is fixed
            raise RuntimeError(f"unexpected parameters in the token query: {params!r}")
        converters = compiler.get_converters([col for col, _sql, _alias in compiler.select])
        token_info = compiler.klass_info
        user_info = token_info["related_klass_infos"][0]
        roles_at = {c: compiler.annotation_col_map[f"_role_{c}"] for c in _ROLE_COLUMNS}
        cached = (
            sql,
            list(converters.items()),
            [compiler.select[i][0].target.attname for i in token_info["select_fields"]],
            token_info["select_fields"],
            [compiler.select[i][0].target.attname for i in user_info["select_fields"]],
            user_info["select_fields"],
            roles_at,
        )
        _token_queries[connection.alias] = cached
    return cached


def _token_rows(key_id: str) -> list[tuple[ApiToken, Role | None]]:
    from django.db import connection

    sql, converters, token_names, token_at, user_names, user_at, roles_at = _token_query(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_id])
        rows = [list(r) for r in cursor.fetchall()]
    for row in rows:
        for pos, (convs, expression) in converters:
            value = row[pos]
            for convert in convs:
                value = convert(value, expression, connection)
            row[pos] = value
    if not rows:
        return []
    first = rows[0]
    token = ApiToken.from_db(connection.alias, token_names, [first[i] for i in token_at])
    user = User.from_db(connection.alias, user_names, [first[i] for i in user_at])
    ApiToken.user.field.set_cached_value(token, user)
    roles = [
        Role(**{c: row[i] for c, i in roles_at.items()})
        for row in rows
        if row[roles_at["id"]] is not None
    ]
    return [(token, role) for role in roles] or [(token, None)]


def api_token_authenticate(raw: str) -> ApiToken | None:
    """Find the active token for a ``grt_<id>_<secret>`` string, in constant time per id.

    One query reads the token, its user and the user's roles (a LEFT JOIN: one row per role);
    the roles fill the user's role cache, so capability and 2FA checks for the rest of the
    request cost no query."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != ApiToken.PREFIX:
        return None
    rows = _token_rows(parts[1])
    if not rows:
        return None
    token = rows[0][0]
    if not token.user.is_active:
        return None
    if not hmac.compare_digest(token.key_hash, ApiToken.hash_secret(parts[2])):
        return None
    token.user._roles_cache = sorted(
        (role for _t, role in rows if role is not None), key=lambda role: role.name
    )
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
