"""Sign-in throttling: growing delays, then a temporary lock, per account and per client IP.

Rules (defaults; ``settings.LOGIN_THROTTLE`` overrides any of them):

* **Per account** (the username typed, lower-cased, whether or not such a user exists, so the
  answer never tells): after ``delay_after`` failures the next attempt must wait 1 s, 2 s, 4 s…
  (at most ``max_delay``) after the last one; ``account_limit`` failures within ``window`` lock
  the account for ``lock``. An attempt refused for waiting counts as a failure, so a fast
  guesser reaches the lock at once; an attempt during a lock does not count and does not make
  the lock longer, so nobody can keep a known user locked out: the lock expires, a successful
  sign-in afterwards starts again from zero, and a password reset or change unlocks at once.
* **Per IP** (``REMOTE_ADDR``; behind a proxy, have it set the client's address): a larger
  budget, ``ip_limit`` failures within ``window`` lock the address for ``lock``.
* **Password reset emails**: ``reset_limit`` requests per IP within ``window``; more are
  answered as usual but send nothing.

While a lock or a wait is on, the password is not even checked: the right one is refused too.
Every lock is audited (``auth.locked``), and every refused attempt is an ``auth.login_failed``
event marked ``throttled``. The check runs in the authentication backend
(``backends.ThrottledModelBackend``), so the app's sign-in form and ``/django-admin/login/``
are covered alike; API tokens are not passwords and are not throttled here.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from grassroots.accounts.models import LoginThrottle
from grassroots.core import audit
from grassroots.core.access import SYSTEM

DEFAULTS = {
    "account_limit": 10,  # failures per account within the window → lock
    "ip_limit": 50,  # failures per client IP within the window → lock
    "window": dt.timedelta(minutes=15),
    "lock": dt.timedelta(minutes=15),
    "delay_after": 3,  # failures before the growing delays start
    "max_delay": dt.timedelta(minutes=1),
    "reset_limit": 5,  # password reset emails asked for from one client IP within the window
}
ACCOUNT = LoginThrottle.Kind.ACCOUNT
IP = LoginThrottle.Kind.IP
RESET = LoginThrottle.Kind.RESET


def rules() -> dict:
    return {**DEFAULTS, **getattr(settings, "LOGIN_THROTTLE", {})}


def account_key(username: str | None) -> str:
    return (username or "").strip().lower()[:150]


def client_ip(request) -> str:
    return ((request.META.get("REMOTE_ADDR") or "") if request is not None else "")[:150]


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused before the password is checked, and until when."""

    until: dt.datetime
    locked: bool  # a lock (True) or a wait between attempts (False)

    def wait_seconds(self, now: dt.datetime | None = None) -> int:
        return max(1, math.ceil((self.until - (now or timezone.now())).total_seconds()))


def _delay(failures: int, r: dict) -> dt.timedelta:
    if failures < r["delay_after"]:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=2 ** (failures - r["delay_after"])), r["max_delay"])


def _refusal(row: LoginThrottle, now: dt.datetime, r: dict) -> Refusal | None:
    if row.locked_until is not None and row.locked_until > now:
        return Refusal(row.locked_until, locked=True)
    if row.kind == ACCOUNT and row.window_started_at > now - r["window"]:
        wait_until = row.last_failure_at + _delay(row.failures, r)
        if wait_until > now:
            return Refusal(wait_until, locked=False)
    return None


def check(username: str | None, ip: str) -> Refusal | None:
    """The refusal in force for this account or this address (the later one), if any."""
    now, r = timezone.now(), rules()
    keys = Q(kind=ACCOUNT, key=account_key(username))
    if ip:
        keys |= Q(kind=IP, key=ip)
    refusals = [x for row in LoginThrottle.objects.filter(keys) if (x := _refusal(row, now, r))]
    if not refusals:
        return None
    return max(refusals, key=lambda x: (x.locked, x.until))


def _count(kind: str, key: str, limit: int, now: dt.datetime, r: dict, *, ip: str) -> None:
    row, created = LoginThrottle.objects.select_for_update().get_or_create(
        kind=kind, key=key, defaults={"window_started_at": now, "last_failure_at": now}
    )
    if created:  # forget stale keys (a spray of made-up usernames must not grow the table)
        LoginThrottle.objects.filter(last_failure_at__lt=now - dt.timedelta(days=1)).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lt=now)
        ).delete()
    if row.locked_until is not None and row.locked_until > now:
        return  # a lock is never extended by the attempts it refuses
    if row.window_started_at <= now - r["window"] or row.locked_until is not None:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= limit:
        row.locked_until = now + r["lock"]
        audit.record(
            actor=SYSTEM,
            action="auth.locked",
            detail={
                "kind": kind,
                "key": key,
                "failures": row.failures,
                "until": row.locked_until.isoformat(),
            },
            ip_address=ip or None,
        )
    row.save()


def record_failure(username: str | None, ip: str) -> None:
    """Count a failed (or refused) attempt against the account and the address."""
    now, r = timezone.now(), rules()
    with transaction.atomic():
        _count(ACCOUNT, account_key(username), r["account_limit"], now, r, ip=ip)
        if ip:
            _count(IP, ip, r["ip_limit"], now, r, ip=ip)


def reset_request_allowed(ip: str) -> bool:
    """Count a request for a password reset email from ``ip``; False once the address has asked
    ``reset_limit`` times within the window (then locked like a sign-in address). The caller
    answers the same either way and sends nothing when refused: nobody's mailbox is flooded."""
    now, r = timezone.now(), rules()
    if not ip:
        return True
    with transaction.atomic():
        row = LoginThrottle.objects.filter(kind=RESET, key=ip).first()
        if row is not None and _refusal(row, now, r) is not None:
            return False
        _count(RESET, ip, r["reset_limit"], now, r, ip=ip)
    return True


def clear_account(username: str | None) -> None:
    """Forget the account's failures and lift its lock (a success, a password reset)."""
    LoginThrottle.objects.filter(kind=ACCOUNT, key=account_key(username)).delete()


def account_lock(username: str | None) -> dt.datetime | None:
    """Until when the account is locked (for the user admin screen), or None."""
    row = LoginThrottle.objects.filter(kind=ACCOUNT, key=account_key(username)).first()
    if row is not None and row.locked_until is not None and row.locked_until > timezone.now():
        return row.locked_until
    return None
