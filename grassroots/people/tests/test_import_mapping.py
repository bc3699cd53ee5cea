"""The mapping step: upload → preview and pre-filled choosers → transforms, constants, match
rules, save as template → the check runs with that mapping. Bad mappings come back with
everything the user entered."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grassroots.core.models import AuditEvent
from grassroots.people.imports.mapping import validate_mapping
from grassroots.people.models import ImportBatch, ImportTemplate, Person
from grassroots.people.tests.test_import import ROLL_HEADER, ROLL_ROWS
from grassroots.testing.users import make_user

HEADER = ["Given", "Surname", "Born", "Cell", "Voter No", "Notes"]
ROWS = [
    ["Asha", "Rao", "28/02/1987", "98300 11111", "V-1", "met at rally"],
    ["Bina", "Sen", "03/11/1990", "", "V-2", ""],
    ["Chitra", "Das", "15/07/1975", "94330 22222", "V-3", "prefers Bengali"],
    ["Dev", "Roy", "31/31/1980", "", "V-4", "bad date"],
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def csv_bytes(header, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def upload(c, content=None, name="people.csv", template="", next_step="map"):
    content = csv_bytes(HEADER, ROWS) if content is None else content
    data = {
        "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        "template": template,
    }
    if next_step:
        data["next"] = next_step
    return c.post(reverse("people:import_list"), data)


def selected(page: str, name: str) -> str | None:
    """The selected option's value of the <select name=...> in the page."""
    m = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert m, name
    opt = re.search(r'<option value="([^"]*)"[^>]*selected', m.group(1))
    return opt.group(1) if opt else None


def value_of(page: str, name: str) -> str | None:
    m = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert m, name
    v = re.search(r'value="([^"]*)"', m.group(0))
    return v.group(1) if v else None


