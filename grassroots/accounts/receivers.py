"""Sign-ins and failed sign-ins go to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from grassroots.core import audit
from grassroots.core.access import SYSTEM


def _ip(request):
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit.record(actor=user, action="auth.login", obj=user, ip_address=_ip(request))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    detail = {"username": str(credentials.get("username", ""))[:150]}
    if getattr(request, "login_refusal", None) is not None:
        detail["throttled"] = True  # refused by the sign-in throttle (accounts/throttle.py)
    audit.record(actor=SYSTEM, action="auth.login_failed", detail=detail, ip_address=_ip(request))
