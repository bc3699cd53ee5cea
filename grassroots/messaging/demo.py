"""Messaging's part of the demo campaign (registered in ``core.registry.demo_seeders``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grassroots.core.access import SYSTEM
from grassroots.lists.models import Segment
from grassroots.messaging import services as messaging
from grassroots.messaging.models import ProviderAccount, Template

if TYPE_CHECKING:
    from grassroots.core.registry import DemoRun

DEMO_TEMPLATES = [
    {
        "name": "Rally invitation",
        "channel": "sms",
        "variants": [
            {
                "language": "en",
                "body": 'Hi {{ first_name|default:"friend" }}, join us at the rally in {{ area }} '
                "on Sunday at 5 pm. Every vote counts!",
            },
            {
                "language": "bn",
                "body": "নমস্কার {{ first_name }}, রবিবার বিকেল ৫টায় {{ area }}-এ আমাদের সভায় "
                "আসুন। প্রতিটি ভোট মূল্যবান!",
            },
            {
                "language": "hi",
                "body": "नमस्ते {{ first_name }}, रविवार शाम 5 बजे {{ area }} में हमारी सभा में "
                "आइए। हर वोट कीमती है!",
            },
        ],
    },
    {
        "name": "Get out the vote (California)",
        "channel": "sms",
        "variants": [
            {
                "language": "en",
                "body": "Hi {{ first_name }}, polls are open 7am-8pm on Tuesday. Find your "
                "polling place at vote.ca.gov.",
            },
            {
                "language": "es",
                "body": "Hola {{ first_name }}, las urnas abren de 7am a 8pm el martes. Busca "
                "tu lugar de votación en vote.ca.gov.",
            },
        ],
    },
    {
        "name": "Volunteer welcome",
        "channel": "email",
        "purpose": "volunteering",
        "variants": [
            {
                "language": "en",
                "subject": "Welcome to the team, {{ first_name }}!",
                "body": "Hi {{ first_name }},\n\nThank you for volunteering with {{ campaign }}. "
                "Your organiser will call you this week.\n\nSee you at the door!",
            }
        ],
    },
]


def seed(run: DemoRun) -> dict[str, int]:
    """A simulator provider (sends nothing, answers like a real one), templates in several
    languages and a segment to send them to: the messaging screens have something to show."""
    users = run.users
    made = {"provider_accounts": 0, "templates": 0, "segments": 0}
    if not ProviderAccount.objects.exists():
        messaging.account_save(
            actor=SYSTEM,
            name="Simulator",
            kind="simulator",
            channels=["sms", "whatsapp", "email", "voice"],
            # a typical Indian bulk-SMS price, so the SMS meter shows a cost per message
            config={"from_number": "+15550100", "rate": "50", "segment_cost": "0.25 INR"},
            secrets={},
            is_default=True,
        )
        made["provider_accounts"] = 1
    for spec in DEMO_TEMPLATES:
        if not Template.objects.filter(name=spec["name"]).exists():
            messaging.template_save(
                actor=SYSTEM,
                name=spec["name"],
                channel=spec["channel"],
                purpose=spec.get("purpose", "campaign"),
                default_language="en",
                variants=spec["variants"],
            )
            made["templates"] += 1
    if not Segment.objects.filter(name="Supporters in part 1").exists():
        Segment.objects.create(
            name="Supporters in part 1",
            description="Support 1–2 in part 1 of Bhabanipur, reachable by SMS.",
            definition={
                "steps": [
                    {
                        "action": "add",
                        "group": {
                            "match": "all",
                            "items": [
                                {"filter": "area", "params": {"areas": ["IN-WB-AC158-P001"]}},
                                {"filter": "support", "params": {"scores": ["1", "2"]}},
                                {"filter": "reachable", "params": {"channel": "sms"}},
                            ],
                        },
                    }
                ]
            },
            owner=users.get("comms"),
            visibility="shared",
        )
        made["segments"] = 1
    return made


def seed_more(run: DemoRun) -> dict[str, int]:
    """A welcome automation, so that screen is not empty."""
    from grassroots.messaging.automations import services as automations
    from grassroots.messaging.models import Automation

    made = {"automations": 0}
    welcome = Template.objects.filter(name="Volunteer welcome").first()
    if welcome and not Automation.objects.exists():
        automations.automation_save(
            actor=SYSTEM,
            name="Welcome new volunteers",
            description="When someone is tagged “volunteer”: the welcome email, a day later "
            "the rally invitation by SMS (if they have a phone), then the tag “welcomed”.",
            active=True,
            triggers=[{"event": "tag.applied", "tag": "volunteer"}],
            steps=[
                {"kind": "send", "params": {"template": welcome.pk}},
                {"kind": "wait", "params": {"days": 1}},
                {"kind": "branch", "params": {"condition": "has_phone"}},
                {
                    "kind": "send",
                    "params": {"template": Template.objects.get(name="Rally invitation").pk},
                },
                {"kind": "tag", "params": {"tag": "welcomed"}},
            ],
        )
        made["automations"] = 1
    return made


def seed_texting(run: DemoRun) -> dict[str, int]:
    """A P2P texting campaign whose canned responses answer the "2026 ID" survey script the
    surveys app seeds for Bhabanipur (this seeder runs after it: order 130 > 120). Without that
    script (the surveys part skipped) the canned responses only tag."""
    from grassroots.messaging.models import TextingCampaign
    from grassroots.messaging.texting import services as texting
    from grassroots.surveys.demo import NAME as SURVEY_NAME
    from grassroots.surveys.models import Script

    made = {"texting_campaigns": 0}
    segment = Segment.objects.filter(name="Supporters in part 1").first()
    comms = run.users.get("comms")
    if segment is None or comms is None or TextingCampaign.objects.exists():
        return made
    area = run.areas.get("IN-WB-AC158")
    script = (
        Script.objects.filter(name=SURVEY_NAME, area=area, status=Script.Status.ACTIVE).first()
        if area is not None
        else None
    )
    blocks = {b.label: b for b in script.blocks.all()} if script else {}
    support, volunteer = blocks.get("2026 ID"), blocks.get("Volunteer")

    def answer(block, value):
        if block is None:
            return {}
        if block.has_choices:
            return {"choice": block.choices.get(value=value)}
        return {"question": block, "value": value}

    campaign = texting.campaign_save(
        actor=comms,
        name="Polling day reminders — part 1",
        script="নমস্কার {{ first_name }}, this is the Bhabanipur campaign. Polls are open "
        "7 am to 6 pm on Thursday. Can we count on your vote?",
        segment=segment,
        batch_size=25,
        survey_script=script,
        canned=[
            {"title": "Will vote", "body": "Thank you! See you at the booth.",
             "tag": "will vote", **answer(support, "1")},
            {"title": "Needs a ride", "body": "We can help — a volunteer will call you.",
             "tag": "needs transport"},
            {"title": "Undecided", "body": "Thanks for telling us. May we send you our "
             "manifesto?", "tag": "undecided", **answer(support, "3")},
            {"title": "Not for us", "body": "Thank you for your time. Have a good day.",
             **answer(support, "5")},
            {"title": "Won't volunteer", "body": "No problem — thank you for your vote!",
             **answer(volunteer, "no")},
        ],
    )  # fmt: skip
    texting.campaign_start(actor=comms, campaign=campaign)
    made["texting_campaigns"] = 1
    return made
