"""factory_boy factories for messaging, made through the services (as ``SYSTEM``).

``ProviderAccountFactory()`` is the default simulator (SMS and email); ``TemplateFactory(
channel="sms", variants=[{"language": "en", "body": "Hi"}, {"language": "bn", "body": "…"}])``
saves the template with its variants (each must render); ``BroadcastFactory(person_list=lst)``
a draft broadcast of a template to a list. ``build()`` is not supported."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from grassroots.core.access import SYSTEM
from grassroots.lists.tests.factories import PersonListFactory
from grassroots.messaging import services
from grassroots.messaging.broadcasts import services as broadcasts
from grassroots.messaging.models import Broadcast, ProviderAccount, Template


class ProviderAccountFactory(DjangoModelFactory):
    class Meta:
        model = ProviderAccount

    name = factory.Sequence(lambda n: f"Simulator {n}")
    kind = "simulator"
    channels: list = factory.LazyFunction(lambda: ["sms", "email"])
    config: dict = factory.LazyFunction(
        lambda: {"from_number": "+15550100", "from_email": "campaign@example.org"}
    )
    secrets: dict = factory.LazyFunction(dict)
    is_default = True

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, **kwargs):
        return services.account_save(actor=actor, **kwargs)


class TemplateFactory(DjangoModelFactory):
    class Meta:
        model = Template

    name = factory.Sequence(lambda n: f"Template {n}")
    channel = "sms"
    variants: list = factory.LazyAttribute(
        lambda o: [
            {"language": "en", "subject": "Hello" if o.channel == "email" else "", "body": "Hi"}
        ]
    )

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, **kwargs):
        return services.template_save(actor=actor, **kwargs)


class BroadcastFactory(DjangoModelFactory):
    class Meta:
        model = Broadcast

    name = factory.Sequence(lambda n: f"Broadcast {n}")
    template = factory.SubFactory(TemplateFactory)
    person_list = factory.SubFactory(PersonListFactory)

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, **kwargs):
        return broadcasts.broadcast_create(actor=actor, **kwargs)
