"""The one contact vocabulary: how a campaign reaches a person, and what for.

``Channel`` is every way of reaching a person (email, SMS, WhatsApp, phone, post, the door);
``Purpose`` is why (the consent purposes). Consent, interactions, contact points, messaging,
compliance and the API all use these two enums; a model whose channels are legitimately fewer
(a ``ContactPoint`` is a phone number or an email address) takes a subset with
:func:`channel_subset`, so the stored values and labels stay the same everywhere.

Messaging sends on *message* channels: ``sms``, ``whatsapp``, ``email`` and ``voice`` (a voice
broadcast). A voice message goes to the person's ``phone`` contact point and needs ``phone``
consent; :func:`consent_channel` and :func:`contact_point_channel` are the one place that says
so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")
    DOOR = "door", _("Door")


#: A symbol per channel, for timelines and lists (decorative: always next to the channel's name).
ICONS = {
    Channel.EMAIL: "✉",
    Channel.SMS: "✆",
    Channel.WHATSAPP: "✆",
    Channel.PHONE: "☎",
    Channel.POST: "✉",
    Channel.DOOR: "⌂",
    "voice": "☎",  # a voice broadcast (VOICE, below)
}


def channel_icon(channel: str) -> str:
    """The symbol of a channel (``⌂`` for a door knock, ``☎`` for a call …), ``•`` if unknown."""
    return ICONS.get(str(channel), "•")


class Purpose(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign updates")
    FUNDRAISING = "fundraising", _("Fundraising")
    VOLUNTEERING = "volunteering", _("Volunteering")
    RESEARCH = "research", _("Surveys and research")


#: The message channel of a voice broadcast; it reaches the person's ``phone``.
VOICE = "voice"

#: The channels a contact point (a number or an address) can be for.
CONTACT_POINT_CHANNELS = (Channel.PHONE, Channel.EMAIL)


def channel_subset(
    *members: Channel, extra: Iterable[tuple[str, str, Any]] = (), name: str = "Channel"
) -> type[models.TextChoices]:
    """A ``TextChoices`` holding some of :class:`Channel` (same values and labels), in the
    given order, plus ``extra`` members given as ``(NAME, value, label)``."""
    spec = [(m.name, (m.value, m.label)) for m in members]
    spec += [(n, (v, label)) for n, v, label in extra]
    return models.TextChoices(name, spec)  # type: ignore[return-value]


def consent_channel(message_channel: str) -> str:
    """The :class:`Channel` (of consent and of the interaction log) that a message channel
    counts as: ``voice`` → ``phone``; ``sms``, ``whatsapp`` and ``email`` are themselves."""
    return Channel.PHONE.value if message_channel == VOICE else str(message_channel)


def contact_point_channel(message_channel: str) -> str:
    """The ``ContactPoint`` channel a message is addressed to: ``email`` for email, ``phone``
    for SMS, WhatsApp, voice and phone."""
    return Channel.EMAIL.value if message_channel == Channel.EMAIL else Channel.PHONE.value
