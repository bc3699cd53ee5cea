"""The messaging list screens answer in a fixed number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.core import events
from grassroots.core.access import SYSTEM
from grassroots.messaging import services
from grassroots.messaging.automations import services as automations
from grassroots.messaging.broadcasts import services as broadcasts
from grassroots.messaging.models import Broadcast
from grassroots.messaging.providers.base import Inbound
from grassroots.messaging.replies import inbound
from grassroots.messaging.tests.test_views import PASSWORD, staff  # noqa: F401  (fixture)
from grassroots.messaging.texting import services as texting
from grassroots.testing.queries import assert_constant_queries


def _make(n: int, *, users, people, start: int) -> None:
    from grassroots.lists import services as list_services

    lst = list_services.list_create(
        actor=users["manager"], name=f"list {start}", visibility="shared",
        person_ids=[p.pk for p in people.values() if hasattr(p, "given_name")],
    )  # fmt: skip
    account = services.account_save(
        actor=SYSTEM, name=f"Sim {start}", kind="simulator", channels=["sms"],
        config={"from_number": "+15550100"}, secrets={}, is_default=True,
    )  # fmt: skip
    for i in range(start, start + n):
        template = services.template_save(
            actor=SYSTEM, name=f"T{i}", channel="sms", variants=[{"language": "en", "body": "Hi"}]
        )
        b = broadcasts.broadcast_create(
            actor=SYSTEM, name=f"B{i}", template=template, person_list=lst
        )
        Broadcast.objects.filter(pk=b.pk).update(status=Broadcast.Status.DONE)
        automations.automation_save(
            actor=SYSTEM, name=f"A{i}", triggers=[], steps=[{"kind": "tag", "params": {"tag": "x"}}]
        )
        texting.campaign_save(actor=users["comms"], name=f"C{i}", script="Hi", person_list=lst)
        inbound.inbound_record(
            account=account,
            inbound=Inbound(provider_id=f"i{i}", channel="sms", sender=f"+9198300{i:05d}",
                            to="+15550100", body="Who is this?"),
        )  # fmt: skip
    while events.deliver_pending():  # the inbox threads the replies (``message.received``)
        pass


@pytest.mark.parametrize(
    "name",
    [
        "messaging:broadcast_list",
        "messaging:template_list",
        "messaging:automation_list",
        "messaging:texting_list",
        "messaging:inbox",
    ],
)
def test_list_query_count_does_not_grow_with_rows(client, staff, people, name):  # noqa: F811
    client.login(username="comms", password=PASSWORD)
    url = reverse(name)
    assert_constant_queries(
        lambda n, start: _make(n, users=staff, people=people, start=start),
        lambda: client.get(url),
        sizes=(2, 8),
    )
