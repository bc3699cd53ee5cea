"""A host's link: an approved supporter-host manages their event's attendees (check-in, walk-ins)
through a signed address — no account needed. The link names the event and the host; it stops
working when the event is cancelled or the person is no longer one of its hosts."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from grassroots.core.exceptions import NotFound
from grassroots.events.models import Event
from grassroots.messaging import sending

SALT = "events.host"


def host_token(event: Event, person_id: int) -> str:
    return signing.dumps({"e": event.pk, "p": person_id}, salt=SALT, compress=True)


def host_url(event: Event, person_id: int) -> str:
    return sending.public_url(reverse("events:host", args=[host_token(event, person_id)]))


def event_for_host(token: str) -> Event:
    return event_and_host(token)[0]


def event_and_host(token: str) -> tuple[Event, int]:
    """The event a host link opens and the id of the host it names; 404 when the link is forged,
    the event is not published or the person is no longer one of its hosts."""
    try:
        data = signing.loads(token, salt=SALT)
        event_id, person_id = int(data["e"]), int(data["p"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound from None
    event = (
        Event.objects.select_related("type")
        .filter(pk=event_id, status=Event.Status.PUBLISHED, hosts__pk=person_id)
        .first()
    )
    if event is None:
        raise NotFound
    return event, person_id
