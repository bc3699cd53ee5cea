"""The area picker's search (scoped, any script, with paths) and its field."""

from __future__ import annotations

import pytest
from django import forms
from django.http import QueryDict
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.geography import services
from grassroots.geography.models import AreaKind
from grassroots.geography.widgets import AreaField


def _search(client, q):
    r = client.get(reverse("geography:area_search"), {"q": q, "format": "json"})
    assert r.status_code == 200
    return r.json()["results"]


@pytest.mark.django_db
def test_search_by_name_code_or_native_script_shows_paths_and_keeps_scope(client_for, geo, users):
    part = AreaKind.objects.get(code="part")
    services.area_create(
        actor=SYSTEM,
        kind=part,
        code="WB-AC158-P012",
        name="Part 12 - Mitra Institution",
        native_name="ভাগ ১২ - মিত্র ইনস্টিটিউশন",
        parent=geo["ac"],
    )
    manager = client_for(users["manager"])
    # a code with hyphens, as typed (the hint's own example)
    [hit] = _search(manager, "WB-AC158-P012")
    assert hit["code"] == "WB-AC158-P012"
    assert hit["label"] == "India › West Bengal › Bhabanipur › Part 12 - Mitra Institution"
    assert hit["kind"] == "Part"
    # words of a name in any order, with spaces and hyphens
    assert [h["code"] for h in _search(manager, "mitra part")] == ["WB-AC158-P012"]
    assert [h["code"] for h in _search(manager, "Part 12 - Mitra")] == ["WB-AC158-P012"]
    # Bengali
    assert [h["code"] for h in _search(manager, "মিত্র")] == ["WB-AC158-P012"]
    # a constituency comes before its booths
    codes = [h["code"] for h in _search(manager, "bhabanipur")]
    assert codes[0] == "IN-WB-AC1"
    # the volunteer of part 1 sees only part 1
    volunteer = client_for(users["volunteer"])
    assert [h["code"] for h in _search(volunteer, "part")] == ["IN-WB-AC1-P001"]
    assert _search(volunteer, "WB-AC158-P012") == []
    assert client_for(users["nobody"]).get(reverse("geography:area_search")).status_code == 403


class _Form(forms.Form):
    area = AreaField(label="Area")
    areas = AreaField(label="Areas", multiple=True)


@pytest.mark.django_db
def test_the_field_takes_a_picked_code_or_typed_text_inside_the_scope(geo, users):
    def form(actor, **data):
        f = _Form(QueryDict(mutable=True))
        f.data = QueryDict(mutable=True)
        for k, v in data.items():
            f.data.setlist(k, v if isinstance(v, list) else [v])
        for name in ("area", "areas"):
            f.fields[name].actor = actor
        f.is_bound = True
        return f

    f = form(users["manager"], area="IN-WB-AC1-P002", areas=["IN-WB-AC1", "IN-WB-AC1-P001"])
    assert f.is_valid(), f.errors
    assert f.cleaned_data["area"] == geo["p2"]
    assert f.cleaned_data["areas"] == [geo["ac"], geo["p1"]]
    # typed, nothing picked: a code in any case, or a name only one area has
    f = form(users["manager"], area="", area__text="in-wb-ac1-p002")
    assert f.is_valid() and f.cleaned_data["area"] == geo["p2"]
    f = form(users["manager"], area="", area__text="Bhabanipur")
    assert f.is_valid() and f.cleaned_data["area"] == geo["ac"]
    f = form(users["manager"], area="", area__text="West Bengal › Bhabanipur › Part 2")
    assert f.is_valid() and f.cleaned_data["area"] == geo["p2"]
    f = form(users["manager"], area="", area__text="Atlantis")
    assert not f.is_valid() and "No area matches “Atlantis”" in f.errors["area"][0]
    # outside the volunteer's scope: unknown, by code or by name
    f = form(users["volunteer"], area="IN-WB-AC1-P002")
    assert not f.is_valid() and "Unknown area code" in f.errors["area"][0]
    f = form(users["volunteer"], area="", area__text="Part 2")
    assert not f.is_valid()
    # the form re-renders what was typed
    html = str(form(users["manager"], area="", area__text="Atlantis")["area"])
    assert 'value="Atlantis"' in html and 'role="combobox"' in html
    assert 'aria-controls="id_area_listbox"' in html and 'id="id_area_listbox"' in html


@pytest.mark.django_db
def test_a_users_areas_are_chosen_with_the_picker(client_for, geo, users):
    from grassroots.accounts.forms import UserAccessForm

    form = UserAccessForm()
    html = str(form["scope_areas"])
    assert 'role="combobox"' in html and "area-chips" in html
    data = QueryDict(mutable=True)
    data.setlist("scope_areas", ["IN-WB-AC1-P001", "IN-WB-AC1-P002"])
    data["scope_areas__text"] = ""
    form = UserAccessForm(data)
    form.is_valid()
    assert "scope_areas" not in form.errors
    assert form.cleaned_data["scope_areas"] == [geo["p1"], geo["p2"]]
    # an existing user's areas show as chips with their paths
    form = UserAccessForm(initial={"scope_areas": [geo["p1"]]})
    assert "Bhabanipur › Part 1" in str(form["scope_areas"])
