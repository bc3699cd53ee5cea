"""factory_boy factories for geography: ``AreaFactory(parent=ac)`` gets the right path and depth.

Areas are made through ``services.area_create`` (the materialised ``path`` needs the new id), so
``AreaFactory.build()`` is not supported. ``AreaKindFactory`` goes through ``area_kind_ensure``
(get-or-create by code)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from grassroots.core.access import SYSTEM
from grassroots.geography import services
from grassroots.geography.models import Area, AreaKind


class AreaKindFactory(DjangoModelFactory):
    class Meta:
        model = AreaKind

    code = factory.Sequence(lambda n: f"kind{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    is_polling_unit = False
    sort_order = 100

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.area_kind_ensure(**kwargs)


class AreaFactory(DjangoModelFactory):
    class Meta:
        model = Area

    kind = factory.SubFactory(AreaKindFactory)
    parent = None
    code = factory.LazyAttributeSequence(
        lambda o, n: f"{o.parent.code}-{n}" if o.parent is not None else f"AREA{n}"
    )
    name = factory.Sequence(lambda n: f"Area {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.area_create(actor=SYSTEM, **kwargs)
