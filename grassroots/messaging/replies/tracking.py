"""What people do with a message: open it (the tracking pixel), follow a tracked link, use
the unsubscribe link."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.access import SYSTEM
from grassroots.messaging.models import Message, Suppression
from grassroots.messaging.replies.suppressions import suppress
from grassroots.people import services as people_services


def tracking_open(*, token: str) -> bool:
    """The 1×1 image of a tracked email was loaded: the message was opened."""
    from django.core import signing

    try:
        key = signing.loads(token, salt="messaging.open", max_age=60 * 60 * 24 * 365)
    except signing.BadSignature:
        return False
    return bool(
        Message.objects.filter(uuid=key, opened_at__isnull=True).update(opened_at=timezone.now())
    )


def tracking_click(*, token: str) -> str | None:
    """A tracked link was followed: record the click (and the open) and say where to go; None
    for a token we did not sign (no open redirect)."""
    from django.core import signing

    try:
        data = signing.loads(token, salt="messaging.click", max_age=60 * 60 * 24 * 365)
        key, url = data["m"], data["u"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
    if not url.startswith(("http://", "https://")):
        return None
    now = timezone.now()
    Message.objects.filter(uuid=key, clicked_at__isnull=True).update(clicked_at=now)
    Message.objects.filter(uuid=key, opened_at__isnull=True).update(opened_at=now)
    return url


def unsubscribe(*, token: str) -> Message:
    """An email's unsubscribe link (or one-click POST): the address is suppressed for email."""
    from django.core import signing

    try:
        key = signing.loads(token, salt="messaging.unsubscribe", max_age=60 * 60 * 24 * 365)
    except signing.BadSignature:
        raise ValidationError(_("This unsubscribe link is not valid."))
    message = Message.objects.filter(uuid=key).first()
    if message is None:
        raise ValidationError(_("This unsubscribe link is not valid."))
    with transaction.atomic():
        suppress(message.channel, message.to_address, Suppression.Reason.OPTED_OUT,
                  message.person_id, "unsubscribe link")  # fmt: skip
        if message.person_id:
            people_services.consent_record(
                actor=SYSTEM,
                person=message.person,
                channel="email",
                purpose=message.purpose,
                status="withdrawn",
                source=_("Unsubscribe link"),
            )
    return message
