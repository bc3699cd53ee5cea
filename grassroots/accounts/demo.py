"""Accounts' part of the demo campaign: the default roles and one login per role.

Registered in ``core.registry.demo_seeders`` (``AccountsConfig.ready``) to run after geography
(a login's scope is an area of the demo). Idempotent: an account that exists is never touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password

from grassroots.accounts.models import Role, User
from grassroots.accounts.services import roles_ensure_defaults, user_create
from grassroots.core.access import SYSTEM

if TYPE_CHECKING:
    from grassroots.core.registry import DemoRun

DEMO_PASSWORD = "demo-password-2026"
# The demo's logins are exempt from two-factor sign-in (``User.two_factor_exempt``), though the
# admin, manager, data and finance roles require it: anyone trying the demo can sign in with the
# password alone. A real user with those roles enrols an authenticator app at first sign-in; the
# user admin screen shows the exemption and can remove it.
DEMO_TWO_FACTOR_NOTE = (
    "Demo logins are exempt from two-factor sign-in; real admin, manager, data and finance "
    "users must enrol an authenticator app at their first sign-in."
)

# username, first name, last name, role slug, scope (None = whole campaign), superuser
DEMO_USERS: list[tuple[str, str, str, str, str | None, bool]] = [
    ("admin", "Aditi", "Rao", "admin", None, True),
    ("manager", "Rajat", "Sen", "campaign_manager", None, False),
    ("data", "Nusrat", "Jahan", "data_manager", None, False),
    ("organiser", "Arpita", "Ghosh", "field_organiser", "IN-WB-AC158", False),
    ("finance", "Prakash", "Agarwal", "finance", None, False),
    ("comms", "Sayantani", "Dutta", "communications", None, False),
    ("volunteer", "Rahul", "Das", "volunteer", "IN-WB-AC158-P001", False),
    ("auditor", "Meera", "Iyer", "auditor", None, False),
    ("us-organiser", "Maria", "Lopez", "field_organiser", "US-CA-CD12", False),
]


def seed(run: DemoRun) -> dict[str, int]:
    """The demo logins (``run.users`` by username; ``run.logins`` lists the ones made here)."""
    areas = run.areas
    roles_ensure_defaults()
    roles = {r.slug: r for r in Role.objects.all()}
    users: dict[str, User] = {}
    logins: list[tuple[str, str, str]] = []
    existing: list[str] = []
    # One Argon2 hash shared by every demo account (same password): hashing it per user
    # costs most of a second each.
    password_hash = make_password(DEMO_PASSWORD)
    for username, first, last, role, scope, superuser in DEMO_USERS:
        found = User.objects.filter(username__iexact=username).first()
        if found is not None:  # never touch an account someone already has
            users[username] = found
            existing.append(username)
            continue
        user = user_create(
            actor=SYSTEM,
            username=username,
            password=None,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.example.org",
            roles=[roles[role]],
            scope_all=scope is None,
            scope_areas=[areas[scope]] if scope else [],
            is_superuser=superuser,
            two_factor_exempt=True,
        )
        user.password = password_hash
        user.save(update_fields=["password"])
        users[username] = user
        label = "whole campaign" if scope is None else f"{areas[scope].name} ({scope})"
        logins.append((username, role, label))
    run.users, run.logins, run.existing_users = users, logins, existing
    return {}


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, scope) of the demo users that exist, for the CLI to print."""
    existing = set(
        User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).values_list(
            "username", flat=True
        )
    )
    return [
        (username, role, scope or "whole campaign")
        for username, _first, _last, role, scope, _su in DEMO_USERS
        if username in existing
    ]
