"""The mapping screen's value maps and first-load options (issue 13 §5, §7): what is typed
becomes the mapping JSON, comes back when the mapping is changed, and mistakes are shown on
the field with everything kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.geography.models import Area
from grassroots.people.imports.forms import parse_values, values_text
from grassroots.people.models import ImportBatch
from grassroots.people.tests.test_import_mapping import good_post, selected, upload


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def mapper(client_for, users, geo):
    c = client_for(users["manager"])
    r = upload(c)
    assert r.status_code == 302, r.content
    return c, r["Location"]


def test_value_maps_and_options_become_the_mapping(mapper, geo, django_capture_on_commit_callbacks):
    c, url = mapper
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            url,
            good_post(
                c5_target="vote:",
                c5_key="wb-2021-assembly",
                c5_values="met at rally = 1\nbad date = N\nprefers Bengali = 1 TMC",
                c5_election_date="2021-04-29",
                c1_values="Rao = Rao-Kumar",
                unknown_area="leave_empty",
                unknown_election="create",
                new_elections_in="IN-WB",
            ),
        )
    assert r.status_code == 302, r.content.decode()[-3000:]
    batch = ImportBatch.objects.get()
    assert batch.status == "succeeded", batch.examples
    columns, options = batch.mapping["columns"], batch.mapping["options"]
    assert columns["Notes"] == {
        "target": "vote:wb-2021-assembly",
        "values": {
            "met at rally": "1",
            "bad date": "N",
            "prefers Bengali": {"voted": True, "party": "TMC"},
        },
        "election_date": "2021-04-29",
    }
    assert columns["Surname"] == {"target": "person.family_name", "values": {"Rao": "Rao-Kumar"}}
    assert options["unknown_area"] == "leave_empty"
    assert options["unknown_election"] == "create" and options["new_elections_in"] == "IN-WB"
    # "Change the mapping" brings it all back
    r = c.post(reverse("people:import_detail", args=[batch.pk]), {"action": "remap"})
    page = c.get(r["Location"]).content.decode()
    assert "prefers Bengali = 1 TMC" in page and "Rao = Rao-Kumar" in page
    assert selected(page, "unknown_area") == "leave_empty"
    assert selected(page, "unknown_election") == "create"


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"c1_values": "Rao Rao-Kumar"}, "c1_values", "Line 1: write"),
        (
            {"c5_target": "vote:", "c5_key": "x", "c5_values": "D = Democrat"},
            "c5_values",
            "is not a vote mark",
        ),
        ({"unknown_area": "create"}, "new_areas_under", "Give the code of the area"),
    ],
)
def test_mistakes_in_value_maps_and_options_are_shown_and_kept(mapper, over, field, message):
    c, url = mapper
    r = c.post(url, good_post(**over))
    assert r.status_code == 400
    page = r.content.decode()
    assert message in page
    assert ImportBatch.objects.count() == 0
    value = next(iter(over.values()))
    assert value.split("\n")[0].split(" = ")[0] in page  # what was typed is still there


def test_creating_areas_needs_an_existing_parent_and_the_right(mapper, client_for, users, geo):
    c, url = mapper
    r = c.post(url, good_post(unknown_area="create", new_areas_under="IN-XX"))
    assert r.status_code == 400 and "no area with code “IN-XX”" in r.content.decode()
    assert not Area.objects.filter(code="IN-XX").exists() and ImportBatch.objects.count() == 0


def test_value_text_round_trips():
    values = {
        "D": {"voted": True, "party": "DEM"},
        "Q": "A",
        "Z": "",
        "M": {"method": "mail", "party": "R"},
    }
    text = values_text(values)
    assert parse_values(text, vote=True) == {
        "D": {"voted": True, "party": "DEM"},
        "Q": "A",
        "Z": "",
        "M": {"voted": True, "method": "mail", "party": "R"},
    }
    assert parse_values("D = Democratic\n\n R=Republican ", vote=False) == {
        "D": "Democratic",
        "R": "Republican",
    }
