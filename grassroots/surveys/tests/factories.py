"""factory_boy factories for scripts, made through the services (as ``SYSTEM`` unless ``actor=``).

``ScriptFactory(blocks=True)`` makes a script with the "ID" shape: a text to read, a 1–5
support scale that writes the support score, a single choice (issues) and a yes/no; the
blocks are then ``script.blocks.all()`` in order. ``build()`` is not supported."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from grassroots.core.access import SYSTEM
from grassroots.surveys import services
from grassroots.surveys.models import Script


class ScriptFactory(DjangoModelFactory):
    class Meta:
        model = Script

    name = factory.Sequence(lambda n: f"Script {n}")

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, blocks=False, status=None, **kwargs):
        script = services.script_create(actor=actor, **kwargs)
        if blocks:
            add_id_blocks(script)
        if status:
            script = services.script_update(actor=SYSTEM, script=script, status=status)
        return script


def add_id_blocks(script: Script) -> dict:
    add = services.block_add
    intro = add(
        actor=SYSTEM,
        script=script,
        kind="text",
        text="Hello {{ first_name }}, I'm with the campaign.",
        translations={"bn": "নমস্কার {{ first_name }}, আমি প্রচার থেকে এসেছি।"},
    )
    support = add(
        actor=SYSTEM,
        script=script,
        kind="scale",
        label="Support",
        text="How likely are you to support us?",
        scale_min=1,
        scale_max=5,
        writes_support_score=True,
    )
    issue = add(
        actor=SYSTEM, script=script, kind="single", label="Issue", text="What matters most to you?"
    )
    jobs = services.choice_add(actor=SYSTEM, block=issue, label="Jobs", translations={"bn": "চাকরি"})
    health = services.choice_add(actor=SYSTEM, block=issue, label="Health")
    volunteer = add(
        actor=SYSTEM, script=script, kind="yes_no", label="Volunteer", text="Would you volunteer?"
    )
    return {"intro": intro, "support": support, "issue": issue, "jobs": jobs,
            "health": health, "volunteer": volunteer}  # fmt: skip
