"""Users for tests: ``make_user`` (one role, a scope) and the password they all share.

Import from here (``from grassroots.testing.users import make_user``), not from ``conftest``: in a
full run the browser tests' ``tests/e2e/conftest.py`` is also a module named ``conftest``, and an
import made while a test runs can get that one.
"""

from __future__ import annotations

from grassroots.accounts import services as account_services
from grassroots.accounts.models import Role
from grassroots.core.access import SYSTEM
from grassroots.testing.password import PASSWORD


def make_user(
    username, role_slug, *, scope_all=False, areas=(), superuser=False, two_factor_exempt=None
):
    """A user with one role. ``two_factor_exempt=None``: exempt when the role requires two-factor
    sign-in (admin, manager, data, finance by default), so the tests that sign these users in
    with a password keep testing what they test; the requirement itself is tested with users made
    ``two_factor_exempt=False`` (``accounts/tests/test_security.py``)."""
    roles = Role.objects.filter(slug=role_slug) if role_slug else Role.objects.none()
    if two_factor_exempt is None:
        two_factor_exempt = any(role.require_2fa for role in roles)
    return account_services.user_create(
        actor=SYSTEM,
        username=username,
        password=PASSWORD,
        roles=roles,
        scope_all=scope_all,
        scope_areas=list(areas),
        is_superuser=superuser,
        two_factor_exempt=two_factor_exempt,
    )
