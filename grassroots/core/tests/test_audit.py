"""``core.audit.record``: who (a user, or "system"), what, which object, in the caller's transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from grassroots.core import audit, jobs
from grassroots.core.access import SYSTEM
from grassroots.core.models import AuditEvent


def test_a_users_action_names_the_user_and_the_object(users):
    job = jobs.job_create(kind="k", title="Roll " + "x" * 300, actor=users["organiser"])
    assert len(job.title) == 200  # the column's size, on every database
    job.title = "Roll " + "x" * 300  # an object whose label is longer than the audit column
    event = audit.record(
        actor=users["organiser"], action="job.touched", obj=job, detail={"why": "test"},
        ip_address="198.51.100.7",
    )  # fmt: skip
    event.refresh_from_db()
    assert (event.actor, event.actor_label, event.action) == (
        users["organiser"], "organiser", "job.touched",
    )  # fmt: skip
    assert (event.object_type, event.object_id) == ("core.job", str(job.pk))
    assert event.object_label == str(job)[:255] and len(event.object_label) == 255
    assert (event.detail, event.ip_address) == ({"why": "test"}, "198.51.100.7")


def test_the_system_is_recorded_as_system_with_no_user_row(db):
    event = audit.record(actor=SYSTEM, action="tick")
    assert (event.actor_id, event.actor_label) == (None, "system")
    assert (event.object_type, event.object_id, event.object_label, event.detail) == (
        "",
        "",
        "",
        {},
    )


def test_a_record_rolls_back_with_the_work_it_describes(users):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=users["admin"], action="doomed")
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="doomed").exists()


def test_the_audit_log_is_read_only_by_audit_view_holders(users):
    audit.record(actor=SYSTEM, action="seen")
    assert AuditEvent.objects.visible_to(users["auditor"]).filter(action="seen").exists()
    assert not AuditEvent.objects.visible_to(users["volunteer"]).exists()
    assert not AuditEvent.objects.visible_to(None).exists()
