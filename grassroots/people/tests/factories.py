"""factory_boy factories for people, made through the services (as ``SYSTEM`` unless ``actor=``).

``PersonFactory(area=part, phones=["+91 98300 12345"], tags=[tag])``; ``HouseholdFactory(area=…)``;
``ContactPointFactory(person=p, channel="email", value="a@example.org")`` (normalised, primary
handled as the service does); ``TagFactory(name="Volunteer")``. ``build()`` is not supported."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from grassroots.core.access import SYSTEM
from grassroots.people import services
from grassroots.people.models import ContactPoint, Household, Person, Tag


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"Tag {n}")

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, **kwargs):
        return services.tag_get_or_create(actor=actor, **kwargs)


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    name = factory.Sequence(lambda n: f"Household {n}")
    area = None
    address = factory.Sequence(
        lambda n: {"house_number": str(n + 1), "street": "Harish Mukherjee Road", "city": "Kolkata"}
    )

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, **kwargs):
        return services.household_create(actor=actor, **kwargs)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = "Factory"
    area = None
    phones: list = factory.LazyFunction(list)
    emails: list = factory.LazyFunction(list)
    tags: list = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, phones=(), emails=(), tags=(), **data):
        return services.person_create(
            actor=actor, data=data, phones=phones, emails=emails, tags=tags
        )


class ContactPointFactory(DjangoModelFactory):
    class Meta:
        model = ContactPoint

    person = factory.SubFactory(PersonFactory)
    channel = ContactPoint.Channel.PHONE
    value = factory.Sequence(lambda n: f"+91 98300 {n % 100000:05d}")

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, **kwargs):
        return services.contact_point_add(actor=actor, **kwargs)
