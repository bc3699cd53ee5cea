"""factory_boy factories for accounts: ``UserFactory(role="volunteer", areas=[part])``.

Users are made through ``services.user_create`` (as ``SYSTEM``), so the password is hashed, the
scope is set and the audit trail written as in the product. ``role`` is a slug or a ``Role``
(``None``: no role — the "wrong role" column of a matrix); ``areas`` the user's scope;
``scope_all`` campaign-wide. ``two_factor_exempt`` defaults to "exempt when the role requires
two-factor sign-in" (the admin, manager, data and finance roles do by default), so tests signing
such users in with a password keep working; pass ``two_factor_exempt=False`` to test the
requirement. ``build()`` is not supported (a user needs its roles saved)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from grassroots.accounts import services
from grassroots.accounts.models import Role, User
from grassroots.core.access import SYSTEM

PASSWORD = "correct-horse-battery-1"


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"role-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    capabilities = factory.LazyFunction(lambda: ["people.view"])
    require_2fa = False


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    password = PASSWORD
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    role: str | Role | None = None
    areas: list = factory.LazyFunction(list)
    scope_all = False
    is_superuser = False

    @classmethod
    def _create(cls, model_class, *args, role=None, areas=(), two_factor_exempt=None, **kwargs):
        if isinstance(role, Role):
            roles = [role]
        elif role:
            if not Role.objects.filter(slug=role).exists():
                services.roles_ensure_defaults()  # a flushed (transactional) database
            roles = list(Role.objects.filter(slug=role))
            assert roles, f"no role {role!r}"
        else:
            roles = []
        if two_factor_exempt is None:
            two_factor_exempt = any(r.require_2fa for r in roles)
        return services.user_create(
            actor=SYSTEM,
            roles=roles,
            scope_areas=list(areas),
            two_factor_exempt=two_factor_exempt,
            **kwargs,
        )
