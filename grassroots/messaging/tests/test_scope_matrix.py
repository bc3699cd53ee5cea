"""The security fix of issue 12: messaging objects and import batches are scoped by area.

A communications user scoped to part 1 must get 404 — exactly as for a missing object — for part
2's broadcast, template, automation and texting campaign, on the screens and in the API, and
must not be able to start, pause or cancel part 2's broadcast. The same for import batches and a
data manager. The colleague of part 2 (the "allowed" column) sees and works them as before."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.accounts.tests.factories import UserFactory
from grassroots.lists import services as list_services
from grassroots.messaging import services
from grassroots.messaging.automations import services as automations
from grassroots.messaging.broadcasts import services as broadcasts
from grassroots.messaging.models import Automation, Broadcast, Message, Template, TextingCampaign
from grassroots.messaging.texting import services as texting
from grassroots.people.models import ImportBatch
from grassroots.testing.matrix import LOGIN, api_client, assert_matrix, html_client, snapshot

SECRET = "Zebra-7 plan"


@pytest.fixture
def world(geo, people, simulator):
    p1, p2 = geo["p1"], geo["p2"]
    here = UserFactory(role="communications", areas=[p2], username="comms_p2")
    w = {
        "here": here,
        "elsewhere": UserFactory(role="communications", areas=[p1], username="comms_p1"),
        "wrong_role": UserFactory(role="auditor", areas=[p2], username="auditor_p2"),
        "data_here": UserFactory(role="data_manager", areas=[p2], username="data_p2"),
        "data_elsewhere": UserFactory(role="data_manager", areas=[p1], username="data_p1"),
    }
    lst = list_services.list_create(
        actor=here, name=f"{SECRET} list", person_ids=[people["rahul"].pk]
    )
    template = services.template_save(
        actor=here, name=f"{SECRET} template", channel="sms",
        variants=[{"language": "en", "body": "Hello {{ first_name }}"}],
    )  # fmt: skip
    w["template"] = template
    w["draft"] = broadcasts.broadcast_create(
        actor=here, name=f"{SECRET} draft", template=template, person_list=lst
    )
    sending = broadcasts.broadcast_create(
        actor=here, name=f"{SECRET} sending", template=template, person_list=lst,
    )  # fmt: skip
    Broadcast.objects.filter(pk=sending.pk).update(status=Broadcast.Status.SENDING)
    w["sending"] = sending
    w["automation"] = automations.automation_save(
        actor=here, name=f"{SECRET} automation", triggers=[],
        steps=[{"kind": "tag", "params": {"tag": "x"}}],
    )  # fmt: skip
    w["texting"] = texting.campaign_save(
        actor=here, name=f"{SECRET} texting", script="Hi {{ first_name }}", person_list=lst
    )
    for key in ("template", "draft", "sending", "automation", "texting"):
        assert w[key].area_id == p2.pk, key  # new work takes its author's home area
    return w


def _columns(w):
    return {
        "wrong_role": w["wrong_role"],
        "out_of_scope": w["elsewhere"],
        "allowed": w["here"],
    }


def _messaging_rows():
    return snapshot(
        Broadcast.objects.values("id", "name", "status", "person_list_id", "job_id"),
        Template.objects.values("id", "name"),
        Automation.objects.values("id", "name", "active"),
        TextingCampaign.objects.values("id", "name", "status"),
        Message.objects.values("id", "status"),
    )


@pytest.mark.parametrize(
    "url_name, key, shows",
    [
        ("messaging:broadcast_detail", "draft", SECRET),
        ("messaging:broadcast_stats", "sending", ""),  # a partial of counters only
        ("messaging:template_edit", "template", SECRET),
        ("messaging:template_preview", "template", "Hello"),
        ("messaging:automation_edit", "automation", SECRET),
        ("messaging:automation_people", "automation", SECRET),
        ("messaging:texting_detail", "texting", SECRET),
        ("messaging:texting_edit", "texting", SECRET),
    ],
)
def test_another_areas_messaging_pages_answer_404(world, people, url_name, key, shows):
    url = reverse(url_name, args=[world[key].pk])
    if url_name == "messaging:template_preview":
        url += f"?person={people['rahul'].pk}"  # part 2's voter, whom comms_p2 may see
    assert_matrix(
        html_client, "get", url, users=_columns(world),
        expect={"anonymous": LOGIN, "wrong_role": (403, 404), "out_of_scope": 404,
                "allowed": 200},
        leaks=[shows], unchanged=_messaging_rows,
    )  # fmt: skip


@pytest.mark.parametrize(
    "url_name",
    [
        "messaging:broadcast_list",
        "messaging:template_list",
        "messaging:automation_list",
        "messaging:texting_list",
    ],
)
def test_another_areas_messaging_work_is_not_listed(world, url_name):
    for who, shown in (("elsewhere", False), ("here", True)):
        body = html_client(world[who]).get(reverse(url_name)).content.decode()
        assert (SECRET in body) is shown, (who, url_name)


@pytest.mark.parametrize(
    "key, action", [("draft", "start"), ("sending", "pause"), ("sending", "cancel")]
)
def test_another_areas_broadcast_cannot_be_started_paused_or_cancelled(world, key, action):
    url = reverse("messaging:broadcast_action", args=[world[key].pk, action])
    assert_matrix(
        html_client, "post", url, users=_columns(world),
        expect={"anonymous": LOGIN, "wrong_role": (403, 404), "out_of_scope": 404,
                "allowed": 302},
        leaks=[SECRET], unchanged=_messaging_rows,
    )  # fmt: skip
    expected = {"start": "sending", "pause": "paused", "cancel": "cancelled"}[action]
    world[key].refresh_from_db()
    assert world[key].status in (expected, "scheduled")


@pytest.mark.parametrize(
    "path, key",
    [
        ("/api/v1/broadcasts/{}/", "draft"),
        ("/api/v1/message-templates/{}/", "template"),
    ],
)
def test_another_areas_messaging_objects_answer_404_in_the_api(world, path, key):
    assert_matrix(
        api_client, "get", path.format(world[key].pk), users=_columns(world),
        expect={"anonymous": (401, 403), "wrong_role": 403, "out_of_scope": 404,
                "allowed": 200},
        leaks=[SECRET], unchanged=_messaging_rows, json_errors=True,
    )  # fmt: skip
    listing = path.rsplit("{}", 1)[0]
    rows = api_client(world["elsewhere"]).get(listing).json()["results"]
    assert SECRET not in str(rows)


@pytest.mark.parametrize("verb", ["start", "pause", "cancel"])
def test_another_areas_broadcast_cannot_be_acted_on_in_the_api(world, verb):
    key = "draft" if verb == "start" else "sending"
    assert_matrix(
        api_client, "post", f"/api/v1/broadcasts/{world[key].pk}/{verb}/", users=_columns(world),
        expect={"anonymous": (401, 403), "wrong_role": 403, "out_of_scope": 404,
                "allowed": 200},
        leaks=[SECRET], unchanged=_messaging_rows, json_errors=True,
    )  # fmt: skip


def test_a_broadcast_cannot_be_made_from_another_areas_template_in_the_api(world):
    body = {"name": "Mine", "template": world["template"].pk, "person_list": None}
    response = api_client(world["elsewhere"]).post("/api/v1/broadcasts/", body, format="json")
    missing = api_client(world["elsewhere"]).post(
        "/api/v1/broadcasts/", {**body, "template": 10**9}, format="json"
    )
    assert response.status_code == missing.status_code == 400
    assert response.json()["error"]["fields"].keys() == missing.json()["error"]["fields"].keys()
    assert not Broadcast.objects.filter(name="Mine").exists()


# --- import batches -------------------------------------------------------------------------


@pytest.fixture
def batch(world, tmp_path):
    from grassroots.people.imports import services as import_services

    path = tmp_path / "zebra.csv"
    path.write_text("given_name,family_name\nAsha,Zebra\n", encoding="utf-8")
    batch = import_services.import_create(
        actor=world["data_here"], path=path, filename=f"{SECRET}.csv",
        mapping={"columns": {"given_name": "person.given_name", "family_name": "person.family_name"}},
        dry_run=True,
    )  # fmt: skip
    assert batch.area_id == world["data_here"].scope_areas.get().pk
    return batch


def _import_columns(w):
    return {
        "wrong_role": w["here"],  # communications: no people.import
        "out_of_scope": w["data_elsewhere"],
        "allowed": w["data_here"],
    }


def test_another_areas_import_batch_answers_404(world, batch):
    rows = lambda: snapshot(ImportBatch.objects.values("id", "status", "filename"))  # noqa: E731
    assert_matrix(
        html_client, "get", reverse("people:import_detail", args=[batch.pk]),
        users=_import_columns(world),
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=[SECRET], unchanged=rows,
    )  # fmt: skip
    assert_matrix(
        api_client, "get", f"/api/v1/imports/{batch.pk}/", users=_import_columns(world),
        expect={"anonymous": (401, 403), "wrong_role": 403, "out_of_scope": 404,
                "allowed": 200},
        leaks=[SECRET], unchanged=rows, json_errors=True,
    )  # fmt: skip
    listed = html_client(world["data_elsewhere"]).get(reverse("people:import_list"))
    assert SECRET not in listed.content.decode()


def test_handing_work_on_offers_only_people_who_can_open_it(world, people, client):
    """Reassigning a texter's contacts or assigning an inbox conversation offers (and accepts)
    only users who could open the campaign or the conversation: a texter of part 1 is not offered
    part 2's texting campaign, a part-1 colleague not a part-2 voter's conversation."""
    from django.core.exceptions import ValidationError

    from grassroots.messaging.inbox import services as inbox
    from grassroots.messaging.models import InboxThread

    here, elsewhere = world["here"], world["elsewhere"]
    campaign = world["texting"]
    client.force_login(here)
    page = client.get(reverse("messaging:texting_detail", args=[campaign.pk]))
    offered = [u.username for u in page.context["users"]]
    assert here.username in offered and elsewhere.username not in offered
    with pytest.raises(ValidationError):
        texting.reassign(actor=here, campaign=campaign, from_user=here, to_user=elsewhere)

    voter_p2 = next(p for p in people.values() if p.area_id == world["texting"].area_id)
    thread = InboxThread.objects.create(channel="sms", address="+919800000001", person=voter_p2)
    page = client.get(reverse("messaging:inbox_thread", args=[thread.pk]))
    staff = [u.username for u in page.context["staff"]]
    assert here.username in staff and elsewhere.username not in staff
    with pytest.raises(ValidationError):
        inbox.thread_assign(actor=here, thread=thread, user=elsewhere)
    inbox.thread_assign(actor=here, thread=thread, user=here)
    assert InboxThread.objects.get(pk=thread.pk).assigned_to == here
