"""factory_boy factories for events, made through the services (as ``SYSTEM``).

``EventFactory(area=…, shifts=[{"capacity": 10}])`` makes an event (published by default) with
its shifts (times default to the event's); ``RegistrationFactory(shift=s, person=p)`` signs a
person up through ``registration_create``. ``build()`` is not supported."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from grassroots.core.access import SYSTEM
from grassroots.events import services
from grassroots.events.models import Event, EventType, Registration


def _phone_bank() -> EventType:
    services.event_types_ensure()  # a transactional test flushed the seeded types
    return EventType.objects.get(slug="phone_bank")


def _start(days: int = 3) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Phone bank {n}")
    type = factory.LazyFunction(_phone_bank)
    starts_at = factory.LazyFunction(_start)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=3))
    time_zone = "Asia/Kolkata"
    address = "12 Harish Mukherjee Road, Kolkata"
    latitude = 22.53
    longitude = 88.35

    @classmethod
    def _create(
        cls, model_class, *args, actor=SYSTEM, shifts=None, publish=True, hosts=None,
        tags=None, **kwargs,
    ):  # fmt: skip
        if shifts is None:
            shifts = [{"capacity": 10}]
        specs = [
            {
                "starts_at": s.get("starts_at", kwargs["starts_at"]),
                "ends_at": s.get("ends_at", kwargs["ends_at"]),
                "capacity": s.get("capacity", 10),
            }
            for s in shifts
        ]
        event = services.event_create(
            actor=actor, data=kwargs, shifts=specs, hosts=hosts, tags=tags
        )
        if publish and specs:
            event = services.event_publish(actor=actor, event=event)
        return event


class RegistrationFactory(DjangoModelFactory):
    class Meta:
        model = Registration

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, shift=None, person=None, **kwargs):
        return services.registration_create(
            actor=actor, shift=shift, person=person, **kwargs
        ).registration


def scoped_user(username: str, role_slug: str, areas):
    """A user with one default role, scoped to ``areas`` (the out-of-scope columns)."""
    from grassroots.accounts import services as account_services
    from grassroots.accounts.models import Role

    return account_services.user_create(
        actor=SYSTEM,
        username=username,
        password="correct-horse-battery-1",
        roles=Role.objects.filter(slug=role_slug),
        scope_all=False,
        scope_areas=list(areas),
    )
