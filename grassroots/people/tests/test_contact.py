"""The one contact vocabulary (people.contact): every model's channels and purposes come from it."""

import pytest

from grassroots.people import contact
from grassroots.people.models import Consent, ContactPoint, Interaction


def test_channels_and_purposes():
    assert contact.Channel.values == ["email", "sms", "whatsapp", "phone", "post", "door"]
    assert contact.Purpose.values == ["campaign", "fundraising", "volunteering", "research"]
    assert str(contact.Channel.WHATSAPP.label) == "WhatsApp"


def test_model_channels_are_subsets_with_the_same_values_and_labels():
    shared = dict(contact.Channel.choices)
    for subset in (ContactPoint.Channel, Consent.Channel):
        assert set(subset.values) <= set(shared)
        assert all(shared[v] == label for v, label in subset.choices)
    assert ContactPoint.Channel.values == ["phone", "email"]
    assert ContactPoint.Channel.PHONE == "phone"
    assert "door" not in Consent.Channel.values
    # the interaction log takes every contact channel, plus events, donations, cases…
    assert set(contact.Channel.values) <= set(Interaction.Channel.values)
    assert Interaction.Channel.EVENT == "event"
    assert Consent.Purpose is contact.Purpose


@pytest.mark.parametrize(
    "message_channel, consent, contact_point",
    [
        ("voice", "phone", "phone"),
        ("sms", "sms", "phone"),
        ("whatsapp", "whatsapp", "phone"),
        ("email", "email", "email"),
    ],
)
def test_message_channel_mapping(message_channel, consent, contact_point):
    assert contact.consent_channel(message_channel) == consent
    assert contact.contact_point_channel(message_channel) == contact_point
    assert contact.consent_channel(message_channel) in Consent.Channel.values
    assert contact.consent_channel(message_channel) in Interaction.Channel.values