def good_post(**over) -> dict:
    """The mapping a person would choose for HEADER by hand."""
    data = {
        "const_count": "3",
        "start": "",
        "action": "check",
        "c0_target": "person.given_name",
        "c1_target": "person.family_name",
        "c2_target": "person.birth_date",
        "c2_format": "%d/%m/%Y",
        "c3_target": "phone",
        "c3_region": "in",
        "c4_target": "external_id:",
        "c4_key": "voter",
        "c5_target": "ignore",
        "k0_target": "person.source",
        "k0_value": "2026 state file",
        "k1_target": "",
        "k1_value": "",
        "k2_target": "",
        "k2_value": "",
        "match": ["external_id", "name_birth"],
        "default_region": "IN",
        "area_code": "",
        "save_as": "",
        "description": "",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def mapper(client_for, users, geo):
    """A manager's client with the test file uploaded and staged: (client, mapping URL)."""
    c = client_for(users["manager"])
    r = upload(c)
    assert r.status_code == 302, r.content
    assert r["Location"].startswith("/people/imports/map/")
    return c, r["Location"]


# --- the screen --------------------------------------------------------------------------


def test_upload_goes_to_the_mapping_screen_with_a_preview_and_guesses(mapper, media):
    c, url = mapper
    assert ImportBatch.objects.count() == 0  # nothing is an import yet
    assert len(list((media / "imports" / "staged").glob("*.csv"))) == 1
    page = c.get(url).content.decode()
    assert "Map the columns" in page and "people.csv" in page
    # preview: every header, every sample row
    for h in HEADER:
        assert f'<th scope="col">{h}</th>' in page
    assert "prefers Bengali" in page and "31/31/1980" in page
    # guesses from the header names: "Surname" is a last name, "Given"/"Born" are not known
    assert selected(page, "c1_target") == "person.family_name"
    assert selected(page, "c0_target") == "ignore"
    assert selected(page, "c2_target") == "ignore"
    # samples beside each column
    assert "Asha · Bina · Chitra" in page
    assert "met at rally · prefers Bengali · bad date" in page  # empty cells skipped
    # the chooser is grouped and offers "ignore"
    assert '<optgroup label="Person">' in page and '<optgroup label="Vote history">' in page
    assert '<option value="ignore"' in page
    # transforms that do not apply are hidden and disabled (not sent with the form)
    assert re.search(
        r'<fieldset class="field"[^>]*x-cloak disabled>\s*<label for="id_c0_key">',
        page,
    )


def test_preview_shows_only_the_first_ten_rows(client_for, users, geo):
    c = client_for(users["manager"])
    rows = [[f"Name{i:02d}", "X", "", "", f"V{i}", ""] for i in range(1, 15)]
    r = upload(c, csv_bytes(HEADER, rows))
    page = c.get(r["Location"]).content.decode()
    assert "Name10" in page and "Name11" not in page
    assert "The first 10 rows of the file" in page


def test_starting_from_a_template_prefills_the_choosers(client_for, users, geo):
    c = client_for(users["manager"])
    r = upload(c, csv_bytes(ROLL_HEADER, ROLL_ROWS), template="india-roll")
    page = c.get(r["Location"]).content.decode()
    assert selected(page, "c5_target") == "person.full_name"  # Name
    assert selected(page, "c4_target") == "external_id:"  # EPIC
    assert value_of(page, "c4_key") == "epic"
    assert selected(page, "c0_target") == "area.ac"
    assert value_of(page, "area_code") == "IN-WB-AC{ac}-P{part:03d}"
    assert value_of(page, "c10_as_of") == "2026-01-01"  # Age, as of the roll's date
    assert value_of(page, "default_region") == "IN"
    # the template's constants, then empty rows for more
    assert selected(page, "k0_target") == "address.country" and value_of(page, "k0_value") == "IN"
    assert selected(page, "k1_target") == "person.source"
    assert selected(page, "k2_target") == ""
    # switching template from the screen
    page = c.get(r["Location"], {"template": "us-voter-file"}).content.decode()
    assert "The template also maps columns this file does not have" in page
    assert selected(page, "c5_target") == "person.full_name"  # not in that template: guessed


def test_unknown_template_in_the_url_falls_back_to_guessing(mapper):
    c, url = mapper
    r = c.get(url, {"template": "nope"}, follow=True)
    assert r.status_code == 200
    assert "No import template “nope”" in r.content.decode()


# --- from mapping to check ---------------------------------------------------------------


def test_mapping_by_hand_saves_a_template_and_checks_with_it(
    mapper, users, media, django_capture_on_commit_callbacks
):
    c, url = mapper
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(url, good_post(save_as="state-file-2026", description="Our 2026 state file"))
    batch = ImportBatch.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse(
        "people:import_detail", args=[batch.pk]
    )
    assert batch.dry_run and batch.status == "succeeded"
    assert batch.counts == {  # Dev is imported without his impossible birth date
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "rows": 4,
        "values_rejected": 1,
    }
    assert batch.template == "state-file-2026" and batch.filename == "people.csv"
    assert Person.objects.count() == 0  # a check writes nothing
    expected = {
        "columns": {
            "Given": "person.given_name",
            "Surname": "person.family_name",
            "Born": {"target": "person.birth_date", "format": "%d/%m/%Y"},
            "Cell": {"target": "phone", "region": "IN"},
            "Voter No": "external_id:voter",
        },
        "constants": {"person.source": "2026 state file"},
        "options": {"default_region": "IN", "match": ["external_id", "name_birth"]},
    }
    assert batch.mapping == expected
    saved = ImportTemplate.objects.get(name="state-file-2026")
    assert saved.mapping == expected and saved.description == "Our 2026 state file"
    assert AuditEvent.objects.filter(action="people.import_template_saved").count() == 1
    # the staged upload is gone; the batch keeps its own copy
    assert not list((media / "imports" / "staged").glob("*"))
    page = c.get(r["Location"]).content.decode()
    assert "Saved the mapping as the template “state-file-2026”." in page
    # (after reading the message: the 404 page is drawn in the layout, which shows messages)
    assert c.get(url).status_code == 404
    assert "Would create" in page and "31/31/1980" in page  # the rejected value is shown

    # the import for real applies the transforms and the constant
    with django_capture_on_commit_callbacks(execute=True):
        c.post(r["Location"], {"action": "run"})
    asha = Person.objects.get(given_name="Asha")
    assert str(asha.birth_date) == "1987-02-28" and asha.source == "2026 state file"
    assert asha.contact_points.get().value == "+919830011111"

    # the new template is offered next time, and pre-fills the same file's columns
    r = upload(c, template="state-file-2026")
    page = c.get(r["Location"]).content.decode()
    assert selected(page, "c0_target") == "person.given_name"
    assert selected(page, "c2_format") == "%d/%m/%Y"
    assert value_of(page, "c3_region") == "IN"
    assert value_of(page, "k0_value") == "2026 state file"


def test_full_name_last_first_and_age_as_of(
    client_for, users, geo, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    content = csv_bytes(["Voter", "Years", "ID"], [["Rao, Asha Devi", "40", "A1"]])
    url = upload(c, content)["Location"]
    data = {
        "const_count": "0",
        "action": "check",
        "c0_target": "person.full_name",
        "c0_order": "last_first",
        "c1_target": "person.age",
        "c1_as_of": "2020-01-01",
        "c2_target": "external_id:",
        "c2_key": "voter",
        "match": ["external_id"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    batch = ImportBatch.objects.get()
    assert batch.mapping["columns"]["Voter"] == "person.full_name_last_first"
    assert batch.mapping["options"] == {"age_as_of": "2020-01-01", "match": ["external_id"]}
    assert batch.template == ""  # a mapping of its own
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("people:import_detail", args=[batch.pk]), {"action": "run"})
    p = Person.objects.get()
    assert (p.given_name, p.middle_name, p.family_name) == ("Asha", "Devi", "Rao")
    assert p.born_estimate.year in (1979, 1980)


def test_an_unchanged_template_mapping_is_recorded_by_name(
    client_for, users, geo, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    url = upload(c, csv_bytes(ROLL_HEADER, ROLL_ROWS), template="osdi-sample")["Location"]
    # submit what the screen shows for osdi-sample on this file (nothing of it fits, so the
    # guesses take over and the mapping is the user's own)
    url = upload(c, csv_bytes(ROLL_HEADER, ROLL_ROWS), template="india-roll")["Location"]
    page = c.get(url).content.decode()
    data = {"const_count": "5", "start": "india-roll", "action": "check"}
    for name in re.findall(r'<select name="([^"]+)"', page):
        if name != "template":
            data[name] = selected(page, name) or ""
    for name in re.findall(r'<input[^>]*name="([^"]+)"', page):
        if name not in data and name != "csrfmiddlewaretoken":
            data[name] = value_of(page, name) or ""
    data["match"] = ["external_id", "name_birth"]
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(url, data)
    assert r.status_code == 302, r.content.decode()[:2000]
    batch = ImportBatch.objects.get()
    assert batch.counts["created"] == 3 and batch.counts["rejected"] == 0
    assert batch.template == "india-roll"


# --- invalid mappings keep what was entered -----------------------------------------------


def test_a_mapping_that_maps_nothing_comes_back_with_everything_entered(mapper):
    c, url = mapper
    data = good_post(
        save_as="keep-me", description="kept", **{f"c{i}_target": "ignore" for i in range(6)}
    )
    data["c4_key"] = "voter"
    r = c.post(url, data)
    assert r.status_code == 400
    page = r.content.decode()
    assert "The mapping maps no column" in page
    assert value_of(page, "save_as") == "keep-me" and value_of(page, "description") == "kept"
    assert selected(page, "k0_target") == "person.source"
    assert value_of(page, "k0_value") == "2026 state file"
    assert selected(page, "c2_format") == "%d/%m/%Y"
    assert value_of(page, "c4_key") == "voter"
    assert "prefers Bengali" in page  # the preview is still there
    assert ImportBatch.objects.count() == 0 and ImportTemplate.objects.count() == 0


def test_a_column_mapped_twice_is_an_error_on_that_column(mapper):
    c, url = mapper
    r = c.post(url, good_post(c5_target="person.given_name"))
    assert r.status_code == 400
    page = r.content.decode()
    assert "Column “Given” already goes to this field; choose one of the two." in page
    assert selected(page, "c5_target") == "person.given_name"  # kept, to be fixed
    # the summary at the top links to the column at fault
    assert '<li><a href="#id_c5_target">Notes</a>: Column “Given” already goes' in page
    assert ImportBatch.objects.count() == 0
    # two phone columns are fine
    r = c.post(url, good_post(c5_target="phone"))
    assert r.status_code == 302


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"c4_key": ""}, "Name it: lower-case letters"),
        ({"c4_key": "Voter No!"}, "Name it: lower-case letters"),
        ({"c3_region": "ZZ"}, "“ZZ” is not a country code"),
        ({"default_region": "India"}, "Ensure this value has at most 2 characters"),
        ({"c0_target": "person.nonsense"}, "Select a valid choice"),
        ({"match": []}, "Choose at least one, or every row would become a new person."),
        ({"k1_target": "address.region"}, "Give the value, or clear the field."),
        ({"k1_value": "CA"}, "Choose the field this value goes to."),
        ({"k1_target": "person.source", "k1_value": "x"}, "This field already has a value above."),
        ({"c5_target": "area.ac"}, "Give the pattern that builds the area code"),
        ({"c5_target": "area.ac", "area_code": "AC{nope}"}, "Use {ac} and {part} in the pattern"),
        ({"save_as": "us-voter-file"}, "“us-voter-file” is a built-in template"),
        ({"save_as": "Not A Slug"}, "A template name is 1–60 lower-case letters"),
    ],
)
def test_invalid_entries_are_explained_and_nothing_is_saved(mapper, over, message):
    c, url = mapper
    r = c.post(url, good_post(**over))
    assert r.status_code == 400
    assert message in r.content.decode()
    assert ImportBatch.objects.count() == 0 and ImportTemplate.objects.count() == 0


