"""Messaging screens: who may open what (the authorisation matrix), forms that keep input and
explain errors, the shared inbox."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.accounts import services as account_services
from grassroots.accounts.models import Role
from grassroots.core.access import SYSTEM
from grassroots.messaging import services
from grassroots.messaging.automations import services as automations
from grassroots.messaging.broadcasts import services as broadcasts
from grassroots.messaging.models import InboxThread, Message, Template
from grassroots.messaging.providers.base import Inbound
from grassroots.messaging.replies import inbound, suppressions
from grassroots.messaging.texting import services as texting

PASSWORD = "correct-horse-battery-1"


@pytest.fixture
def staff(users, geo):
    comms = account_services.user_create(
        actor=SYSTEM, username="comms", password=PASSWORD,
        roles=Role.objects.filter(slug="communications"), scope_all=True,
    )  # fmt: skip
    return {**users, "comms": comms}


@pytest.fixture
def objects(staff, people, deliver):
    account = services.account_save(
        actor=SYSTEM, name="Sim", kind="simulator", channels=["sms", "email"],
        config={"from_number": "+15550100"}, secrets={}, is_default=True,
    )  # fmt: skip
    template = services.template_save(
        actor=SYSTEM, name="Hello", channel="sms", variants=[{"language": "en", "body": "Hi"}]
    )
    from grassroots.lists import services as list_services

    lst = list_services.list_create(
        actor=staff["manager"], name="all", visibility="shared", person_ids=[p.pk for p in people.values()
                                                        if hasattr(p, "given_name")],
    )  # fmt: skip
    broadcast = broadcasts.broadcast_create(
        actor=SYSTEM, name="B", template=template, person_list=lst
    )
    auto = automations.automation_save(
        actor=SYSTEM, name="A", triggers=[], steps=[{"kind": "tag", "params": {"tag": "x"}}]
    )
    camp = texting.campaign_save(
        actor=staff["comms"], name="T", script="Hi {{ first_name }}", person_list=lst
    )
    inbound.inbound_record(
        account=account,
        inbound=Inbound(provider_id="i1", channel="sms", sender="+919830012345", to="+15550100",
                        body="Who is this?"),
    )  # fmt: skip
    deliver()  # the inbox files it from ``message.received``, after commit
    thread = InboxThread.objects.get()
    return {"account": account, "template": template, "broadcast": broadcast, "auto": auto,
            "camp": camp, "thread": thread}  # fmt: skip


def _pages(o):
    return {
        "broadcasts": reverse("messaging:broadcast_list"),
        "broadcast_new": reverse("messaging:broadcast_create"),
        "broadcast": reverse("messaging:broadcast_detail", args=[o["broadcast"].pk]),
        "templates": reverse("messaging:template_list"),
        "template": reverse("messaging:template_edit", args=[o["template"].pk]),
        "automations": reverse("messaging:automation_list"),
        "automation": reverse("messaging:automation_edit", args=[o["auto"].pk]),
        "automation_people": reverse("messaging:automation_people", args=[o["auto"].pk]),
        "inbox": reverse("messaging:inbox"),
        "thread": reverse("messaging:inbox_thread", args=[o["thread"].pk]),
        "accounts": reverse("messaging:account_list"),
        "account": reverse("messaging:account_edit", args=[o["account"].pk]),
        "texting": reverse("messaging:texting_list"),
        "texting_detail": reverse("messaging:texting_detail", args=[o["camp"].pk]),
    }


TEXTER_PAGES = {"texting", "texting_detail"}
CONFIGURE_PAGES = {"accounts", "account"}


@pytest.mark.parametrize(
    "who,allowed",
    [
        ("nobody", set()),
        ("volunteer", TEXTER_PAGES),
        ("organiser", TEXTER_PAGES),
        ("finance", set()),
        ("comms", "all but configure"),
        ("manager", "all"),
    ],
)
def test_authorisation_matrix(client, staff, objects, who, allowed):
    pages = _pages(objects)
    if allowed == "all":
        allowed = set(pages)
    elif allowed == "all but configure":
        allowed = set(pages) - CONFIGURE_PAGES
    client.force_login(staff[who])
    for name, url in pages.items():
        r = client.get(url)
        expected = 200 if name in allowed else 403
        assert r.status_code == expected, (who, name, r.status_code)


def test_anonymous_is_sent_to_sign_in(client, objects):
    for url in _pages(objects).values():
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_nothing_changes_for_someone_without_the_capability(client, staff, objects):
    client.force_login(staff["volunteer"])
    b = objects["broadcast"]
    assert (
        client.post(reverse("messaging:broadcast_action", args=[b.pk, "start"])).status_code == 403
    )
    b.refresh_from_db()
    assert b.status == "draft" and not b.messages.exists()
    r = client.post(reverse("messaging:template_create"), {"name": "x", "channel": "sms",
                                                          "v0-language": "en", "v0-body": "x"})  # fmt: skip
    assert r.status_code == 403 and not Template.objects.filter(name="x").exists()


def test_template_form_keeps_input_and_explains(client, staff):
    client.force_login(staff["comms"])
    r = client.post(
        reverse("messaging:template_create"),
        {"name": "Rally", "channel": "sms", "v0-language": "en", "v0-body": "Hi {{ x|bad }}",
         "v1-language": "bn", "v1-body": "নমস্কার"},
    )  # fmt: skip
    assert r.status_code == 400
    assert "Hi {{ x|bad }}" in r.content.decode() and "নমস্কার" in r.content.decode()
    assert not Template.objects.exists()


def test_inbox_thread_assign_reply_close_and_reopen(client, staff, objects, people, deliver):
    client.force_login(staff["comms"])
    thread = objects["thread"]
    assert thread.person == people["ananya"] and thread.unread == 1
    r = client.get(reverse("messaging:inbox"))
    assert "Who is this?" in r.content.decode()
    r = client.get(reverse("messaging:inbox_thread", args=[thread.pk]))
    assert r.status_code == 200
    thread.refresh_from_db()
    assert thread.unread == 0
    client.post(reverse("messaging:inbox_thread", args=[thread.pk]),
                {"action": "assign", "user": staff["comms"].pk})  # fmt: skip
    assert "Who is this?" in client.get(reverse("messaging:inbox") + "?tab=mine").content.decode()
    client.post(reverse("messaging:inbox_thread", args=[thread.pk]), {"body": "The campaign!"})
    reply = Message.objects.get(body="The campaign!")
    assert reply.to_address == "+919830012345" and reply.created_by == staff["comms"]
    client.post(reverse("messaging:inbox_thread", args=[thread.pk]), {"action": "closed"})
    thread.refresh_from_db()
    assert thread.status == "closed"
    inbound.inbound_record(
        account=objects["account"],
        inbound=Inbound(provider_id="i2", channel="sms", sender="+919830012345", to="+15550100",
                        body="Thanks"),
    )  # fmt: skip
    deliver()
    thread.refresh_from_db()
    assert thread.status == "open" and thread.unread == 1


def test_a_reply_event_delivered_twice_is_filed_once(objects):
    """``message.received`` may reach the inbox's subscriber twice: one unread, not two."""
    from grassroots.core.models import OutboxEvent
    from grassroots.messaging.inbox import services as inbox

    event = OutboxEvent.objects.filter(name="message.received").get()
    inbox.on_message_received(event)
    inbox.on_message_received(event)
    thread = InboxThread.objects.get()
    assert thread.unread == 1 and thread.last_body == "Who is this?"


