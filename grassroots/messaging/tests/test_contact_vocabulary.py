"""Messaging speaks the one contact vocabulary (people.contact)."""

from grassroots.messaging import sending
from grassroots.messaging.models import Broadcast, Channel, Purpose, Template
from grassroots.messaging.sending import compliance, jurisdictions
from grassroots.people import contact
from grassroots.people.models import Consent, Interaction


def test_message_purposes_are_the_consent_purposes():
    assert Purpose is contact.Purpose is Consent.Purpose
    assert tuple(contact.Purpose.values) == jurisdictions.PURPOSES
    assert Template._meta.get_field("purpose").choices == contact.Purpose.choices
    assert Broadcast._meta.get_field("purpose").choices == contact.Purpose.choices


def test_message_channels_come_from_the_contact_channels():
    shared = dict(contact.Channel.choices)
    assert Channel.values == ["sms", "whatsapp", "email", "voice"]
    assert all(shared[v] == label for v, label in Channel.choices if v != contact.VOICE)
    assert tuple(Channel.values) == jurisdictions.CHANNELS
    assert {"sms", "whatsapp", "voice"} == jurisdictions.PHONE_CHANNELS


def test_every_message_channel_maps_to_a_consent_and_interaction_channel():
    for channel in Channel.values:
        assert compliance.channel_for_consent(channel) in Consent.Channel.values
        assert sending.INTERACTION_CHANNEL[channel] in Interaction.Channel.values
    assert compliance.channel_for_consent("voice") == "phone"