def test_save_as_an_existing_template_name_is_refused(mapper):
    ImportTemplate.objects.create(name="mine", mapping={"columns": {"A": "person.given_name"}})
    c, url = mapper
    r = c.post(url, good_post(save_as="mine"))
    assert r.status_code == 400
    assert "A template named “mine” already exists" in r.content.decode()
    # listed in the summary at the top, linked to the field
    assert (
        '<li><a href="#id_save_as">Save this mapping as a template named</a>: A template named'
        in r.content.decode()
    )
    assert ImportBatch.objects.count() == 0
    assert ImportTemplate.objects.get().mapping == {"columns": {"A": "person.given_name"}}


def test_validate_mapping_refuses_one_field_from_two_columns():
    with pytest.raises(ValidationError) as exc:
        validate_mapping({"columns": {"A": "person.given_name", "B": "person.given_name"}})
    assert "both go to “person.given_name”" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        validate_mapping({"columns": {"A": "person.full_name", "B": "person.full_name_last_first"}})
    validate_mapping({"columns": {"A": "phone", "B": "phone", "C": "email", "D": "email"}})
    validate_mapping({"columns": {"A": "external_id:epic", "B": "external_id:voter"}})


# --- discard, bad uploads, who may -------------------------------------------------------


def test_discard_removes_the_staged_upload(mapper, media):
    c, url = mapper
    r = c.post(url, {"action": "discard"}, follow=True)
    assert r.redirect_chain[-1][0] == reverse("people:import_list")
    assert "The upload was discarded." in r.content.decode()
    assert not list((media / "imports" / "staged").glob("*"))
    assert c.get(url).status_code == 404


