"""End-to-end: a communications officer writes a template in English and Bengali, sends it as an
SMS broadcast to a segment through the simulator, watches the counts, and sees a simulated STOP
reply opt a person out on their timeline; an SMS to India at 22:30 IST is held and goes at 09:00.

The compliance clock (``messaging.sending.clock``) is set by the test: the live server runs in
this process, so the held/released story does not depend on when CI runs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from grassroots.accounts import services as account_services
from grassroots.accounts.models import Role
from grassroots.core.access import SYSTEM
from grassroots.lists.models import Segment
from grassroots.messaging import sending, services, tick
from grassroots.messaging.models import Message, Suppression
from grassroots.people import services as people_services

pytestmark = pytest.mark.e2e
IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture
def clock(monkeypatch):
    now = {"t": dt.datetime(2026, 12, 4, 12, 0, tzinfo=IST)}
    monkeypatch.setattr(sending, "clock", lambda: now["t"])
    return now


@pytest.fixture
def campaign(geo, users, password):
    account_services.user_create(
        actor=SYSTEM,
        username="comms",
        password=password,
        roles=Role.objects.filter(slug="communications"),
        scope_all=True,
    )
    services.account_save(
        actor=SYSTEM,
        name="Simulator",
        kind="simulator",
        channels=["sms", "whatsapp", "email", "voice"],
        config={"from_number": "+15550100"},
        secrets={},
        is_default=True,
    )
    people = {}
    for given, phone, lang in (
        ("Moumita", "+919830011111", "bn"),
        ("Arjun", "+919830022222", "en"),
        ("Tapas", "+919830033399", "bn"),  # the simulator: numbers ending in 99 reply STOP
    ):
        people[given] = people_services.person_create(
            actor=SYSTEM,
            data={
                "given_name": given,
                "family_name": "Sen",
                "area": geo["p1"],
                "preferred_language": lang,
            },  # fmt: skip
            phones=[phone],
        )
    Segment.objects.create(
        name="Part 1 by SMS",
        definition={
            "steps": [
                {
                    "action": "add",
                    "group": {
                        "items": [
                            {"filter": "area", "params": {"areas": ["IN-WB-AC1-P001"]}},
                            {"filter": "reachable", "params": {"channel": "sms"}},
                        ]
                    },
                }
            ]
        },
        visibility="shared",
    )
    return people


def test_template_broadcast_stop_and_quiet_hours(page, live_server, login, campaign, clock, shots):
    login(page, "comms")
    page.get_by_role("link", name="Messaging").first.click()
    expect(page.get_by_role("heading", name="Messaging")).to_be_visible()
    expect(page.get_by_text("No broadcasts yet.")).to_be_visible()

    # a template in two languages
    page.get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="New template").click()
    page.locator("#name").fill("Rally on Sunday")
    page.locator("#v0-language").select_option("en")
    page.locator("#v0-body").fill('Hi {{ first_name|default:"friend" }}, rally on Sunday at 5!')
    page.locator("#v1-language").select_option("bn")
    page.locator("#v1-body").fill("নমস্কার {{ first_name }}, রবিবার বিকেল ৫টায় সভা!")
    shots(page, "messaging-01-template")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_text("Template saved.")).to_be_visible()

    # a mistake is explained, and nothing typed is lost
    page.locator("#v1-body").fill("নমস্কার {{ first_name|nosuch }}")
    page.get_by_role("button", name="Save template").click()
    expect(page.locator(".errorlist")).to_contain_text("error")
    expect(page.locator("#v0-body")).to_have_value(
        'Hi {{ first_name|default:"friend" }}, rally on Sunday at 5!'
    )
    page.locator("#v1-body").fill("নমস্কার {{ first_name }}, রবিবার বিকেল ৫টায় সভা!")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_text("Template saved.")).to_be_visible()

    # a broadcast to the segment: preview per person, in their language
    page.get_by_role("link", name="Send as a broadcast").click()
    page.locator("#id_name").fill("Sunday rally")
    page.locator("#id_audience").select_option(label="Segment: Part 1 by SMS")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".previews")).to_contain_text("Hi Arjun, rally on Sunday at 5!")
    expect(page.locator(".previews")).to_contain_text("নমস্কার Moumita")
    shots(page, "messaging-02-preview")
    page.accept_dialogs = True  # "Send this broadcast now?"
    page.get_by_role("button", name="Send to 3 people").click()
    expect(page.get_by_text("Sending started.")).to_be_visible()
    stats = page.locator("#broadcast-stats")
    expect(stats.locator('[data-stat="status"]')).to_have_text("Done")
    expect(stats.locator('[data-stat="delivered"]')).to_have_text("3")
    expect(stats.locator('[data-stat="opted_out"]')).to_have_text("1")
    shots(page, "messaging-03-progress")

    # the simulated STOP reply, on Tapas's timeline
    tapas = campaign["Tapas"]
    page.goto(f"{live_server.url}/people/{tapas.pk}/")
    expect(page.locator("#timeline")).to_contain_text("opted out")
    expect(page.locator("#timeline")).to_contain_text("Consent withdrawn")
    expect(page.locator("#messages-panel")).to_contain_text("STOP")
    expect(page.locator("#messages-panel")).to_contain_text("Opted out")
    shots(page, "messaging-04-stop-timeline")
    assert Suppression.objects.filter(address="+919830033399", reason="opted_out").exists()

    # 22:30 in India: a message to Arjun is held, with the reason, until 09:00 IST
    clock["t"] = dt.datetime(2026, 12, 4, 22, 30, tzinfo=IST)
    arjun = campaign["Arjun"]
    page.goto(f"{live_server.url}/people/{arjun.pk}/")
    page.locator("#msg-body").fill("Reminder: rally tomorrow")
    page.locator("#messages-panel").get_by_role("button", name="Send").click()
    expect(page.get_by_text("Not sent now")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("SMS held")
    expect(page.locator("#timeline")).to_contain_text("09:00")
    shots(page, "messaging-05-held")
    held = Message.objects.get(person=arjun, body="Reminder: rally tomorrow")
    assert held.status == "held"
    assert held.held_until == dt.datetime(2026, 12, 5, 9, 0, tzinfo=IST)

    clock["t"] = dt.datetime(2026, 12, 5, 8, 59, tzinfo=IST)  # never early
    tick.messaging_tick()
    held.refresh_from_db()
    assert held.status == "held"
    clock["t"] = dt.datetime(2026, 12, 5, 9, 0, tzinfo=IST)
    tick.messaging_tick()
    held.refresh_from_db()
    assert held.status == "delivered"
    page.reload()
    expect(page.locator("#messages-panel")).to_contain_text("Reminder: rally tomorrow")
    expect(page.locator("#messages-panel")).to_contain_text("Delivered")
    page.problems.assert_clean()


def test_welcome_sequence_from_the_api_and_the_volunteer_tag(
    page, live_server, login, campaign, clock, users, shots
):
    """A welcome sequence built on the screen fires for a person created through the API and
    for a person tagged "volunteer"; each person's progress is visible."""
    services.template_save(
        actor=SYSTEM,
        name="Welcome text",
        channel="sms",
        variants=[
            {"language": "en", "body": "Welcome {{ first_name }}! Reply STOP to opt out."},
            {"language": "bn", "body": "স্বাগতম {{ first_name }}!"},
        ],
    )
    login(page, "comms")
    page.goto(f"{live_server.url}/messaging/automations/")
    expect(page.get_by_text("No automations yet.")).to_be_visible()
    page.get_by_role("link", name="New automation").click()
    page.locator("#name").fill("Welcome new people")
    page.get_by_label("A person is added").check()
    page.get_by_label("Added how").select_option("api")
    page.get_by_label("A person is tagged").check()
    page.get_by_label("Tag", exact=True).fill("volunteer")
    page.get_by_role("button", name="+ Send a message").click()
    page.get_by_label("Template").select_option(label="Welcome text (SMS)")
    page.get_by_role("button", name="+ Wait").click()
    page.get_by_role("button", name="+ Tag the person").click()
    page.locator("li.step").nth(2).get_by_role("textbox", name="Tag").fill("welcomed")
    page.get_by_label("Active: start it for people from now on").check()
    shots(page, "messaging-06-automation")
    page.get_by_role("button", name="Save automation").click()
    expect(page.get_by_text("Automation saved.")).to_be_visible()
    expect(page.locator("li.step")).to_have_count(3)

    # a person created through the API
    from grassroots.accounts.models import User
    from grassroots.accounts.services import api_token_create

    _token, secret = api_token_create(actor=User.objects.get(username="manager"), name="e2e")
    r = page.request.post(
        f"{live_server.url}/api/v1/people/",
        data={
            "given_name": "Nadia",
            "family_name": "Ali",
            "phones": ["+919830044444"],
            "area": "IN-WB-AC1-P001",
        },  # fmt: skip
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert r.status == 201, r.text()
    nadia = r.json()["id"]
    page.goto(f"{live_server.url}/people/{nadia}/")
    expect(page.locator("#enrollments")).to_contain_text("Welcome new people")
    expect(page.locator("#enrollments")).to_contain_text("Waiting")
    expect(page.locator("#messages-panel")).to_contain_text("Welcome Nadia!")

    # the campaign manager tags Arjun "volunteer" on his page
    page.get_by_role("button", name="Sign out").click()
    login(page, "manager")
    arjun = campaign["Arjun"]
    page.goto(f"{live_server.url}/people/{arjun.pk}/")
    page.locator("#tag-name").fill("volunteer")
    page.locator("#tag-name").press("Enter")
    expect(page.locator("#tags")).to_contain_text("volunteer")
    page.reload()
    expect(page.locator("#enrollments")).to_contain_text("Welcome new people")
    expect(page.locator("#messages-panel")).to_contain_text("Welcome Arjun!")

    # the wait is over: both finish, tagged "welcomed"
    clock["t"] = clock["t"] + dt.timedelta(days=1, minutes=1)
    tick.messaging_tick()
    page.goto(f"{live_server.url}/messaging/automations/")
    page.get_by_role("link", name="Welcome new people").click()
    page.get_by_role("link", name="People in it").click()
    expect(page.locator("table.data tbody tr")).to_have_count(2)
    expect(page.locator("table.data")).to_contain_text("Finished")
    shots(page, "messaging-07-automation-people")
    assert Message.objects.filter(automation_key__gt="").count() == 2
    page.problems.assert_clean()


def test_p2p_texter_sends_with_one_key_each_and_answers_a_reply(
    page, live_server, login, campaign, clock, users, shots
):
    from grassroots.lists import services as list_services
    from grassroots.messaging.models import TextingContact
    from grassroots.messaging.texting import services as texting

    boss = users["manager"]
    lst = list_services.list_create(
        actor=boss, name="to text", person_ids=[p.pk for p in campaign.values()]
    )
    # Arjun's number ends in 97: the simulator has him reply "Yes! Count me in"
    people_services.contact_point_add(
        actor=SYSTEM, person=campaign["Arjun"], channel="phone", value="+919830022297",
        is_primary=True,
    )  # fmt: skip
    c = texting.campaign_save(
        actor=boss,
        name="Polling day texts",
        script="Hi {{ first_name }}, polls are open till 6 pm. Will you vote?",
        person_list=lst,
        batch_size=2,
        canned=[
            {"title": "Thanks", "body": "Thank you! See you at the booth.", "tag": "will vote"}
        ],  # fmt: skip
    )
    texting.campaign_start(actor=boss, campaign=c)

    login(page, "volunteer")  # scoped to part 1, where all three live
    page.get_by_role("link", name="Texting").click()
    page.get_by_role("link", name="Start texting").click()
    page.get_by_role("button", name="Ask for 2 more contacts").click()
    expect(page.get_by_text("2 contacts are yours to text.")).to_be_visible()
    send = page.locator("#send-button")
    expect(page.locator("#contact-text")).to_contain_text("polls are open till 6 pm")
    first = page.locator("#contact-name").inner_text()
    shots(page, "messaging-08-texter")
    expect(send).to_be_focused()  # the Send button has the focus: Enter sends
    page.keyboard.press("Enter")  # one key, one text
    expect(page.locator("#contact-name")).not_to_have_text(first)
    expect(send).to_be_focused()  # and has it again for the next person
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Ask for 2 more contacts")).to_be_visible()
    assert Message.objects.filter(texting_contact__campaign=c, direction="outbound").count() == 2

    page.get_by_role("button", name="Ask for 2 more contacts").click()
    expect(page.locator("#contact-name")).to_be_visible()
    expect(send).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Ask for 2 more contacts")).to_be_visible()
    assert TextingContact.objects.filter(campaign=c, status="assigned").count() == 0

    page.reload()
    page.locator("#replies").get_by_role("link", name="Arjun Sen").click()
    expect(page.locator("#thread")).to_contain_text("Yes! Count me in")
    page.get_by_role("button", name="Thanks · #will vote").click()
    expect(page.locator("#thread")).to_contain_text("Thank you! See you at the booth.")
    shots(page, "messaging-09-conversation")
    from grassroots.people.models import Tagging

    assert Tagging.objects.filter(person=campaign["Arjun"], tag__name="will vote").exists()
    page.problems.assert_clean()


def test_p2p_enter_on_links_and_other_buttons_sends_nothing(
    page, live_server, login, campaign, clock, users, shots
):
    """Only the Send button sends: Enter on Skip, the breadcrumb, the menu's Dashboard link or
    Sign out does what that control says, and no text goes (issue 13, item 4)."""
    from grassroots.lists import services as list_services
    from grassroots.messaging.models import TextingContact
    from grassroots.messaging.texting import services as texting

    boss = users["manager"]
    lst = list_services.list_create(
        actor=boss, name="to text", person_ids=[p.pk for p in campaign.values()]
    )
    c = texting.campaign_save(
        actor=boss, name="Keys", script="Hi {{ first_name }}, will you vote?", person_list=lst,
        batch_size=3,
    )  # fmt: skip
    texting.campaign_start(actor=boss, campaign=c)
    texts = Message.objects.filter(texting_contact__campaign=c, direction="outbound")

    login(page, "volunteer")
    page.goto(f"{live_server.url}/messaging/texting/{c.pk}/text/")
    page.get_by_role("button", name="Ask for 3 more contacts").click()
    name = page.locator("#contact-name")
    expect(name).to_be_visible()
    first = name.inner_text()

    # Enter on Skip skips: the next person is on screen, nobody was texted
    page.get_by_role("button", name="Skip").focus()
    page.keyboard.press("Enter")
    expect(name).not_to_have_text(first)
    expect(page.locator("#texting-box h2")).to_contain_text("0 texted")
    assert texts.count() == 0
    assert TextingContact.objects.get(campaign=c, status="skipped")

    # Enter on the breadcrumb goes to the campaign's page
    page.locator(".crumbs a").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Keys")).to_be_visible()
    assert texts.count() == 0

    # Enter on the menu's Dashboard link goes to the dashboard
    page.go_back()
    expect(name).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/")
    assert texts.count() == 0

    # Enter on Sign out signs out
    page.go_back()
    expect(name).to_be_visible()
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert texts.count() == 0
    assert TextingContact.objects.filter(campaign=c, status="assigned").count() == 2


def test_template_editor_shows_sms_segments_encoding_and_cost_as_you_type(
    page, live_server, login, campaign, shots
):
    """The SMS meter under each version: segments, GSM-7 or UCS-2, and the estimated cost per
    message (the SMS account's cost per segment), updated as the text is typed (item 22)."""
    from grassroots.messaging.models import ProviderAccount

    sim = ProviderAccount.objects.get(name="Simulator")
    services.account_save(
        actor=SYSTEM, account=sim, name=sim.name, kind=sim.kind, channels=sim.channels,
        config={**sim.config, "segment_cost": "0.25 INR"}, secrets={}, is_default=True,
    )  # fmt: skip
    login(page, "comms")
    page.goto(f"{live_server.url}/messaging/templates/new/")
    body, meter = page.locator("#v0-body"), page.locator("#v0-meter")
    expect(body).to_have_attribute("aria-describedby", "v0-meter")
    body.fill("Hi {{ first_name }}, rally on Sunday at 5!")
    expect(meter).to_contain_text("1 SMS segment")
    expect(meter).to_contain_text("GSM-7")
    expect(meter).to_contain_text("about 0.25 INR per message")
    body.fill("Hi {{ first_name }}, " + "rally on Sunday at 5! " * 8)
    expect(meter).to_contain_text("2 SMS segments")
    expect(meter).to_contain_text("about 0.50 INR per message")
    expect(page.locator("#v0-meter-live")).to_have_text("2 segments, GSM-7 (plain Latin letters)")

    page.locator("#v1-language").select_option("bn")
    page.locator("#v1-body").fill("নমস্কার {{ first_name }}, রবিবার বিকেল ৫টায় {{ area }}-এ সভা!")
    expect(page.locator("#v1-meter")).to_contain_text("1 SMS segment")
    expect(page.locator("#v1-meter")).to_contain_text("UCS-2")
    page.locator("#v1-body").press("End")
    page.locator("#v1-body").type(" আসুন, সঙ্গে পরিবার ও বন্ধুদের নিয়ে আসুন।")
    expect(page.locator("#v1-meter")).to_contain_text("2 SMS segments")
    shots(page, "messaging-10-sms-meter")
    # another channel: no SMS meter
    page.locator("#channel").select_option("email")
    expect(meter).to_be_hidden()

    # on a phone, in Bengali: the meter speaks Bengali and the form fits the screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_cookies([{"name": "django_language", "value": "bn", "url": live_server.url}])
    page.goto(f"{live_server.url}/messaging/templates/new/")
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    page.locator("#v0-body").fill("নমস্কার {{ first_name }}, রবিবার সভা!")
    expect(page.locator("#v0-meter")).to_contain_text("UCS-2")
    expect(page.locator("#v0-meter")).not_to_contain_text("segment")  # translated
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    shots(page, "messaging-11-sms-meter-bn-phone")


def test_p2p_canned_responses_record_survey_answers(
    page, live_server, login, campaign, clock, users
):
    """The organiser picks the campaign's survey script and, per canned response, the answer it
    records; a mistake is shown next to that response with everything typed kept. The texter's
    canned reply then records the answer (issue 16)."""
    from grassroots.core.access import SYSTEM as system
    from grassroots.lists import services as list_services
    from grassroots.messaging.texting import services as texting
    from grassroots.surveys import services as survey_services
    from grassroots.surveys.models import Response
    from grassroots.surveys.tests.factories import ScriptFactory, add_id_blocks

    script = ScriptFactory(name="Polling day ID")
    b = add_id_blocks(script)
    survey_services.script_update(actor=system, script=script, status="active")
    boss = users["manager"]
    lst = list_services.list_create(
        actor=boss, name="to text", person_ids=[p.pk for p in campaign.values()]
    )
    c = texting.campaign_save(
        actor=boss, name="Survey texts", script="Hi {{ first_name }}, what matters to you?",
        person_list=lst, batch_size=1,
        canned=[{"title": "Health", "body": "Health it is, thank you!"},
                {"title": "Strong", "body": "Wonderful!"}],
    )  # fmt: skip

    login(page, "manager")
    page.goto(f"{live_server.url}/messaging/texting/{c.pk}/edit/")
    page.get_by_label("Survey script").select_option(label="Polling day ID")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Texting campaign saved.")).to_be_visible()
    page.goto(f"{live_server.url}/messaging/texting/{c.pk}/edit/")
    page.locator("#c0-answer").select_option(label="Issue — Health")
    page.locator("#c1-answer").select_option(label="Support — the answer written below")
    page.locator("#c1-value").fill("9")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#c1-error")).to_contain_text("from 1 to 5")
    expect(page.locator("#c1-value")).to_have_value("9")
    expect(page.locator("#c0-answer")).to_have_value(f"choice:{b['health'].pk}")
    page.locator("#c1-value").fill("1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Texting campaign saved.")).to_be_visible()
    page.problems.assert_clean()

    c = texting.campaign_start(actor=boss, campaign=c)
    volunteer = users["volunteer"]
    texting.request_batch(actor=volunteer, campaign=c)
    contact = texting.next_contact(actor=volunteer, campaign=c)
    texting.send_initial(actor=volunteer, contact=contact)
    page.get_by_role("button", name="Sign out").click()
    login(page, "volunteer")
    page.goto(f"{live_server.url}/messaging/texting/{c.pk}/c/{contact.pk}/")
    page.get_by_role("button", name="Health · Issue: Health").click()
    expect(page.locator("#thread")).to_contain_text("Health it is, thank you!")
    latest = Response.objects.get(person_id=contact.person_id, question=b["issue"], is_latest=True)
    assert list(latest.choices.values_list("pk", flat=True)) == [b["health"].pk]
    page.problems.assert_clean()
