"""Messaging's part of the demo campaign (registered in ``core.registry.demo_seeders``)."""

from __future__ import annotations

from grassroots.lists.models import Segment
from grassroots.messaging import services as messaging
from grassroots.messaging.models import ProviderAccount, Template

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


def seed(*, users: dict) -> dict[str, int]:
    """A simulator provider (sends nothing, answers like a real one), templates in several
    languages and a segment to send them to: the messaging screens have something to show."""
    made = {"provider_accounts": 0, "templates": 0, "segments": 0}
    if not ProviderAccount.objects.exists():
        messaging.account_save(
            actor=None,
            name="Simulator",
            kind="simulator",
            channels=["sms", "whatsapp", "email", "voice"],
            config={"from_number": "+15550100", "rate": "50"},
            secrets={},
            is_default=True,
        )
        made["provider_accounts"] = 1
    for spec in DEMO_TEMPLATES:
        if not Template.objects.filter(name=spec["name"]).exists():
            messaging.template_save(
                actor=None,
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