def test_unreadable_upload_is_refused_before_the_mapping_step(client_for, users, geo, media):
    c = client_for(users["manager"])
    r = upload(c, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, name="photo.csv")
    assert r.status_code == 400
    assert "does not look like a CSV or Excel file" in r.content.decode()
    assert not list((media / "imports" / "staged").glob("*"))
    r = upload(c, b"", name="empty.csv")
    assert r.status_code == 400 and "The file is empty." in r.content.decode()


def test_upload_with_a_template_and_no_step_goes_straight_to_the_check(
    client_for, users, geo, django_capture_on_commit_callbacks
):
    c = client_for(users["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        r = upload(c, csv_bytes(ROLL_HEADER, ROLL_ROWS), template="india-roll", next_step="check")
    batch = ImportBatch.objects.get()
    assert r["Location"] == reverse("people:import_detail", args=[batch.pk])
    assert batch.counts["created"] == 3
    # "check as it is" needs a template
    r = upload(c, template="", next_step="check")
    assert r.status_code == 400
    assert "Choose the template to check the file with, or map the columns." in r.content.decode()
    assert ImportBatch.objects.count() == 1


def test_who_may_map(mapper, client_for, users, geo):
    c, url = mapper
    before = (ImportBatch.objects.count(), ImportTemplate.objects.count())
    anon = client_for(None)
    r = anon.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))
    assert anon.post(url, good_post()).status_code == 302
    for who in ("volunteer", "organiser", "finance", "auditor", "nobody"):
        other = client_for(users[who])
        assert other.get(url).status_code == 403, who
        assert other.post(url, good_post(save_as="x")).status_code == 403, who
    # another user who may import still cannot see or use this person's upload
    admin = client_for(users["admin"])
    assert admin.get(url).status_code == 404
    assert admin.post(url, good_post(save_as="x")).status_code == 404
    assert admin.post(url, {"action": "discard"}).status_code == 404
    data = client_for(make_user("data", "data_manager", scope_all=True))
    assert data.get(url).status_code == 404
    assert data.get(reverse("people:import_map", args=["..etc"])).status_code == 404
    assert (ImportBatch.objects.count(), ImportTemplate.objects.count()) == before
    assert c.get(url).status_code == 200  # still there for its owner