def test_inbox_is_scoped_to_the_viewers_areas(client, staff, objects, geo):
    # the thread's person (Ananya) lives in part 1; this officer only sees part 2
    outsider = account_services.user_create(
        actor=SYSTEM, username="p2comms", password=PASSWORD,
        roles=Role.objects.filter(slug="communications"), scope_areas=[geo["p2"]],
    )  # fmt: skip
    client.force_login(outsider)
    assert "Who is this?" not in client.get(reverse("messaging:inbox")).content.decode()
    r = client.get(reverse("messaging:inbox_thread", args=[objects["thread"].pk]))
    assert r.status_code == 404


def test_webhook_and_unsubscribe_are_public_but_checked(client, objects):
    url = reverse("messaging:webhook", args=[objects["account"].uuid])
    assert client.post(url, {"MessageSid": "x", "Body": "STOP", "From": "+1"}).status_code == 403
    assert client.put(url).status_code == 405
    assert client.get(reverse("messaging:unsubscribe", args=["nope"])).status_code == 200
    assert client.post(reverse("messaging:unsubscribe", args=["nope"])).status_code == 400


def test_suppression_list_add_search_remove(client, staff, objects, people):
    from grassroots.messaging.models import Suppression

    client.force_login(staff["comms"])
    r = client.post(reverse("messaging:suppressions"), {"channel": "sms", "address": "98300 12345"})
    assert r.status_code == 302
    s = Suppression.objects.get(address="+919830012345")
    assert s.person == people["ananya"] and s.reason == "manual"
    r = client.post(reverse("messaging:suppressions"), {"channel": "sms", "address": "nonsense"})
    assert Suppression.objects.count() == 1
    assert (
        "+919830012345"
        in client.get(reverse("messaging:suppressions") + "?q=12345").content.decode()
    )
    client.post(reverse("messaging:suppressions"), {"remove": s.pk})
    assert not Suppression.objects.exists()
    client.force_login(staff["volunteer"])
    assert client.get(reverse("messaging:suppressions")).status_code == 403


def test_a_bounce_marks_the_contact_point(objects, people):
    from grassroots.messaging.models import Suppression
    from grassroots.people.models import ContactPoint

    suppressions.suppress("email", "ananya@example.org", Suppression.Reason.BOUNCED, None)
    assert ContactPoint.objects.get(value="ananya@example.org").status == "bounced"


def test_provider_form_marks_a_bad_throughput_setting_and_saves_nothing(client, staff):
    from grassroots.messaging.models import ProviderAccount

    client.force_login(staff["admin"])
    r = client.post(
        reverse("messaging:account_create"),
        {
            "kind": "smtp", "name": "Campaign SMTP", "channels": ["email"],
            "config-host": "smtp.example.org", "config-rate": "fast",
            "config-connections": "40", "active": "1",
        },
    )  # fmt: skip
    assert r.status_code == 400
    page = r.content.decode()
    assert 'id="config-connections" name="config-connections" value="40" aria-invalid="true"' in (
        page
    )
    assert "whole number from 1 to 16" in page and "above 0" in page
    assert 'value="smtp.example.org"' in page  # what was typed is kept
    assert not ProviderAccount.objects.filter(name="Campaign SMTP").exists()
