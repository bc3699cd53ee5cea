"""The person picker: its scoped search, its field, and the forms that use it."""

from __future__ import annotations

import pytest
from django import forms
from django.http import QueryDict
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.people import services
from grassroots.people.widgets import PersonField
from grassroots.testing.matrix import LOGIN, assert_matrix, html_client
from grassroots.testing.queries import capture


def _search(client, q):
    r = client.get(reverse("people:person_search"), {"q": q})
    assert r.status_code == 200
    return r.json()["results"]


@pytest.mark.django_db
def test_search_by_name_any_script_phone_or_email_inside_the_scope(client_for, users, people):
    manager = client_for(users["manager"])
    [hit] = _search(manager, "ananya")
    assert hit == {
        "code": str(people["ananya"].pk),
        "name": "Ananya Das",
        "native_name": "অনন্যা দাস",
        "label": "Ananya Das",
        "meta": "Part 1 · …2345",
    }
    # Bengali, Devanagari, a phone as typed, an email, an id
    assert [h["code"] for h in _search(manager, "অনন্যা")] == [str(people["ananya"].pk)]
    assert [h["code"] for h in _search(manager, "राहुल")] == [str(people["rahul"].pk)]
    assert [h["code"] for h in _search(manager, "94330 55555")] == [str(people["rahul"].pk)]
    assert [h["code"] for h in _search(manager, "ananya@example.org")] == [str(people["ananya"].pk)]
    assert [h["code"] for h in _search(manager, str(people["rahul"].pk))] == [
        str(people["rahul"].pk)
    ]
    # two of one family name: both, each with its hint
    assert {h["name"] for h in _search(manager, "das")} == {"Ananya Das", "Sourav Das"}
    assert _search(manager, "") == []
    # the volunteer of part 1 never sees Rahul (part 2), by name, script, phone or id
    volunteer = client_for(users["volunteer"])
    for q in ("rahul", "राहुल", "+91 94330 55555", str(people["rahul"].pk), "sharma"):
        assert _search(volunteer, q) == []
    assert [h["name"] for h in _search(volunteer, "das")] == ["Ananya Das", "Sourav Das"]


@pytest.mark.django_db
def test_search_authorisation_and_limit(users, people, geo):
    url = reverse("people:person_search") + "?q=rahul"
    assert_matrix(
        html_client, "get", url,
        users={"anonymous": None, "wrong_role": users["nobody"],
               "out_of_scope": users["volunteer"], "allowed": users["organiser"]},
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 200, "allowed": 200},
        leaks=["Rahul"],
    )  # fmt: skip
    assert "Rahul" not in html_client(users["volunteer"]).get(url).content.decode()
    for i in range(25):
        services.person_create(
            actor=SYSTEM, data={"given_name": f"Moumita{i:02d}", "area": geo["p1"]}
        )
    c = html_client(users["manager"])
    results, queries = capture(lambda: _search(c, "moumita"))
    assert len(results) == 20
    assert len(queries) <= 8  # session, user, roles...; not one per person


class _Form(forms.Form):
    one = PersonField(label="One")
    many = PersonField(label="Many", multiple=True)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["one"].actor = actor
        self.fields["many"].actor = actor


def _bound(actor, **data):
    q = QueryDict(mutable=True)
    for k, v in data.items():
        q.setlist(k, v if isinstance(v, list) else [v])
    return _Form(q, actor=actor)


@pytest.mark.django_db
def test_the_field_takes_only_people_the_actor_may_see(users, people):
    ananya, sourav, rahul = people["ananya"], people["sourav"], people["rahul"]
    f = _bound(users["manager"], one=str(rahul.pk), many=[str(ananya.pk), str(sourav.pk)])
    assert f.is_valid(), f.errors
    assert f.cleaned_data == {"one": rahul, "many": [ananya, sourav]}
    # typed with no choice (no JavaScript): resolved when it names one person
    f = _bound(users["manager"], one="", one__text="Sharma")
    assert f.is_valid() and f.cleaned_data["one"] == rahul
    f = _bound(users["manager"], one="", one__text="Das")
    assert not f.is_valid() and "Several people match" in f.errors["one"][0]
    # out of scope, missing and nonsense ids: the same "No such person"
    vol = users["volunteer"]
    for bad in (str(rahul.pk), "999999", "abc", "-1"):
        f = _bound(vol, one=bad)
        assert not f.is_valid() and f.errors["one"] == ["No such person."], bad
    f = _bound(vol, many=[str(ananya.pk), str(rahul.pk)])
    assert not f.is_valid() and f.errors["many"] == ["No such person."]
    f = _bound(vol, one="", one__text="Rahul")
    assert not f.is_valid() and f.errors["one"] == ["No such person."]
    # the re-rendered form keeps the chosen people as chips with their names...
    html = str(
        _bound(users["manager"], many=[str(ananya.pk), str(sourav.pk)], one__text="x")["many"]
    )
    assert "Ananya Das" in html and "Sourav Das" in html and 'class="chip"' in html
    assert 'role="combobox"' in html and 'aria-controls="id_many_listbox"' in html
    html = str(_bound(users["manager"], one="", one__text="Nobody Such")["one"])
    assert 'value="Nobody Such"' in html
    # ...but never the name of someone out of scope, even when the id was posted
    html = str(_bound(vol, one=str(rahul.pk), many=[str(rahul.pk)])["many"])
    assert "Rahul" not in html
