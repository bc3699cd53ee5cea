"""One broadcast, one message per address (issue 13, item 23): people who share a phone (a
household's one mobile) or an email get the broadcast once — the first of them in person-id
order — and the others are recorded as "same number as …", counted in the stats; unless the
template is personal by design. Runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from grassroots.core.access import SYSTEM
from grassroots.lists import services as list_services
from grassroots.messaging import sending, services
from grassroots.messaging.broadcasts import services as broadcasts
from grassroots.messaging.broadcasts.audience import SAME_ADDRESS
from grassroots.messaging.models import Broadcast, Message
from grassroots.people import services as people_services

NOON_IST = dt.datetime(2026, 12, 4, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
SHARED = "+919830055501"
GONE = ("sent", "delivered")


@pytest.fixture
def household(geo, comms, simulator, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOON_IST.astimezone(dt.UTC))
    monkeypatch.setattr(sending, "clock", lambda: NOON_IST)

    def person(name, phone, email=None):
        return people_services.person_create(
            actor=SYSTEM,
            data={"given_name": name, "family_name": "Das", "area": geo["p1"]},
            phones=[phone],
            emails=[email] if email else [],
        )

    people = [
        person("Mita", SHARED, "das@example.org"),
        person("Rono", SHARED, "das@example.org"),
        person("Ila", "+919830055502"),
        person("Tuku", SHARED, "tuku@example.org"),
    ]
    return people


def _send(comms, people, *, personal=False, channel="sms", size=None, monkeypatch=None):
    template = services.template_save(
        actor=comms,
        name=f"Rally {channel} {personal}",
        channel=channel,
        personal=personal,
        variants=[{"language": "en", "subject": "Rally", "body": "Hi {{ first_name }}, rally!"}],
    )
    # the audience list in another order than the people's ids: the first by id still wins
    lst = list_services.list_create(
        actor=comms, name="household", person_ids=[p.pk for p in reversed(people)]
    )
    b = broadcasts.broadcast_create(actor=comms, name="Rally", template=template, person_list=lst)
    b = broadcasts.broadcast_start(actor=comms, broadcast=b)
    broadcasts.broadcast_run(b.pk)
    b.refresh_from_db()
    return b


def test_a_shared_number_gets_the_broadcast_once(comms, household):
    mita, rono, ila, tuku = household
    b = _send(comms, household)
    msgs = {m.person_id: m for m in b.messages.all()}
    assert len(msgs) == 4  # everyone is accounted for
    sent = Message.objects.filter(broadcast=b, to_address=SHARED, status__in=GONE)
    assert [m.person_id for m in sent] == [mita.pk]  # the first by id, once
    for other in (rono, tuku):
        m = msgs[other.pk]
        assert m.status == Message.Status.BLOCKED and m.status_code == SAME_ADDRESS
        assert m.status_reason == "Same number as Mita Das, who gets this message."
    assert msgs[ila.pk].status in GONE
    stats = broadcasts.broadcast_stats(b)
    assert stats["same_address"] == 2 and stats["blocked"] == 0 and stats["sent"] == 2
    assert b.status == Broadcast.Status.DONE


def test_across_chunks_and_restarts_the_first_still_wins(comms, household, monkeypatch):
    """Recipients are created a chunk at a time (and again after a worker dies): a number
    seen in an earlier chunk or an earlier run is not sent again."""
    mita, rono, ila, tuku = household
    monkeypatch.setattr(sending, "BATCH", 1)  # one recipient per chunk
    b = _send(comms, household)
    assert (
        Message.objects.filter(broadcast=b, to_address=SHARED)
        .exclude(status_code=SAME_ADDRESS)
        .count()
        == 1
    )
    # a restart after Tuku's message was lost: made again, and again not sent
    Message.objects.filter(broadcast=b, person=tuku).delete()
    Broadcast.objects.filter(pk=b.pk).update(status="sending")
    broadcasts.broadcast_run(b.pk)
    again = Message.objects.get(broadcast=b, person=tuku)
    assert again.status_code == SAME_ADDRESS
    assert Message.objects.filter(broadcast=b, to_address=SHARED, status__in=GONE).count() == 1


def test_a_shared_email_address_gets_the_broadcast_once(comms, household):
    mita, rono, ila, tuku = household
    b = _send(comms, household, channel="email")
    msgs = {m.person_id: m for m in b.messages.all()}
    assert msgs[rono.pk].status_code == SAME_ADDRESS
    assert msgs[rono.pk].status_reason == "Same email address as Mita Das, who gets this message."
    # (email to India needs consent, which nobody here gave: what matters is who was chosen)
    assert msgs[mita.pk].status_code != SAME_ADDRESS
    assert msgs[tuku.pk].status_code != SAME_ADDRESS  # an address of his own


def test_a_personal_template_goes_to_each_person(comms, household):
    b = _send(comms, household, personal=True)
    assert Message.objects.filter(broadcast=b, to_address=SHARED, status__in=GONE).count() == 3
    assert broadcasts.broadcast_stats(b)["same_address"] == 0


def test_the_template_editor_has_the_personal_checkbox(client, comms, household):
    client.force_login(comms)
    r = client.post(
        "/messaging/templates/new/",
        {"name": "Your booth", "channel": "sms", "purpose": "campaign",
         "default_language": "en", "personal": "1", "v0-language": "en",
         "v0-body": "{{ first_name }}, your booth is …"},
    )  # fmt: skip
    assert r.status_code == 302
    from grassroots.messaging.models import Template

    t = Template.objects.get(name="Your booth")
    assert t.personal
    page = client.get(f"/messaging/templates/{t.pk}/").content.decode()
    assert 'id="personal" name="personal" value="1"' in page and "checked" in page
