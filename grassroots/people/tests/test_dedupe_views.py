"""Duplicate review screens: the queue, comparing a pair, merge with chosen values, "not a
duplicate", undo, who may see and do what (scope included), and hostile or repeated POSTs."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.core.models import AuditEvent
from grassroots.people import merge, services
from grassroots.people.dedupe import review as duplicates
from grassroots.people.models import (
    DuplicatePair,
    MergeRecord,
    Note,
    Person,
    Tagging,
)
from grassroots.testing.users import make_user


def body(response) -> str:
    return response.content.decode()


def pair_of(a, b, score, reasons=()):
    low, high = sorted([a, b], key=lambda p: p.pk)
    return DuplicatePair.objects.create(low=low, high=high, score=score, reasons=list(reasons))


@pytest.fixture
def dups(geo, people, users):
    """Ananya twice in part 1; Rahul twice in part 2; an Ananya look-alike in part 2."""
    ananya = people["ananya"]
    ananya2 = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Ananya", "family_name": "Dass", "age": 34, "area": geo["p1"]},
        phones=["+91 98300 99999"],
        emails=["a.das@example.org"],
    )
    services.note_create(actor=users["manager"], person=ananya2, body="Signed up online")
    tag = services.tag_get_or_create(actor=SYSTEM, name="Volunteer")
    services.tag_apply(actor=SYSTEM, tag=tag, people=[ananya2])
    rahul2 = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Rahul", "family_name": "Shrama", "age": 25, "area": geo["p2"]},
        phones=["+91 94330 55555"],
    )
    other = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Ananya", "family_name": "Das", "age": 35, "area": geo["p2"]},
    )
    return {
        **people,
        "ananya2": ananya2,
        "rahul2": rahul2,
        "other": other,
        "p_ananya": pair_of(
            ananya, ananya2, 0.97, ["same name", "same age", "names similar (0.93)"]
        ),
        "p_rahul": pair_of(people["rahul"], rahul2, 0.91, ["same phone"]),
        "p_cross": pair_of(ananya, other, 0.84, ["same name", "ages a year apart"]),
    }


def compare_url(pair):
    return reverse("people:duplicate_compare", args=[pair.low_id, pair.high_id])


def merge_url(pair):
    return reverse("people:duplicate_merge", args=[pair.low_id, pair.high_id])


def distinct_url(pair):
    return reverse("people:duplicate_distinct", args=[pair.low_id, pair.high_id])


QUEUE = reverse("people:duplicate_list")


def snapshot():
    return (
        sorted(Person.objects.values_list("id", "family_name")),
        sorted(DuplicatePair.objects.values_list("id", "status")),
        MergeRecord.objects.count(),
    )


# --- the queue -------------------------------------------------------------------------------


def test_queue_lists_pending_pairs_best_first_with_reasons_and_counts(client_for, dups, users):
    r = client_for(users["manager"]).get(QUEUE)
    assert r.status_code == 200
    html = body(r)
    order = [html.index(compare_url(dups[k])) for k in ("p_ananya", "p_rahul", "p_cross")]
    assert order == sorted(order)
    assert "names similar (0.93)" in html and "same phone" in html
    assert "0.97" in html and "Dass" in html and "Shrama" in html
    assert re.search(r"To review<span class=\"n\">3</span>", html)
    assert "অনন্যা দাস" in html  # native script shown


def test_queue_filters_by_minimum_score_and_status(client_for, dups, users):
    c = client_for(users["manager"])
    html = body(c.get(QUEUE, {"min_score": "0.9"}))
    assert compare_url(dups["p_rahul"]) in html and compare_url(dups["p_cross"]) not in html
    html = body(c.get(QUEUE, {"min_score": "95"}))  # a percentage works too
    assert compare_url(dups["p_ananya"]) in html and compare_url(dups["p_rahul"]) not in html
    r = c.get(QUEUE, {"min_score": "lots"})
    assert r.status_code == 200 and "between 0 and 1" in body(r)
    merge.duplicate_mark_distinct(actor=users["manager"], pair=dups["p_cross"])
    html = body(c.get(QUEUE, {"status": "distinct"}))
    assert compare_url(dups["p_cross"]) in html and compare_url(dups["p_rahul"]) not in html
    assert "by manager" in html


def test_queue_empty_state_explains_how_to_search(client_for, users, people):
    html = body(client_for(users["manager"]).get(QUEUE))
    assert "No possible duplicates to review." in html
    assert "Find duplicates" in html and reverse("people:dedupe_start") in html
    html = body(client_for(users["manager"]).get(QUEUE, {"status": "merged"}))
    assert "No merges yet." in html


def test_queue_query_count_does_not_grow_with_pairs(client_for, dups, users, geo):
    c = client_for(users["manager"])
    c.get(QUEUE)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        c.get(QUEUE)
    for i in range(10):
        a = services.person_create(actor=SYSTEM, data={"given_name": f"X{i}", "area": geo["p1"]})
        b = services.person_create(actor=SYSTEM, data={"given_name": f"X{i}", "area": geo["p1"]})
        pair_of(a, b, 0.9, ["same name"])
    with CaptureQueriesContext(connection) as many:
        c.get(QUEUE)
    assert len(many) == len(few)


def test_nav_shows_duplicates_to_reviewers_only(client_for, users, people):
    assert QUEUE in body(client_for(users["manager"]).get(reverse("core:dashboard")))
    assert QUEUE not in body(client_for(users["organiser"]).get(reverse("core:dashboard")))


# --- who may see and do what -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["nobody", "volunteer", "organiser", "finance", "auditor"])
def test_roles_without_merge_get_403_and_change_nothing(client_for, dups, users, who):
    c = client_for(users[who])
    before = snapshot()
    p = dups["p_ananya"]
    assert c.get(QUEUE).status_code == 403
    assert c.get(compare_url(p)).status_code == 403
    assert c.post(merge_url(p), {"survivor": "low"}).status_code == 403
    assert c.post(distinct_url(p)).status_code == 403
    assert c.post(reverse("people:dedupe_start")).status_code == 403
    assert (
        c.post(reverse("people:dedupe_settings"), {"auto_merge_threshold": "0.95"}).status_code
        == 403
    )
    assert snapshot() == before
    assert duplicates.settings_get().auto_merge_threshold is None


def test_anonymous_is_sent_to_login(dups):
    c = Client()
    for url in (QUEUE, compare_url(dups["p_ananya"])):
        r = c.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    before = snapshot()
    r = c.post(merge_url(dups["p_ananya"]), {"survivor": "low"})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert snapshot() == before


def test_scoped_reviewer_sees_only_pairs_with_both_people_in_scope(client_for, dups, geo):
    p1_data = make_user("p1data", "data_manager", areas=[geo["p1"]])
    c = client_for(p1_data)
    html = body(c.get(QUEUE))
    assert compare_url(dups["p_ananya"]) in html
    assert compare_url(dups["p_rahul"]) not in html  # both in part 2
    assert compare_url(dups["p_cross"]) not in html  # one in part 2
    assert "Shrama" not in html and re.search(r"To review<span class=\"n\">1</span>", html)
    assert c.get(compare_url(dups["p_ananya"])).status_code == 200
    before = snapshot()
    for pair in (dups["p_rahul"], dups["p_cross"]):
        assert c.get(compare_url(pair)).status_code == 404
        assert c.post(merge_url(pair), {"survivor": "low"}).status_code == 404
        assert c.post(distinct_url(pair)).status_code == 404
    assert snapshot() == before
    # the person page of someone in scope does not list the out-of-scope look-alike
    html = body(c.get(reverse("people:person_detail", args=[dups["ananya"].pk])))
    assert "Possible duplicates" in html
    assert compare_url(dups["p_ananya"]) in html and compare_url(dups["p_cross"]) not in html


def test_a_missing_pair_is_404(client_for, users, people):
    c = client_for(users["manager"])
    assert c.get(reverse("people:duplicate_compare", args=[999998, 999999])).status_code == 404
    assert c.post(reverse("people:duplicate_merge", args=[999998, 999999])).status_code == 404
    assert c.post(reverse("people:merge_undo", args=[424242])).status_code == 404


# --- comparing ---------------------------------------------------------------------------------


def test_compare_shows_both_people_side_by_side_with_differences(client_for, dups, users):
    p = dups["p_ananya"]
    r = client_for(users["manager"]).get(compare_url(p))
    assert r.status_code == 200
    html = body(r)
    for text in ("Ananya Das", "Ananya Dass", "অনন্যা দাস", "Harish Mukherjee Road", "Part 1",
                 "epic:WKH0000018", "a.das@example.org", "ananya@example.org", "Volunteer",
                 "names similar (0.93)"):  # fmt: skip
        assert text in html, text
    # the differing family name is highlighted, with a radio per record; the same age is not
    row = re.search(
        r'<tr class="diff">\s*<th class="fld" scope="row">Family name.*?</tr>', html, re.S
    )
    assert row and 'name="choose_family_name" value="low"' in row.group(0)
    assert 'name="choose_given_name"' not in html
    # the more complete record (the original Ananya) is kept by default
    assert re.search(r'name="survivor" value="low" checked', html)
    # a blank on the kept record defaults to the other's value: the native name is only on one
    assert 'name="choose_native_name"' in html
    # counts of what each has
    notes_row = re.search(r'scope="row">Notes</th><td>(\d+)</td><td>(\d+)</td>', html)
    assert notes_row.groups() == ("0", "1")
    assert 'rel="next"' in html and 'data-key="j"' in html
    assert "Merge" in html and "Not a duplicate" in html


def test_previous_and_next_follow_the_queue_order(client_for, dups, users):
    c = client_for(users["manager"])
    html = body(c.get(compare_url(dups["p_rahul"])))
    prev = re.search(r'href="([^"]+)" rel="prev"', html).group(1)
    nxt = re.search(r'href="([^"]+)" rel="next"', html).group(1)
    assert prev == compare_url(dups["p_ananya"]) and nxt == compare_url(dups["p_cross"])
    html = body(c.get(compare_url(dups["p_rahul"]), {"min_score": "0.9"}))
    assert 'rel="next"' not in html  # the 0.84 pair is below the filter


# --- deciding ----------------------------------------------------------------------------------


def test_merge_with_chosen_values_moves_everything_and_offers_undo(client_for, dups, users):
    ananya, ananya2, p = dups["ananya"], dups["ananya2"], dups["p_ananya"]
    c = client_for(users["manager"])
    r = c.post(merge_url(p), {"survivor": "low", "choose_family_name": "high"})
    assert r.status_code == 302
    record = MergeRecord.objects.get()
    assert f"merged={record.pk}" in r["Location"]
    assert r["Location"].startswith(compare_url(dups["p_rahul"]))  # on to the next pair
    ananya.refresh_from_db()
    assert ananya.family_name == "Dass" and ananya.full_name == "Ananya Dass"
    assert ananya.native_name == "অনন্যা দাস"  # not chosen from the other: kept
    assert not Person.objects.filter(pk=ananya2.pk).exists()
    assert Note.objects.get(body="Signed up online").person_id == ananya.pk
    assert Tagging.objects.filter(person=ananya, tag__name="Volunteer").exists()
    assert set(ananya.contact_points.values_list("value", flat=True)) >= {
        "+919830099999",
        "a.das@example.org",
        "+919830012345",
    }
    event = AuditEvent.objects.get(action="person.merged")
    assert event.actor == users["manager"] and event.detail["loser_id"] == ananya2.pk
    assert event.detail["fields"] == ["family_name"]
    # the next page says so, with Undo
    html = body(c.get(r["Location"]))
    assert f"Merged “Ananya Dass” (#{ananya2.pk}) into “Ananya Dass” (#{ananya.pk})." in html
    assert reverse("people:merge_undo", args=[record.pk]) in html
    # and the merges tab lists it with Undo
    html = body(c.get(QUEUE, {"status": "merged"}))
    assert reverse("people:merge_undo", args=[record.pk]) in html


def test_merge_keeping_the_newer_record(client_for, dups, users):
    ananya, ananya2, p = dups["ananya"], dups["ananya2"], dups["p_ananya"]
    c = client_for(users["manager"])
    r = c.post(merge_url(p), {"survivor": "high", "choose_given_name": "high"})
    assert r.status_code == 302
    assert not Person.objects.filter(pk=ananya.pk).exists()
    ananya2.refresh_from_db()
    assert ananya2.family_name == "Dass"  # the kept record's own value
    assert ananya2.external_ids.get().value == "WKH0000018"  # moved from the other


def test_double_submitted_merge_gets_a_clear_message_not_an_error(client_for, dups, users):
    p = dups["p_ananya"]
    c = client_for(users["manager"])
    assert c.post(merge_url(p), {"survivor": "low"}).status_code == 302
    before = snapshot()
    r = c.post(merge_url(p), {"survivor": "low"}, follow=True)
    assert r.status_code == 200
    assert "already merged" in body(r)
    r = c.post(distinct_url(p), follow=True)
    assert r.status_code == 200 and "already merged" in body(r)
    r = c.get(compare_url(p), follow=True)
    assert r.status_code == 200 and "already merged" in body(r)
    assert snapshot() == before
    assert MergeRecord.objects.count() == 1


def test_a_pair_whose_person_was_merged_elsewhere_explains_itself(client_for, dups, users):
    c = client_for(users["manager"])
    # keep the twin: the original Ananya is merged away, and her pair with the look-alike goes
    c.post(merge_url(dups["p_ananya"]), {"survivor": "high"})
    r = c.get(compare_url(dups["p_cross"]), follow=True)
    assert r.status_code == 200
    assert "was merged into" in body(r)


def test_not_a_duplicate_is_remembered_and_audited(client_for, dups, users):
    p = dups["p_rahul"]
    c = client_for(users["manager"])
    r = c.post(distinct_url(p))
    assert r.status_code == 302 and r["Location"].startswith(compare_url(dups["p_cross"]))
    p.refresh_from_db()
    assert p.status == DuplicatePair.Status.DISTINCT and p.decided_by == users["manager"]
    assert AuditEvent.objects.filter(action="person.not_duplicate", actor=users["manager"]).exists()
    before = snapshot()
    r = c.post(distinct_url(p), follow=True)
    assert r.status_code == 200 and "already decided" in body(r)
    r = c.post(merge_url(p), {"survivor": "low"}, follow=True)
    assert r.status_code == 200 and "already decided" in body(r)
    assert snapshot() == before
    html = body(c.get(compare_url(p)))
    assert "Marked as not a duplicate by manager" in html and "Review again" in html
    assert 'name="survivor"' not in html
    # review again puts it back
    c.post(reverse("people:duplicate_reopen", args=[p.low_id, p.high_id]))
    p.refresh_from_db()
    assert p.status == DuplicatePair.Status.PENDING
    assert AuditEvent.objects.filter(action="person.duplicate_reopened").exists()


def test_undo_restores_both_people_and_puts_the_pair_back(client_for, dups, users):
    ananya, ananya2, p = dups["ananya"], dups["ananya2"], dups["p_ananya"]
    c = client_for(users["manager"])
    c.post(merge_url(p), {"survivor": "low", "choose_family_name": "high"})
    record = MergeRecord.objects.get()
    r = c.post(reverse("people:merge_undo", args=[record.pk]))
    assert r.status_code == 302 and r["Location"] == compare_url(p)
    ananya.refresh_from_db()
    restored = Person.objects.get(pk=ananya2.pk)
    assert ananya.family_name == "Das" and restored.family_name == "Dass"
    assert Note.objects.get(body="Signed up online").person_id == restored.pk
    assert DuplicatePair.objects.get(low=ananya, high=restored).status == "pending"
    assert AuditEvent.objects.filter(action="person.merge_undone", actor=users["manager"]).exists()
    # undoing twice says so
    r = c.post(reverse("people:merge_undo", args=[record.pk]), follow=True)
    assert r.status_code == 200 and "already undone" in body(r)
    html = body(c.get(QUEUE, {"status": "merged"}))
    assert 'Merged<span class="n">1</span>' in html and "undone" in html
    assert reverse("people:merge_undo", args=[record.pk]) not in html


def test_undo_is_reachable_from_the_surviving_persons_page(client_for, dups, users):
    ananya, p = dups["ananya"], dups["p_ananya"]
    c = client_for(users["manager"])
    html = body(c.get(reverse("people:person_detail", args=[ananya.pk])))
    assert "Possible duplicates" in html and compare_url(p) in html
    c.post(merge_url(p), {"survivor": "low"})
    record = MergeRecord.objects.get()
    page = reverse("people:person_detail", args=[ananya.pk])
    html = body(c.get(page))
    assert "Merged into this record" in html
    assert reverse("people:merge_undo", args=[record.pk]) in html
    r = c.post(reverse("people:merge_undo", args=[record.pk]), {"next": page})
    assert r.status_code == 302 and r["Location"] == page
    assert Person.objects.filter(pk=dups["ananya2"].pk).exists()
    # a hostile "next" is ignored
    c.post(merge_url(p), {"survivor": "low"})
    record = MergeRecord.objects.filter(undone_at__isnull=True).get()
    r = c.post(reverse("people:merge_undo", args=[record.pk]), {"next": "https://evil.example/"})
    assert "evil" not in r["Location"]


def test_people_without_merge_do_not_see_the_panel(client_for, dups, users):
    html = body(
        client_for(users["organiser"]).get(
            reverse("people:person_detail", args=[dups["ananya"].pk])
        )
    )
    assert "Possible duplicates" not in html


# --- hostile input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose which record to keep"),
        ({"survivor": "both"}, "Choose which record to keep"),
        ({"survivor": "low", "choose_password": "high"}, "Unknown choice"),
        (
            {"survivor": "low", "choose_family_name": "'; DROP TABLE people_person; --"},
            "Unknown choice",
        ),
    ],
)
def test_hostile_merge_posts_change_nothing(client_for, dups, users, data, message):
    c = client_for(users["manager"])
    before = snapshot()
    r = c.post(merge_url(dups["p_ananya"]), data, follow=True)
    assert r.status_code == 200 and message in body(r)
    assert snapshot() == before


def test_posts_need_a_csrf_token(dups, users):
    c = Client(enforce_csrf_checks=True)
    c.force_login(users["manager"])
    before = snapshot()
    assert c.post(merge_url(dups["p_ananya"]), {"survivor": "low"}).status_code == 403
    assert c.post(distinct_url(dups["p_ananya"])).status_code == 403
    assert c.post(reverse("people:dedupe_start")).status_code == 403
    assert snapshot() == before


def test_get_on_a_decision_is_not_allowed(client_for, dups, users):
    c = client_for(users["manager"])
    assert c.get(merge_url(dups["p_ananya"])).status_code == 405
    assert c.get(distinct_url(dups["p_ananya"])).status_code == 405


# --- the auto-merge setting --------------------------------------------------------------------


def test_auto_merge_setting_is_validated_and_audited(client_for, users, people):
    c = client_for(users["manager"])
    url = reverse("people:dedupe_settings")
    r = c.post(url, {"auto_merge_threshold": "0.5"}, follow=True)
    assert "between 0.9 and 1" in body(r)
    assert duplicates.settings_get().auto_merge_threshold is None
    r = c.post(url, {"auto_merge_threshold": "abc"}, follow=True)
    assert r.status_code == 200 and duplicates.settings_get().auto_merge_threshold is None
    r = c.post(url, {"auto_merge_threshold": "0.98"}, follow=True)
    assert "0.98 or more will be merged automatically" in body(r)
    assert duplicates.settings_get().auto_merge_threshold == 0.98
    event = AuditEvent.objects.get(action="people.dedupe_settings_changed")
    assert event.actor == users["manager"] and event.detail["auto_merge_threshold"] == [None, 0.98]
    assert "on, at 0.98 or more" in body(c.get(QUEUE))
    c.post(url, {"auto_merge_threshold": "0.98", "off": "1"})
    assert duplicates.settings_get().auto_merge_threshold is None


def test_only_a_campaign_wide_reviewer_changes_auto_merge(client_for, dups, geo):
    p1_data = make_user("p1data", "data_manager", areas=[geo["p1"]])
    c = client_for(p1_data)
    html = body(c.get(QUEUE))
    assert reverse("people:dedupe_settings") not in html
    assert "Only someone who sees the whole campaign" in html
    r = c.post(reverse("people:dedupe_settings"), {"auto_merge_threshold": "0.95"})
    assert r.status_code == 403
    assert duplicates.settings_get().auto_merge_threshold is None


def test_auto_merge_stays_inside_the_scope_of_whoever_started_the_search(dups, geo, users):
    p1_data = make_user("p1data", "data_manager", areas=[geo["p1"]])
    counts = duplicates.auto_merge(actor=p1_data, threshold=0.9)
    assert counts == {"auto_merged": 1, "auto_skipped": 0, "auto_held": 0}  # Ananya's, part 1
    record = MergeRecord.objects.get()
    assert {record.survivor_id, record.loser_id} == {dups["ananya"].pk, dups["ananya2"].pk}
    assert record.survivor_id == dups["ananya"].pk  # the more complete record
    assert DuplicatePair.objects.get(pk=dups["p_rahul"].pk).status == "pending"
    # the system (an import by someone without a user, or a campaign-wide search) merges all
    Person.objects.filter(pk=dups["rahul2"].pk).update(support_score=3, source="sign-up")
    counts = duplicates.auto_merge(actor=SYSTEM, threshold=0.9)
    assert counts["auto_merged"] == 1
    assert not Person.objects.filter(pk=dups["rahul2"].pk).exists()
    rahul = Person.objects.get(pk=dups["rahul"].pk)
    assert rahul.family_name == "Sharma"  # the older record's own value is kept
    assert rahul.support_score == 3 and rahul.source == "sign-up"  # its blanks are filled
    assert rahul.native_name == "राहुल शर्मा"
    event = AuditEvent.objects.filter(action="person.merged").latest("id")
    assert event.detail["auto"] is True and event.actor is None


def test_compare_warns_when_a_record_came_from_an_import_that_can_be_rolled_back(
    client_for, dups, users
):
    from grassroots.people.models import ImportBatch, ImportChange

    batch = ImportBatch.objects.create(
        filename="signups.csv", stored_path="x", sha256="0" * 64, status="succeeded"
    )
    ImportChange.objects.create(batch=batch, person_id=dups["ananya2"].pk, action="created")
    html = body(client_for(users["manager"]).get(compare_url(dups["p_ananya"])))
    assert html.count("Created by the import “signups.csv”") == 1
    ImportBatch.objects.filter(pk=batch.pk).update(status="rolled_back")
    html = body(client_for(users["manager"]).get(compare_url(dups["p_ananya"])))
    assert "Created by the import" not in html


# --- different voter ids of one namespace (issue 13 §3, ADR 0005) ----------------------------


@pytest.fixture
def two_epics(dups):
    """Ananya's second record carries another EPIC number: two roll entries."""
    services.external_id_add(
        actor=SYSTEM, person=dups["ananya2"], namespace="epic", value="WKH0000026"
    )
    return dups


