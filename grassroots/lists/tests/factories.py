"""factory_boy factories for lists, made through the services as their ``owner``.

``SegmentFactory(owner=user, visibility="shared")`` (owner ``None``: made by ``SYSTEM``,
campaign-wide); ``PersonListFactory(owner=user, people=[p1, p2])``. The area is the owner's
home area, as in the product. ``build()`` is not supported."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from grassroots.core.access import SYSTEM
from grassroots.lists import services
from grassroots.lists.compiler import empty_definition
from grassroots.lists.models import PersonList, Segment


class SegmentFactory(DjangoModelFactory):
    class Meta:
        model = Segment

    owner = None
    name = factory.Sequence(lambda n: f"Segment {n}")
    description = ""
    definition = factory.LazyFunction(empty_definition)
    visibility = "private"

    @classmethod
    def _create(cls, model_class, *args, owner=None, **kwargs):
        return services.segment_create(actor=owner or SYSTEM, **kwargs)


class PersonListFactory(DjangoModelFactory):
    class Meta:
        model = PersonList

    owner = None
    name = factory.Sequence(lambda n: f"List {n}")
    description = ""
    visibility = "private"
    people: list = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, owner=None, people=(), **kwargs):
        return services.list_create(
            actor=owner or SYSTEM, person_ids=[p.pk for p in people], **kwargs
        )
