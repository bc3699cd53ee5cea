"""A message is shown once on the person page: its text in the Messages panel's thread, not
again in the timeline (issue 13, item 27), while the timeline keeps the entry (channel,
direction, outcome) as the universal contact log."""

from __future__ import annotations

from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.messaging import services
from grassroots.messaging.providers.base import Inbound
from grassroots.messaging.replies import inbound


def test_a_reply_is_shown_once_on_the_person_page(client_for, people, users, deliver):
    account = services.account_save(
        actor=SYSTEM, name="Sim", kind="simulator", channels=["sms"],
        config={"from_number": "+15550100"}, secrets={}, is_default=True,
    )  # fmt: skip
    inbound.inbound_record(
        account=account,
        inbound=Inbound(provider_id="i1", channel="sms", sender="+919830012345", to="+15550100",
                        body="Who is this asking?"),
    )  # fmt: skip
    deliver()
    html = (
        client_for(users["manager"])
        .get(reverse("people:person_detail", args=[people["ananya"].pk]))
        .content.decode()
    )
    assert html.count("Who is this asking?") == 1
    timeline = html[html.index('id="timeline"') :]
    assert "SMS · Inbound" in timeline  # the contact is still on the timeline
