import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.geography import selectors, services
from grassroots.geography.models import Area


def test_paths_make_descendant_queries_one_range(geo):
    p1 = geo["p1"]
    assert p1.depth == 3
    assert p1.path.startswith(geo["ac"].path) and geo["ac"].path.startswith(geo["state"].path)
    subtree = Area.objects.filter(path__startswith=geo["ac"].path).values_list("code", flat=True)
    assert sorted(subtree) == ["IN-WB-AC1", "IN-WB-AC1-P001", "IN-WB-AC1-P002"]
    assert [
        a.code for a in Area.objects.filter(path__in=p1.ancestor_paths()).order_by("depth")
    ] == ["IN", "IN-WB", "IN-WB-AC1"]


def test_duplicate_area_code_rejected(geo):
    with pytest.raises(ValidationError):
        services.area_create(
            actor=SYSTEM,
            kind=geo["kinds"]["part"],
            code="IN-WB-AC1-P001",
            name="Dup",
            parent=geo["ac"],
        )


def test_polling_station_only_on_polling_units(geo):
    with pytest.raises(ValidationError):
        services.polling_station_set(actor=SYSTEM, area=geo["ac"], name="Nope")


def test_scope_of_users(geo, users):
    assert selectors.scope_paths(users["manager"]) is None
    assert selectors.scope_paths(users["volunteer"]) == [geo["p1"].path]
    assert selectors.scope_paths(users["nobody"]) == []
    assert set(selectors.area_visible_to(users["organiser"]).values_list("code", flat=True)) == {
        "IN-WB-AC1",
        "IN-WB-AC1-P001",
        "IN-WB-AC1-P002",
    }
    assert [a.code for a in selectors.area_roots_for(users["volunteer"])] == ["IN-WB-AC1-P001"]
    assert [a.code for a in selectors.area_roots_for(users["manager"])] == ["IN"]


def test_tree_view_counts_and_scope(client_for, people, users, geo):
    c = client_for(users["manager"])
    r = c.get(reverse("geography:area_detail", args=[geo["ac"].pk]))
    assert r.status_code == 200
    rows = dict((child.code, stats) for child, stats in r.context["rows"])
    assert rows["IN-WB-AC1-P001"] == {"people": 2, "households": 1}
    assert rows["IN-WB-AC1-P002"] == {"people": 1, "households": 0}
    assert r.context["area_stats"]["people"] == 3
    body = r.content.decode()
    assert "Mitra Institution" not in body  # the station shows on the part's own page
    r = c.get(reverse("geography:area_detail", args=[geo["p1"].pk]))
    assert "Mitra Institution" in r.content.decode()
    # the volunteer sees their booth, not its sibling nor its parent
    v = client_for(users["volunteer"])
    assert v.get(reverse("geography:area_detail", args=[geo["p1"].pk])).status_code == 200
    assert v.get(reverse("geography:area_detail", args=[geo["p2"].pk])).status_code == 404
    assert v.get(reverse("geography:area_detail", args=[geo["ac"].pk])).status_code == 404
    r = v.get(reverse("geography:area_tree"))
    assert [a.code for a, _s in r.context["rows"]] == ["IN-WB-AC1-P001"]


def test_tree_view_authorisation(client, client_for, geo, users):
    url = reverse("geography:area_tree")
    assert client.get(url).status_code == 302
    assert client_for(users["nobody"]).get(url).status_code == 403
    assert client_for(users["finance"]).get(url).status_code == 200


def test_area_search(client_for, geo, users):
    r = client_for(users["manager"]).get(reverse("geography:area_search") + "?q=part")
    assert [a.code for a in r.context["areas"]] == ["IN-WB-AC1-P001", "IN-WB-AC1-P002"]
    r = client_for(users["volunteer"]).get(reverse("geography:area_search") + "?q=part")
    assert [a.code for a in r.context["areas"]] == ["IN-WB-AC1-P001"]


def test_elections_show_on_areas_below(client_for, geo, users):
    import datetime as dt

    e = services.election_create(
        actor=users["admin"],
        name="West Bengal Assembly 2026",
        kind="general",
        date=dt.date(2026, 4, 1),
        area=geo["state"],
        code="wb-2026",
    )
    services.race_create(actor=users["admin"], election=e, area=geo["ac"], office="MLA, Bhabanipur")
    r = client_for(users["manager"]).get(reverse("geography:area_detail", args=[geo["p1"].pk]))
    assert (
        "West Bengal Assembly 2026" in r.content.decode()
        and "MLA, Bhabanipur" in r.content.decode()
    )


def test_tree_query_count_constant(client_for, geo, users, django_assert_max_num_queries):
    for i in range(3, 30):
        services.area_create(
            actor=SYSTEM,
            kind=geo["kinds"]["part"],
            code=f"IN-WB-AC1-P{i:03d}",
            name=f"Part {i}",
            parent=geo["ac"],
        )
    c = client_for(users["manager"])
    with django_assert_max_num_queries(16):
        assert c.get(reverse("geography:area_detail", args=[geo["ac"].pk])).status_code == 200
