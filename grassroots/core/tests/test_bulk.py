"""``core.bulk.insert_rows``: plain dict rows in, ids out, defaults filled, batches sized right."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from grassroots.core import bulk
from grassroots.core.models import AuditEvent, OutboxEvent


def test_empty_input_inserts_nothing(db):
    assert bulk.insert_rows(AuditEvent, []) == []
    assert AuditEvent.objects.count() == 0


def test_rows_come_back_with_their_ids_in_order_and_their_values(db, users):
    when = timezone.now() - dt.timedelta(days=3)
    rows = [
        {"action": "a.one", "actor_id": users["volunteer"].pk, "detail": {"n": 1},
         "ip_address": "192.0.2.1", "created_at": when},
        {"action": "a.two"},
    ]  # fmt: skip
    ids = bulk.insert_rows(AuditEvent, rows)
    assert len(ids) == 2 and ids == sorted(ids)
    one, two = AuditEvent.objects.get(pk=ids[0]), AuditEvent.objects.get(pk=ids[1])
    assert (one.action, one.actor, one.detail, one.ip_address, one.created_at) == (
        "a.one", users["volunteer"], {"n": 1}, "192.0.2.1", when,
    )  # fmt: skip
    # missing fields take the model's defaults, as save() would
    assert (two.actor_id, two.detail, two.actor_label, two.ip_address) == (None, {}, "", None)
    assert abs(two.created_at - timezone.now()) < dt.timedelta(minutes=1)


def test_batches_report_progress_and_every_row_lands(db):
    seen: list[int] = []
    ids = bulk.insert_rows(
        OutboxEvent, [{"name": f"e{i}", "payload": {"i": i}} for i in range(5)],
        batch_rows=2, on_batch=seen.append,
    )  # fmt: skip
    assert seen == [2, 2, 1]
    assert list(
        OutboxEvent.objects.filter(pk__in=ids).order_by("pk").values_list("name", flat=True)
    ) == [f"e{i}" for i in range(5)]


def test_batches_never_exceed_the_databases_parameter_limit(db, monkeypatch):
    fields = len([f for f in AuditEvent._meta.concrete_fields if not f.primary_key])
    monkeypatch.setattr(bulk, "max_params", lambda: fields * 3)  # three rows a statement
    seen: list[int] = []
    bulk.insert_rows(AuditEvent, [{"action": str(i)} for i in range(7)], on_batch=seen.append)
    assert AuditEvent.objects.count() == 7
    from django.db import connection

    if connection.vendor != "postgresql":  # PostgreSQL COPYs in batch_rows chunks instead
        assert seen == [3, 3, 1]


def test_max_params_is_at_least_the_classic_limit(db):
    assert bulk.max_params() >= 999
