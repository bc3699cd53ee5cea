from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.accounts.capabilities import ALL
from grassroots.core import access


class Role(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True, default="")
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    require_2fa = models.BooleanField(
        _("require two-factor sign-in"),
        default=False,
        help_text=_("Users with this role must sign in with an authenticator app code."),
    )

    access_scope = access.Shared()
    objects = access.ScopedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    roles = models.ManyToManyField(Role, blank=True, related_name="users", verbose_name=_("roles"))
    scope_all = models.BooleanField(
        _("whole campaign"),
        default=False,
        help_text=_("Sees every area. Otherwise the user sees only the areas below."),
    )
    scope_areas = models.ManyToManyField(
        "geography.Area", blank=True, related_name="scoped_users", verbose_name=_("areas")
    )
    preferred_language = models.CharField(_("language"), max_length=10, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="")
    two_factor_exempt = models.BooleanField(
        _("exempt from two-factor sign-in"),
        default=False,
        help_text=_(
            "Signs in without an authenticator app even where a role requires one "
            "(demo and test accounts only)."
        ),
    )
    must_change_password = models.BooleanField(
        _("must set a new password"),
        default=False,
        help_text=_("Asked to choose a new password at the next sign-in."),
    )

    access_scope = access.AnyOf((access.ByOwner("pk"), access.Campaign("accounts.manage")))

    class Meta:
        ordering = ["username"]

    # --- capabilities -------------------------------------------------------------
    def _roles(self) -> list[Role]:
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = list(self.roles.all())
            self._roles_cache = cached
        return cached

    def capabilities(self) -> frozenset[str]:
        cached = getattr(self, "_capabilities_cache", None)
        if cached is None:
            caps: set[str] = set()
            if self.is_active:
                for role in self._roles():
                    caps.update(role.capabilities or [])
                if self.is_superuser:
                    caps.add(ALL)
            cached = frozenset(caps)
            self._capabilities_cache = cached
        return cached

    def has_capability(self, capability: str) -> bool:
        caps = self.capabilities()
        return ALL in caps or capability in caps

    def requires_2fa(self) -> bool:
        """A role of the user requires two-factor sign-in (and the user is not exempt)."""
        return not self.two_factor_exempt and any(role.require_2fa for role in self._roles())

    def two_factor_pending(self) -> bool:
        """Two-factor sign-in is required but no device is enrolled yet: the user may not work
        (sign-in sends them to enrolment; their API tokens are refused) until they enrol."""
        if not self.requires_2fa():
            return False
        from django_otp import user_has_device

        return not user_has_device(self, confirmed=True)

    @property
    def sees_everything(self) -> bool:
        return self.is_active and (self.is_superuser or self.scope_all)


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the secret is shown once."""

    PREFIX = "grt"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_id = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    access_scope = access.ByOwner("user", capability="accounts.manage")
    objects = access.ScopedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginThrottle(models.Model):
    """Failed sign-ins counted per account (the username typed, lower-cased) and per client IP.

    One row per key; rows without a lock are forgotten a day after their last failure. The
    rules live in ``accounts/throttle.py``."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("user account")
        IP = "ip", _("IP address")
        RESET = "reset", _("password reset requests from an IP address")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=150)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(default=timezone.now)
    last_failure_at = models.DateTimeField(default=timezone.now, db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    access_scope = access.SystemOnly("accounts.manage")
    objects = access.ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="accounts_login_throttle_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"
