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
    audit.record(
        actor=SYSTEM,
        action="auth.login_failed",
        detail={"username": str(credentials.get("username", ""))[:150]},
        ip_address=_ip(request),
    )
