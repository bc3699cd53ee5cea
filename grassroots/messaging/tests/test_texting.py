"""Peer-to-peer texting: fair batches, one send per press, replies back to the texter."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from grassroots.accounts import services as account_services
from grassroots.accounts.models import Role
from grassroots.core.access import SYSTEM
from grassroots.lists import selectors as list_selectors
from grassroots.lists import services as list_services
from grassroots.messaging import sending, services
from grassroots.messaging.models import Message, Suppression, TextingContact
from grassroots.messaging.providers.base import Inbound
from grassroots.messaging.replies import inbound
from grassroots.messaging.texting import services as texting
from grassroots.people import services as people_services
from grassroots.people.models import Tagging
from grassroots.surveys import services as survey_services
from grassroots.surveys.models import Attempt, Response, ResponseChoice
from grassroots.surveys.tests.factories import ScriptFactory, add_id_blocks

IST = ZoneInfo("Asia/Kolkata")
C = TextingContact.Status


def _user(username, role, **scope):
    return account_services.user_create(
        actor=SYSTEM,
        username=username,
        password="correct-horse-battery-1",
        roles=Role.objects.filter(slug=role),
        two_factor_exempt=True,  # some roles require 2FA; these sign in with a password
        **scope,
    )


@pytest.fixture
def setup(geo, monkeypatch):
    monkeypatch.setattr(sending, "clock", lambda: dt.datetime(2026, 12, 4, 12, 0, tzinfo=IST))
    account = services.account_save(
        actor=SYSTEM, name="Sim", kind="simulator", channels=["sms"],
        config={"from_number": "+15550100"}, secrets={}, is_default=True,
    )  # fmt: skip
    boss = _user("boss", "communications", scope_all=True)
    ana = _user("ana", "volunteer", scope_areas=[geo["p1"]])
    ben = _user("ben", "volunteer", scope_areas=[geo["p1"], geo["p2"]])
    people = []
    for i in range(7):
        people.append(
            people_services.person_create(
                actor=SYSTEM,
                data={"given_name": f"P{i}", "area": geo["p1"] if i < 5 else geo["p2"]},
                phones=[f"+91983001234{i}"],
            )
        )
    nophone = people_services.person_create(actor=SYSTEM, data={"given_name": "Nophone"})
    lst = list_services.list_create(
        actor=boss, name="all", person_ids=[p.pk for p in [*people, nophone]]
    )
    campaign = texting.campaign_save(
        actor=boss,
        name="GOTV texts",
        script="Hi {{ first_name }}, will you vote?",
        person_list=lst,
        batch_size=3,
        canned=[{"title": "Yes", "body": "Thank you!", "tag": "supporter"}],
    )
    campaign = texting.campaign_start(actor=boss, campaign=campaign)
    return {"account": account, "boss": boss, "ana": ana, "ben": ben, "people": people,
            "campaign": campaign}  # fmt: skip


def test_contacts_are_people_with_a_phone(setup):
    assert setup["campaign"].contacts.count() == 7


def test_batches_are_fair_and_never_overlap(setup):
    c, ana, ben = setup["campaign"], setup["ana"], setup["ben"]
    assert texting.request_batch(actor=ana, campaign=c) == 3
    assert texting.request_batch(actor=ana, campaign=c) == 0  # finish your batch first
    assert texting.request_batch(actor=ben, campaign=c) == 3
    mine = set(c.contacts.filter(texter=ana).values_list("pk", flat=True))
    his = set(c.contacts.filter(texter=ben).values_list("pk", flat=True))
    assert len(mine) == 3 and len(his) == 3 and not mine & his
    # Ana only sees part 1: she was handed only part-1 people
    assert set(c.contacts.filter(texter=ana).values_list("person__area", flat=True)) == {
        setup["people"][0].area_id
    }


def test_one_press_one_text_and_replies_come_back_to_the_texter(setup, deliver):
    c, ana = setup["campaign"], setup["ana"]
    texting.request_batch(actor=ana, campaign=c)
    contact = texting.next_contact(actor=ana, campaign=c)
    msg = texting.send_initial(actor=ana, contact=contact)
    assert msg.status in ("sent", "delivered") and msg.body.startswith("Hi P0, will you vote?")
    contact.refresh_from_db()
    assert contact.status == C.SENT
    with pytest.raises(ValidationError):  # pressing twice does not text twice
        texting.send_initial(actor=ana, contact=contact)
    assert Message.objects.filter(texting_contact=contact).count() == 1
    # somebody else's contact
    with pytest.raises(PermissionDenied):
        texting.send_initial(
            actor=setup["ben"], contact=texting.next_contact(actor=ana, campaign=c)
        )

    inbound.inbound_record(
        account=setup["account"],
        inbound=Inbound(provider_id="in1", channel="sms", sender=contact.phone, to="+15550100",
                        body="Yes I will!"),
    )  # fmt: skip
    deliver()  # texting hands it back to its texter from ``message.received``, after commit
    contact.refresh_from_db()
    assert contact.status == C.REPLIED and contact.texter == ana
    # the event delivered again (at least once): the contact's status is not set twice
    from grassroots.core.models import OutboxEvent
    from grassroots.messaging.models import TextingContact

    TextingContact.objects.filter(pk=contact.pk).update(status=C.SENT)
    texting.on_message_received(OutboxEvent.objects.filter(name="message.received").get())
    contact.refresh_from_db()
    assert contact.status == C.SENT
    TextingContact.objects.filter(pk=contact.pk).update(status=C.REPLIED)
    thread = texting.conversation(contact)
    assert [m.direction for m in thread] == ["outbound", "inbound"]

    canned = c.canned_responses.get()
    texting.reply(actor=ana, contact=contact, canned=canned)
    assert Tagging.objects.filter(person_id=contact.person_id, tag__name="supporter").exists()
    assert Message.objects.filter(texting_contact=contact, body="Thank you!").exists()


def test_stop_reply_and_one_click_outcomes(setup, deliver):
    c, ana = setup["campaign"], setup["ana"]
    texting.request_batch(actor=ana, campaign=c)
    first = texting.next_contact(actor=ana, campaign=c)
    texting.send_initial(actor=ana, contact=first)
    inbound.inbound_record(
        account=setup["account"],
        inbound=Inbound(provider_id="in2", channel="sms", sender=first.phone, to="+1", body="stop"),
    )
    deliver()
    first.refresh_from_db()
    assert first.status == C.OPTED_OUT

    second = texting.next_contact(actor=ana, campaign=c)
    texting.send_initial(actor=ana, contact=second)
    texting.mark(actor=ana, contact=second, outcome=C.WRONG)
    assert Suppression.objects.get(address=second.phone).reason == "wrong_number"


@pytest.fixture
def survey(setup):
    """The campaign names a survey script; its canned responses answer two of its questions."""
    script = ScriptFactory(name="GOTV ID")
    b = add_id_blocks(script)
    script = survey_services.script_update(actor=SYSTEM, script=script, status="active")
    c = setup["campaign"]
    texting.campaign_save(
        actor=setup["boss"], campaign=c, name=c.name, script=c.script, survey_script=script,
        canned=[
            {"title": "Health", "body": "Health it is, thanks!", "choice": b["health"].pk},
            {"title": "Strong", "body": "Great!", "tag": "supporter",
             "question": str(b["support"].pk), "value": "1"},
        ],
    )  # fmt: skip
    c.refresh_from_db()
    return {"script": script, "b": b, "campaign": c}


def _texted(setup):
    c, ana = setup["campaign"], setup["ana"]
    texting.request_batch(actor=ana, campaign=c)
    contact = texting.next_contact(actor=ana, campaign=c)
    texting.send_initial(actor=ana, contact=contact)
    return contact


def _latest(person_id, question):
    return Response.objects.get(person_id=person_id, question=question, is_latest=True)


def test_canned_response_records_a_survey_answer(setup, survey):
    """Issue 16: the canned reply records the answer through the surveys app (channel "text"),
    once on a double send, and the "answered a survey question" filter finds the person."""
    ana, b, c = setup["ana"], survey["b"], survey["campaign"]
    assert c.survey_script == survey["script"]
    health, strong = c.canned_responses.order_by("position")
    assert (health.question, health.choice, health.value) == (b["issue"], b["health"], "")
    assert (strong.question, strong.choice, strong.value) == (b["support"], None, "1")
    contact = _texted(setup)

    texting.reply(actor=ana, contact=contact, canned=health)
    texting.reply(actor=ana, contact=contact, canned=health)  # a double click
    latest = _latest(contact.person_id, b["issue"])
    assert list(
        ResponseChoice.objects.filter(response=latest).values_list("choice", flat=True)
    ) == [b["health"].pk]
    attempt = Attempt.objects.get(person_id=contact.person_id)  # recorded once
    assert attempt.channel == "text" and attempt.actor == ana
    assert attempt.source == "p2p texting GOTV texts" and attempt.script == survey["script"]
    assert Message.objects.filter(texting_contact=contact, body=health.body).count() == 1

    texting.reply(actor=ana, contact=contact, canned=strong)  # a number question, and a tag
    assert _latest(contact.person_id, b["support"]).number == 1
    assert Tagging.objects.filter(person_id=contact.person_id, tag__name="supporter").exists()
    contact.person.refresh_from_db()
    assert contact.person.support_score == 1  # the question's own effect

    segment = {"steps": [{"action": "add", "group": {"match": "all", "items": [
        {"filter": "survey_answer",
         "params": {"question": str(b["issue"].pk), "choices": [str(b["health"].pk)]}}]}}]}  # fmt: skip
    found = list_selectors.segment_people(actor=setup["boss"], definition=segment)
    assert set(found.values_list("pk", flat=True)) == {contact.person_id}


def test_a_new_reply_from_the_person_is_answered_again(setup, survey, deliver):
    """The same canned response after the person wrote again is a new answer (a new attempt)."""
    ana, c = setup["ana"], survey["campaign"]
    _health, strong = c.canned_responses.order_by("position")
    contact = _texted(setup)
    texting.reply(actor=ana, contact=contact, canned=strong)
    inbound.inbound_record(
        account=setup["account"],
        inbound=Inbound(provider_id="in-again", channel="sms", sender=contact.phone,
                        to="+15550100", body="Actually, not sure"),
    )  # fmt: skip
    deliver()
    texting.reply(actor=ana, contact=contact, canned=strong)
    assert Attempt.objects.filter(person_id=contact.person_id).count() == 2
    assert Message.objects.filter(texting_contact=contact, body=strong.body).count() == 2


def test_a_texter_who_may_not_record_the_answer_is_told_and_nothing_is_sent(geo, setup):
    """The script is another area's (Ana's part 1 does not overlap part 2): her canned reply is
    refused with the reason, no text goes, and nothing is recorded."""
    script = ScriptFactory(name="Part 2 ID", area=geo["p2"])
    b = add_id_blocks(script)
    c = setup["campaign"]
    texting.campaign_save(
        actor=setup["boss"], campaign=c, name=c.name, script=c.script, survey_script=script,
        canned=[{"title": "Health", "body": "Health it is!", "choice": b["health"].pk}],
    )  # fmt: skip
    contact = _texted(setup)
    with pytest.raises(ValidationError) as err:
        texting.reply(actor=setup["ana"], contact=contact, canned=c.canned_responses.get())
    assert "may not record" in err.value.messages[0]
    assert not Message.objects.filter(texting_contact=contact, body="Health it is!").exists()
    assert not Attempt.objects.exists()


@pytest.mark.parametrize(
    "canned, needs_script, message",
    [
        ({"question": "issue", "choice": "yes"}, True, "another question"),
        ({"choice": "other"}, True, "not in the campaign's survey script"),
        ({"question": "other_q"}, True, "not in the campaign's survey script"),
        ({"question": "intro"}, True, "not in the campaign's survey script"),
        ({"question": "issue"}, True, "Choose one of the question's answers"),
        ({"question": "support", "value": "9"}, True, "from 1 to 5"),
        ({"question": "support", "value": "lots"}, True, "is a number"),
        ({"question": "support"}, True, "Write the answer"),
        ({"value": "1"}, True, "Choose the question"),
        ({"question": "nope"}, True, "from the list"),
        ({"choice": "health"}, False, "survey script first"),
    ],
)
def test_canned_answer_must_fit_the_campaigns_script(setup, survey, canned, needs_script, message):
    """The question belongs to the campaign's script, the choice to the question; the error is
    keyed by the canned response and nothing saved before is lost."""
    b, c = survey["b"], survey["campaign"]
    other = add_id_blocks(ScriptFactory(name="Other"))
    named = {**b, "yes": b["volunteer"].choices.get(value="yes"),
             "other": other["health"], "other_q": other["support"]}  # fmt: skip
    row = {"title": "T", "body": "B"}
    for k, v in canned.items():
        row[k] = named[v].pk if v in named else v
    with pytest.raises(ValidationError) as err:
        texting.campaign_save(
            actor=setup["boss"], campaign=c, name=c.name, script=c.script,
            survey_script=survey["script"] if needs_script else None,
            canned=[{"title": "Fine", "body": "Fine"}, row],
        )  # fmt: skip
    errors = err.value.message_dict
    assert list(errors) == ["canned.1"] and message in errors["canned.1"][0], errors
    assert (
        c.canned_responses.count() == 2 and c.canned_responses.filter(choice=b["health"]).exists()
    )
    c.refresh_from_db()
    assert c.survey_script == survey["script"]


def test_an_archived_script_is_not_offered(setup, survey):
    archived = ScriptFactory(name="Old", blocks=True, status="archived")
    c = survey["campaign"]
    with pytest.raises(ValidationError) as err:
        texting.campaign_save(actor=setup["boss"], campaign=c, name=c.name, script=c.script,
                              survey_script=archived)  # fmt: skip
    assert "survey_script" in err.value.message_dict


def test_texting_form_picks_the_script_and_answers(client, setup, survey):
    """The organiser picks the survey script, and per canned response a "question — choice";
    a mistake is explained next to it and everything typed is kept."""
    b, c = survey["b"], survey["campaign"]
    client.force_login(setup["boss"])
    url = f"/messaging/texting/{c.pk}/edit/"
    page = client.get(url).content.decode()
    assert f'value="choice:{b["health"].pk}" selected' in page
    assert "Issue — Health" in page and f'value="question:{b["support"].pk}" selected' in page
    form = {"name": c.name, "script": c.script, "language": "en", "batch_size": "3",
            "release_after": "60", "survey_script": str(survey["script"].pk),
            "c0-title": "Jobs", "c0-body": "Jobs matter, thanks!",
            "c0-answer": f"choice:{b['jobs'].pk}",
            "c1-title": "Bad", "c1-body": "Kept body", "c1-answer": f"question:{b['support'].pk}",
            "c1-value": "77"}  # fmt: skip
    r = client.post(url, form)
    html = r.content.decode()
    assert r.status_code == 400 and "from 1 to 5" in html and 'id="c1-error"' in html
    assert "Kept body" in html and 'value="77"' in html and "Jobs matter, thanks!" in html
    assert f'value="choice:{b["jobs"].pk}" selected' in html
    assert c.canned_responses.filter(choice=b["health"]).exists()  # nothing changed
    form["c1-value"] = "2"
    r = client.post(url, form)
    assert r.status_code == 302, r.content.decode()[:2000]
    jobs, bad = c.canned_responses.order_by("position")
    assert (jobs.choice, bad.question, bad.value) == (b["jobs"], b["support"], "2")
    # an unknown script, and a hand-made answer value: errors, no traceback
    r = client.post(url, {**form, "survey_script": "999999"})
    assert r.status_code == 400 and "Unknown survey script" in r.content.decode()
    r = client.post(url, {**form, "c0-answer": "choice:abc"})
    assert r.status_code == 400 and "from the list" in r.content.decode()
    # the texter's buttons say what they record
    contact = _texted(setup)
    client.force_login(setup["ana"])
    page = client.get(f"/messaging/texting/{c.pk}/c/{contact.pk}/").content.decode()
    assert "Issue: Jobs" in page and "Support: 2" in page


def test_idle_contacts_go_back_and_supervisors_reassign(setup):
    c, ana, ben, boss = setup["campaign"], setup["ana"], setup["ben"], setup["boss"]
    texting.request_batch(actor=ana, campaign=c)
    assert texting.release_idle(now=timezone.now() + dt.timedelta(minutes=30)) == 0
    assert texting.release_idle(now=timezone.now() + dt.timedelta(minutes=61)) == 3
    assert c.contacts.filter(texter=ana).count() == 0

    texting.request_batch(actor=ana, campaign=c)
    texting.send_initial(actor=ana, contact=texting.next_contact(actor=ana, campaign=c))
    assert texting.reassign(actor=boss, campaign=c, from_user=ana, to_user=ben) == 3
    assert c.contacts.filter(texter=ben).count() == 3
    with pytest.raises(PermissionDenied):
        texting.reassign(actor=ana, campaign=c, from_user=ben, to_user=ana)
    p = texting.progress(c)
    assert p["total"] == 7 and p["texters"][0]["texter__username"] == "ben"


def test_campaign_needs_a_valid_script_and_audience(setup):
    with pytest.raises(ValidationError) as err:
        texting.campaign_save(
            actor=setup["boss"], name="", script="Hi {{ first_name|nope }}", batch_size=0
        )
    assert {"name", "script", "audience", "batch_size"} <= set(err.value.message_dict)
    with pytest.raises(PermissionDenied):
        texting.campaign_save(actor=setup["ana"], name="x", script="x")


def test_skip_is_not_texted(setup):
    """Skip moves on without texting: no message, not counted as texted, not handed out again
    (issue 13, item 28)."""
    c, ana = setup["campaign"], setup["ana"]
    texting.request_batch(actor=ana, campaign=c)
    skipped = texting.next_contact(actor=ana, campaign=c)
    texting.skip(actor=ana, contact=skipped)
    texted = texting.next_contact(actor=ana, campaign=c)
    assert texted.pk != skipped.pk
    texting.send_initial(actor=ana, contact=texted)
    skipped.refresh_from_db()
    assert skipped.status == C.SKIPPED and skipped.sent_at is None
    assert not Message.objects.filter(texting_contact=skipped).exists()
    p = texting.progress(c)
    assert p["texted"] == 1
    assert p["totals"][C.SKIPPED] == 1
    row = p["texters"][0]
    assert (row["sent"], row["skipped"], row["assigned"]) == (1, 1, 1)
    with pytest.raises(ValidationError):  # skipping twice, or a contact already texted
        texting.skip(actor=ana, contact=texted)
    with pytest.raises(PermissionDenied):
        texting.skip(actor=setup["ben"], contact=texting.next_contact(actor=ana, campaign=c))


def test_one_number_is_never_handed_to_two_texters(geo, setup):
    """People sharing a phone are one contact: the first (by person id) is texted, the others
    are recorded as "same number as …" and never handed out (issue 13, item 23)."""
    boss, ana, ben = setup["boss"], setup["ana"], setup["ben"]
    mother = people_services.person_create(
        actor=SYSTEM, data={"given_name": "Mita", "area": geo["p1"]}, phones=["+919830099001"]
    )
    son = people_services.person_create(
        actor=SYSTEM, data={"given_name": "Rono", "area": geo["p1"]}, phones=["+919830099001"]
    )
    other = people_services.person_create(
        actor=SYSTEM, data={"given_name": "Ila", "area": geo["p1"]}, phones=["+919830099002"]
    )
    lst = list_services.list_create(
        actor=boss, name="household", person_ids=[son.pk, other.pk, mother.pk]
    )
    c = texting.campaign_save(
        actor=boss, name="Household", script="Hi {{ first_name }}", person_list=lst, batch_size=1
    )
    c = texting.campaign_start(actor=boss, campaign=c)
    assert c.contacts.count() == 3
    first = c.contacts.get(person=mother)
    shared = c.contacts.get(person=son)
    assert first.status == C.UNASSIGNED
    assert shared.status == C.SHARED and shared.same_as_id == first.pk
    handed = set()
    for texter in (ana, ben, ana, ben):
        texting.request_batch(actor=texter, campaign=c)
        contact = texting.next_contact(actor=texter, campaign=c)
        if contact is not None:
            handed.add(contact.phone)
            texting.send_initial(actor=texter, contact=contact)
    assert handed == {"+919830099001", "+919830099002"}
    assert (
        Message.objects.filter(texting_contact__campaign=c, to_address="+919830099001").count() == 1
    )
    assert texting.progress(c)["totals"][C.SHARED] == 1


def test_editing_a_draft_keeps_its_audience_selected(client, setup):
    """The draft's list (or segment) is the selected audience on its edit form, so saving the
    form again does not ask for it anew."""
    boss = setup["boss"]
    lst = list_services.list_create(actor=boss, name="draft list", person_ids=[])
    draft = texting.campaign_save(actor=boss, name="Draft", script="Hi", person_list=lst)
    client.force_login(boss)
    page = client.get(f"/messaging/texting/{draft.pk}/edit/").content.decode()
    assert f'value="list:{lst.pk}" selected' in page


def test_an_archived_script_stops_its_canned_answers(setup, survey):
    """Archived after the campaign chose it: the canned reply is refused with the reason and
    nothing is sent (the texter writes the reply instead)."""
    survey_services.script_update(actor=SYSTEM, script=survey["script"], status="archived")
    contact = _texted(setup)
    health = survey["campaign"].canned_responses.get(title="Health")
    with pytest.raises(ValidationError) as err:
        texting.reply(actor=setup["ana"], contact=contact, canned=health)
    assert "archived" in err.value.messages[0]
    assert not Message.objects.filter(texting_contact=contact, body=health.body).exists()
    texting.reply(actor=setup["ana"], contact=contact, body="Thanks!")  # free text still goes
