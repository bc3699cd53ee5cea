"""A webhook worker to kill: the helper process of ``test_killed_applier.py``.

``python -m grassroots.messaging.tests.killed_applier setup|work|recover DIR`` against the
database of ``DATABASE_URL``: ``setup`` migrates and stores ``N`` signed-and-parsed replies
(people for some of them, a STOP among them) as the webhook does, no worker running; ``work``
applies them as the worker does, in batches of ``BATCH``, and stops for ever inside the third
batch after its writes, before it commits (the test kills the process there); ``recover``
applies what is pending, as the next run does, and prints what there is.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

N = 120
BATCH = 25
STOP_AT = 60  # a STOP in the third batch (events 51-75)


def _setup() -> None:
    from django.core.management import call_command

    from grassroots.accounts import services as account_services
    from grassroots.core.access import SYSTEM
    from grassroots.geography import services as geo_services
    from grassroots.messaging import services
    from grassroots.messaging.providers.base import Inbound
    from grassroots.messaging.replies import webhooks
    from grassroots.people import services as people_services

    call_command("migrate", verbosity=0, interactive=False)
    account_services.roles_ensure_defaults()
    kind = geo_services.area_kind_ensure(code="state", name="State", sort_order=2)
    area = geo_services.area_create(actor=SYSTEM, kind=kind, code="IN-WB", name="West Bengal")
    account = services.account_save(
        actor=SYSTEM, name="Simulator", kind="simulator", channels=["sms"],
        config={"from_number": "+15550100"}, secrets={}, is_default=True,
    )  # fmt: skip
    for i in range(10):
        people_services.person_create(
            actor=SYSTEM,
            data={"given_name": f"P{i}", "family_name": "Kill", "area": area},
            phones=[f"+9198300{i:05d}"],
        )
    webhooks.schedule = lambda: None  # no worker: the events stay stored
    for i in range(N):
        body = "STOP" if i == STOP_AT else f"reply {i}"
        item = Inbound(f"SMk{i}", "sms", f"+9198300{i % 20:05d}", "+15550100", body)
        webhooks.events_store(account, [item])


def _block_in_third_batch(flag: Path) -> None:
    from grassroots.messaging.replies import applier

    real = applier.inbound_record_batch
    calls = {"n": 0}

    def batch(items):
        out = real(items)
        calls["n"] += 1
        if calls["n"] == 3:  # its writes are done, not committed: killed here
            flag.write_text(str(os.getpid()))
            time.sleep(3600)
        return out

    applier.inbound_record_batch = batch


def main(mode: str, where: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    import django

    django.setup()
    from grassroots.messaging import sending
    from grassroots.messaging.models import Message, Suppression, WebhookEvent
    from grassroots.messaging.replies import applier

    sending.simulator_webhooks = None
    if mode == "setup":
        _setup()
        return
    if mode == "work":
        _block_in_third_batch(where / "blocked")
        applier.events_apply(limit=BATCH)
        return
    before = list(Message.objects.filter(direction="inbound").values_list("provider_id", flat=True))
    applier.events_apply(limit=BATCH)
    inbound = list(
        Message.objects.filter(direction="inbound").values_list("provider_id", flat=True)
    )
    print(
        json.dumps(
            {
                "before": before,
                "inbound": inbound,
                "pending": WebhookEvent.objects.filter(applied_at__isnull=True).count(),
                "suppressed": list(Suppression.objects.values_list("address", flat=True)),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
