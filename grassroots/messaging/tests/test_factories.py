"""The messaging factories make what the services make: a simulator, a template with its
variants, a draft broadcast to a list."""

from __future__ import annotations

from grassroots.lists.tests.factories import PersonListFactory
from grassroots.messaging.models import Broadcast, TemplateVariant
from grassroots.messaging.tests.factories import (
    BroadcastFactory,
    ProviderAccountFactory,
    TemplateFactory,
)
from grassroots.people.tests.factories import PersonFactory


def test_factories_make_a_sendable_draft(db):
    account = ProviderAccountFactory()
    assert (account.kind, account.is_default) == ("simulator", True)
    template = TemplateFactory(
        variants=[{"language": "en", "body": "Hi"}, {"language": "bn", "body": "নমস্কার"}]
    )
    assert set(
        TemplateVariant.objects.filter(template=template).values_list("language", flat=True)
    ) == {"en", "bn"}
    lst = PersonListFactory(people=[PersonFactory(phones=["+91 98300 22222"])])
    broadcast = BroadcastFactory(template=template, person_list=lst)
    assert broadcast.status == Broadcast.Status.DRAFT
    assert (broadcast.template, broadcast.person_list) == (template, lst)
    assert TemplateFactory(channel="email").variants.get().subject == "Hello"