# --- smart defaults and mapping a checked file again -------------------------------------


def test_date_format_is_preselected_only_when_the_samples_allow_one(client_for, users, geo):
    from grassroots.people.imports.forms import guess_date_format

    assert guess_date_format(["03/14/1961", "01/09/1994"]) == "%m/%d/%Y"
    assert guess_date_format(["28/02/1987", "01/09/1994"]) == "%d/%m/%Y"
    assert guess_date_format(["01/09/1994"]) == ""  # either way round
    assert guess_date_format(["1994-09-01"]) == "%Y-%m-%d"
    assert guess_date_format(["", "soon"]) == ""

    c = client_for(users["manager"])
    content = csv_bytes(["Name", "DOB"], [["A B", "03/14/1961"], ["C D", "01/09/1994"]])
    page = c.get(upload(c, content)["Location"]).content.decode()
    assert selected(page, "c1_target") == "person.birth_date"
    assert selected(page, "c1_format") == "%m/%d/%Y"


def test_change_the_mapping_of_a_check_and_check_again(
    mapper, users, media, django_capture_on_commit_callbacks
):
    c, url = mapper
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(url, good_post(c2_format=""))  # Born read without a format
    first = ImportBatch.objects.get()
    detail = r["Location"]
    assert "Change the mapping" in c.get(detail).content.decode()

    r = c.post(detail, {"action": "remap"})
    assert r.status_code == 302 and r["Location"].startswith("/people/imports/map/")
    page = c.get(r["Location"]).content.decode()
    assert "Filled in from the mapping of the last check." in page
    assert selected(page, "c0_target") == "person.given_name"
    assert value_of(page, "c4_key") == "voter"
    assert value_of(page, "c3_region") == "IN"
    assert selected(page, "c5_target") == "ignore"
    assert value_of(page, "k0_value") == "2026 state file"

    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(r["Location"], good_post())
    second = ImportBatch.objects.exclude(pk=first.pk).get()
    assert second.dry_run and second.mapping["columns"]["Born"]["format"] == "%d/%m/%Y"
    assert second.sha256 == first.sha256 and second.filename == "people.csv"
    # a real import is not re-mapped (there is nothing to check again)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("people:import_detail", args=[second.pk]), {"action": "run"})
    real = ImportBatch.objects.get(dry_run=False)
    page = c.get(r["Location"]).content.decode()
    assert "Change the mapping" not in page
    assert c.post(r["Location"], {"action": "remap"}).status_code == 404
    assert real.counts["created"] == 4 and real.counts["values_rejected"] == 1


def test_remap_needs_the_capability(
    mapper, client_for, users, media, django_capture_on_commit_callbacks
):
    c, url = mapper
    with django_capture_on_commit_callbacks(execute=True):
        detail = c.post(url, good_post())["Location"]
    staged_before = sorted((media / "imports" / "staged").glob("*"))
    for who in ("volunteer", "auditor"):
        assert client_for(users[who]).post(detail, {"action": "remap"}).status_code == 403
    assert sorted((media / "imports" / "staged").glob("*")) == staged_before
