"""Segment builder and list screens: live count, save, freeze, members, who may do what."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from grassroots.lists import services
from grassroots.lists.models import ListMember, PersonList, Segment
from grassroots.testing.users import make_user


def seg(*items, match="all"):
    return {"steps": [{"action": "add", "group": {"match": match, "items": list(items)}}]}


AREA_P1 = {"filter": "area", "params": {"areas": ["IN-WB-AC1-P001"]}}
YOUNG = {"filter": "age", "params": {"max": 35}}


def count(client, definition):
    return client.post(reverse("lists:segment_count"), {"definition": json.dumps(definition)})


def test_live_count_people_households_and_a_sample(client_for, people, users):
    c = client_for(users["organiser"])
    r = count(c, seg(AREA_P1))
    html = r.content.decode()
    assert r.status_code == 200
    assert '<span class="bigcount">2</span>' in html and "1 household" in html
    assert "Ananya Das" in html and "Sourav Das" in html and "Rahul" not in html
    r = count(c, seg(AREA_P1, YOUNG))
    assert '<span class="bigcount">1</span>' in r.content.decode()


@pytest.mark.parametrize(
    "raw, message",
    [
        ("{not json", "could not be read"),
        (json.dumps(seg({"filter": "age", "params": {"min": "old"}})), "a number is needed"),
        (json.dumps(seg({"filter": "nope"})), "unknown filter"),
        ("x" * 200_000, "too large"),
    ],
)
def test_live_count_explains_bad_definitions(client_for, people, users, raw, message):
    r = client_for(users["organiser"]).post(reverse("lists:segment_count"), {"definition": raw})
    assert r.status_code == 200 and message in r.content.decode()
    assert "bigcount" not in r.content.decode()


def test_volunteer_scope_applies_to_the_count(client_for, people, users, geo):
    booth = make_user("booth_organiser", "field_organiser", areas=[geo["p2"]])
    r = count(client_for(booth), seg())
    assert '<span class="bigcount">1</span>' in r.content.decode()
    assert "Rahul" in r.content.decode() and "Ananya" not in r.content.decode()


def test_build_save_edit_and_freeze(client_for, people, users):
    c = client_for(users["organiser"])
    assert c.get(reverse("lists:segment_create")).status_code == 200
    r = c.post(
        reverse("lists:segment_create"),
        {
            "name": "Young in part 1",
            "visibility": "shared",
            "definition": json.dumps(seg(AREA_P1, YOUNG)),
            "then": "save",
        },
    )
    segment = Segment.objects.get(name="Young in part 1")
    assert r.status_code == 302 and r["Location"] == reverse(
        "lists:segment_edit", args=[segment.pk]
    )
    page = c.get(r["Location"]).content.decode()
    assert "Young in part 1" in page and "segment-definition" in page
    assert (
        json.loads(
            page.split('id="segment-definition" type="application/json">')[1].split("</script>")[0]
        )
        == segment.definition
    )
    r = c.post(
        reverse("lists:segment_edit", args=[segment.pk]),
        {
            "name": "Part 1",
            "visibility": "shared",
            "definition": json.dumps(seg(AREA_P1)),
            "then": "freeze",
        },
    )
    frozen = PersonList.objects.get(segment=segment)
    assert r.status_code == 302 and r["Location"] == reverse("lists:list_detail", args=[frozen.pk])
    assert frozen.size == 2 and Segment.objects.get(pk=segment.pk).name == "Part 1"
    detail = c.get(r["Location"]).content.decode()
    assert "Ananya Das" in detail and "Sourav Das" in detail


def test_saving_a_bad_segment_keeps_what_was_typed(client_for, people, users):
    c = client_for(users["organiser"])
    bad = json.dumps(seg({"filter": "area", "params": {"areas": ["NOWHERE"]}}))
    r = c.post(
        reverse("lists:segment_create"),
        {
            "name": "My turf",
            "description": "door knock",
            "visibility": "private",
            "definition": bad,
        },
    )
    html = r.content.decode()
    assert r.status_code == 400 and "unknown area code" in html
    assert 'value="My turf"' in html and "door knock" in html and "NOWHERE" in html
    assert not Segment.objects.exists()
    r = c.post(
        reverse("lists:segment_create"),
        {"name": "", "visibility": "private", "definition": json.dumps(seg())},
    )
    assert r.status_code == 400 and "Give it a name" in r.content.decode()


def test_list_members_remove_add_delete(client_for, people, users):
    c = client_for(users["organiser"])
    lst = services.list_create(
        actor=users["organiser"],
        name="Callers",
        person_ids=[p.pk for k, p in people.items() if k != "household"],
    )
    url = reverse("lists:list_detail", args=[lst.pk])
    r = c.post(url, {"action": "remove", "person": [people["rahul"].pk]})
    assert r.status_code == 302 and ListMember.objects.filter(list=lst).count() == 2
    r = c.post(url, {"action": "add", "ids": f"{people['rahul'].pk}, 999999 abc"}, follow=True)
    assert "Not a person id" in r.content.decode()
    r = c.post(url, {"action": "add", "ids": f"{people['rahul'].pk}\n999999"}, follow=True)
    assert "1 added; 1 skipped" in r.content.decode()
    r = c.post(url, {"action": "delete"})
    assert r.status_code == 302 and not PersonList.objects.filter(pk=lst.pk).exists()


# --- who may do what ---------------------------------------------------------------------------


@pytest.fixture
def objects(people, users):
    manager = users["manager"]
    private = services.segment_create(actor=manager, name="Private", definition=seg())
    shared = services.segment_create(
        actor=manager, name="Shared", definition=seg(), visibility="shared"
    )
    lst = services.list_freeze(actor=manager, segment=private)
    return {"private": private, "shared": shared, "list": lst}


def test_anonymous_is_sent_to_login(client, objects):
    for url in (
        reverse("lists:segment_list"),
        reverse("lists:segment_create"),
        reverse("lists:segment_edit", args=[objects["shared"].pk]),
        reverse("lists:list_detail", args=[objects["list"].pk]),
    ):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r["Location"]
    assert client.post(reverse("lists:segment_count"), {"definition": "{}"}).status_code == 302


@pytest.mark.parametrize("who", ["volunteer", "finance", "auditor"])
def test_roles_without_lists_manage_can_look_but_not_build(client_for, objects, users, who):
    c = client_for(users[who])
    assert c.get(reverse("lists:segment_list")).status_code == 200
    assert c.get(reverse("lists:segment_create")).status_code == 403
    assert c.post(reverse("lists:segment_count"), {"definition": "{}"}).status_code == 403
    assert (
        c.post(reverse("lists:segment_action", args=[objects["shared"].pk, "freeze"])).status_code
        == 403
    )
    assert (
        c.post(
            reverse("lists:segment_create"),
            {"name": "x", "visibility": "private", "definition": "{}"},
        ).status_code
        == 403
    )
    assert not Segment.objects.filter(name="x").exists()


def test_nobody_role_gets_403(client_for, objects, users):
    assert client_for(users["nobody"]).get(reverse("lists:segment_list")).status_code == 403


def test_private_segments_and_lists_are_404_for_others(client_for, objects, users):
    c = client_for(users["organiser"])
    listing = c.get(reverse("lists:segment_list")).content.decode()
    assert "Shared" in listing and "Private" not in listing
    assert c.get(reverse("lists:segment_edit", args=[objects["private"].pk])).status_code == 404
    assert c.get(reverse("lists:list_detail", args=[objects["list"].pk])).status_code == 404
    assert (
        c.post(reverse("lists:segment_action", args=[objects["private"].pk, "delete"])).status_code
        == 404
    )
    assert Segment.objects.filter(pk=objects["private"].pk).exists()
    # A shared segment can be looked at and counted, not changed, by someone else.
    page = c.get(reverse("lists:segment_edit", args=[objects["shared"].pk])).content.decode()
    assert "Only its owner can change this segment" in page
    r = c.post(
        reverse("lists:segment_edit", args=[objects["shared"].pk]),
        {"name": "Mine now", "visibility": "shared", "definition": json.dumps(seg())},
    )
    assert r.status_code == 400 and Segment.objects.get(pk=objects["shared"].pk).name == "Shared"


def test_list_page_query_count_does_not_grow(
    client_for, objects, users, django_assert_max_num_queries
):
    c = client_for(users["manager"])
    with django_assert_max_num_queries(12):
        assert c.get(reverse("lists:list_detail", args=[objects["list"].pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(reverse("lists:segment_list") + "?tab=lists").status_code == 200


# --- export ------------------------------------------------------------------------------------


def test_export_a_segment_and_a_list_as_a_job(
    client_for, people, users, settings, tmp_path, django_capture_on_commit_callbacks
):
    import csv
    import io

    from grassroots.core.models import AuditEvent, Job

    settings.MEDIA_ROOT = tmp_path
    manager = users["manager"]
    c = client_for(manager)
    segment = services.segment_create(actor=manager, name="Part 1", definition=seg(AREA_P1))
    form = c.get(reverse("lists:segment_export", args=[segment.pk]))
    assert form.status_code == 200 and "Export “Part 1”" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            reverse("lists:segment_export", args=[segment.pk]),
            {"columns": ["id", "full_name"], "format": "csv"},
        )
    job = Job.objects.get(kind="people.export")
    assert r.status_code == 302 and r["Location"] == reverse("people:export_status", args=[job.pk])
    assert job.status == "succeeded", job.log
    body = b"".join(c.get(reverse("people:export_download", args=[job.pk])).streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["Ananya Das", "Sourav Das"]
    assert AuditEvent.objects.get(action="people.exported").detail["segment_id"] == segment.pk
    lst = services.list_freeze(actor=manager, segment=segment)
    with django_capture_on_commit_callbacks(execute=True):
        c.post(
            reverse("lists:list_export", args=[lst.pk]),
            {"columns": ["full_name"], "format": "xlsx"},
        )
    assert Job.objects.filter(kind="people.export", status="succeeded").count() == 2
    # Bad input keeps the form with a message; no job is made.
    r = c.post(reverse("lists:list_export", args=[lst.pk]), {"columns": ["nope"], "format": "csv"})
    assert r.status_code == 400 and Job.objects.count() == 2


def test_export_needs_people_export_and_visibility(client_for, people, users):
    manager = users["manager"]
    private = services.segment_create(actor=manager, name="Mine", definition=seg())
    assert (
        client_for(users["organiser"])
        .get(reverse("lists:segment_export", args=[private.pk]))
        .status_code
        == 403
    )
    assert (
        client_for(users["admin"])
        .get(reverse("lists:segment_export", args=[private.pk]))
        .status_code
        == 200
    )
    other = make_user("other_manager", "campaign_manager", scope_all=True)
    assert (
        client_for(other).get(reverse("lists:segment_export", args=[private.pk])).status_code == 404
    )


def test_a_slow_count_says_counting_and_the_answer_comes_when_asked_again(
    client_for, people, users, settings
):
    """The builder never waits on a count: over the budget the answer is "Counting…", which
    asks again without a budget (``wait=1``) into the same live region."""
    settings.SEGMENT_COUNT_BUDGET = 0
    c = client_for(users["organiser"])
    definition = json.dumps(seg(AREA_P1))
    html = c.post(reverse("lists:segment_count"), {"definition": definition}).content.decode()
    assert "Counting…" in html and "bigcount" not in html
    assert 'hx-target="#segment-count"' in html and 'hx-swap="innerHTML"' in html
    assert 'hx-trigger="load"' in html
    again = json.loads(html.split('hx-vals="')[1].split('"')[0].replace("&quot;", '"'))
    assert again == {"definition": definition, "wait": "1"}
    r = c.post(reverse("lists:segment_count"), again)
    assert '<span class="bigcount">2</span>' in r.content.decode()
