"""A broadcast worker to kill: the helper process of ``test_killed_worker.py``.

``python -m grassroots.messaging.tests.killed_worker setup|work|recover LOG`` against the
database of ``DATABASE_URL``: ``setup`` migrates and starts a broadcast to ``N`` people;
``work`` runs its job as a worker does, the provider accepting two sends and then blocking
for ever (the test kills the process there); ``recover`` waits for the lease to run out,
takes the job over as the minute tick does and runs it to the end. The provider appends
each send it accepts to ``LOG`` (its idempotency key), dropping a key it has seen, as a real
provider does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

N = 12
BATCH = 4  # messages are created and sent four at a time: most recipients wait uncreated
NOON_IST = dt.datetime(2026, 12, 4, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata"))


def _setup() -> None:
    from django.core.management import call_command

    from grassroots.accounts import services as account_services
    from grassroots.accounts.models import Role
    from grassroots.core.access import SYSTEM
    from grassroots.geography import services as geo_services
    from grassroots.lists import services as list_services
    from grassroots.messaging import services
    from grassroots.messaging.broadcasts import services as broadcasts
    from grassroots.people import services as people_services

    call_command("migrate", verbosity=0, interactive=False)
    account_services.roles_ensure_defaults()
    kind = geo_services.area_kind_ensure(code="state", name="State", sort_order=2)
    area = geo_services.area_create(actor=SYSTEM, kind=kind, code="IN-WB", name="West Bengal")
    comms = account_services.user_create(
        actor=SYSTEM,
        username="comms",
        password="correct-horse-battery-1",
        roles=Role.objects.filter(slug="communications"),
        scope_all=True,
    )
    services.account_save(
        actor=SYSTEM,
        name="Simulator",
        kind="simulator",
        channels=["sms"],
        config={"from_number": "+15550100"},
        secrets={},
        is_default=True,
    )
    people = []
    for i in range(N):
        p = people_services.person_create(
            actor=SYSTEM,
            data={"given_name": f"P{i}", "family_name": "Kill", "area": area},
            phones=[f"+9198300{i:05d}"],
        )
        people_services.consent_record(
            actor=SYSTEM, person=p, channel="sms", purpose="campaign", status="granted"
        )
        people.append(p)
    template = services.template_save(
        actor=comms, name="T", channel="sms", variants=[{"language": "en", "body": "Hi"}]
    )
    lst = list_services.list_create(actor=comms, name="l", person_ids=[p.pk for p in people])
    b = broadcasts.broadcast_create(actor=comms, name="B", template=template, person_list=lst)
    broadcasts.broadcast_start(actor=comms, broadcast=b)


def _provider(log: Path, block_after: int | None):
    from grassroots.messaging.providers.simulator import SimulatorProvider

    real = SimulatorProvider.send
    calls = {"n": 0}

    def send(self, message):
        calls["n"] += 1
        if block_after is not None and calls["n"] > block_after:
            (log.parent / "blocked").write_text(str(os.getpid()))
            time.sleep(3600)  # a provider call that never returns: the test kills us here
        seen = set(log.read_text().split()) if log.exists() else set()
        if message.idempotency_key not in seen:  # a real provider drops a repeated key
            with log.open("a") as f:
                f.write(message.idempotency_key + "\n")
        return real(self, message)

    SimulatorProvider.send = send


def main(mode: str, log: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    import django

    django.setup()
    from grassroots.core import jobs
    from grassroots.messaging import sending
    from grassroots.messaging.broadcasts import services as broadcasts
    from grassroots.messaging.models import Broadcast

    sending.clock = lambda: NOON_IST  # inside the recipients' calling hours
    sending.BATCH = BATCH
    sending.simulator_webhooks = None  # no receipts: nothing else runs here
    if mode == "setup":
        _setup()
        return
    b = Broadcast.objects.get()
    if mode == "work":
        _provider(log, block_after=2)
        jobs.job_execute(b.job_id)
        return
    _provider(log, block_after=None)
    deadline = time.monotonic() + 30
    while not jobs.recover_orphans()["resumed"]:  # the lease of the dead worker runs out
        if time.monotonic() > deadline:
            raise SystemExit("the dead worker's lease never ran out")
        time.sleep(0.1)
    released = b.messages.filter(status="sending").count()
    jobs.job_execute(b.job_id)  # what the requeued generic task does
    b.refresh_from_db()
    b.job.refresh_from_db()
    print(
        json.dumps(
            {
                "status": b.status,
                "job": b.job.status,
                "released_left": released,
                "stats": broadcasts.broadcast_stats(b),
                "messages": list(b.messages.values_list("person_id", "uuid", "status")),
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