def test_compare_shows_different_voter_ids_as_evidence_against(client_for, two_epics, users):
    c = client_for(users["manager"])
    html = body(c.get(compare_url(two_epics["p_ananya"])))
    assert "Evidence against: different voter ids" in html
    assert "epic: WKH0000018 and WKH0000026" in html
    assert 'name="confirm_different_ids"' in html
    # a pair without that conflict shows neither
    html = body(c.get(compare_url(two_epics["p_rahul"])))
    assert "Evidence against" not in html and "confirm_different_ids" not in html


def test_merging_two_voter_ids_needs_an_explicit_confirmation(client_for, two_epics, users):
    p = two_epics["p_ananya"]
    c = client_for(users["manager"])
    before = snapshot()
    r = c.post(merge_url(p), {"survivor": "low"}, follow=True)
    assert "different identifiers of one register (epic WKH0000018 and WKH0000026)" in body(r)
    assert snapshot() == before and DuplicatePair.objects.get(pk=p.pk).status == "pending"
    r = c.post(merge_url(p), {"survivor": "low", "confirm_different_ids": "1"})
    assert r.status_code == 302
    event = AuditEvent.objects.get(action="person.merged")
    assert event.detail["different_ids"] == {"epic": ["WKH0000018", "WKH0000026"]}


def test_auto_merge_never_merges_two_voter_ids(two_epics, users):
    counts = duplicates.auto_merge(actor=SYSTEM, threshold=0.9)
    assert counts == {"auto_merged": 1, "auto_skipped": 0, "auto_held": 1}  # Rahul's pair only
    assert DuplicatePair.objects.get(pk=two_epics["p_ananya"].pk).status == "pending"
    assert Person.objects.filter(pk=two_epics["ananya2"].pk).exists()
