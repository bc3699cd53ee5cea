"""``core.filters.ScopedFilterSet``: an id outside the actor's scope answers like a missing one."""

from __future__ import annotations

import django_filters as df
from django.test import RequestFactory

from grassroots.core.access import SYSTEM
from grassroots.core.filters import ScopedFilterSet
from grassroots.core.models import OutboxDelivery, OutboxEvent


class DeliveryFilter(ScopedFilterSet):
    event = df.ModelChoiceFilter(queryset=OutboxEvent.objects.all())
    subscriber = df.CharFilter()

    class Meta:
        model = OutboxDelivery
        fields = ["event", "subscriber"]


def _deliveries():
    ev1, ev2 = OutboxEvent.objects.create(name="one"), OutboxEvent.objects.create(name="two")
    d1 = OutboxDelivery.objects.create(event=ev1, subscriber="s")
    OutboxDelivery.objects.create(event=ev2, subscriber="s")
    return ev1, d1


def test_an_allowed_actor_filters_by_the_id(users):
    ev1, d1 = _deliveries()
    fs = DeliveryFilter({"event": ev1.pk}, OutboxDelivery.objects.all(), actor=users["admin"])
    assert fs.is_valid() and list(fs.qs) == [d1]


def test_a_hidden_id_is_refused_exactly_like_a_missing_one(users):
    ev1, _ = _deliveries()
    hidden = DeliveryFilter(
        {"event": ev1.pk}, OutboxDelivery.objects.all(), actor=users["volunteer"]
    )
    missing = DeliveryFilter({"event": 999999}, OutboxDelivery.objects.all(), actor=users["admin"])
    assert not hidden.is_valid() and not missing.is_valid()
    assert hidden.errors == missing.errors


def test_the_actor_is_taken_from_the_request(users):
    ev1, _ = _deliveries()
    request = RequestFactory().get("/")
    request.user = users["volunteer"]
    assert not DeliveryFilter(
        {"event": ev1.pk}, OutboxDelivery.objects.all(), request=request
    ).is_valid()
    request.user = SYSTEM
    assert DeliveryFilter(
        {"event": ev1.pk}, OutboxDelivery.objects.all(), request=request
    ).is_valid()


def test_no_actor_checks_syntax_only(db):
    ev1, _ = _deliveries()
    assert DeliveryFilter({"event": ev1.pk}, OutboxDelivery.objects.all()).is_valid()


def test_the_class_queryset_is_not_narrowed_for_the_next_actor(users):
    ev1, _ = _deliveries()
    DeliveryFilter({"event": ev1.pk}, OutboxDelivery.objects.all(), actor=users["volunteer"])
    fs = DeliveryFilter({"event": ev1.pk}, OutboxDelivery.objects.all(), actor=users["admin"])
    assert fs.is_valid()
