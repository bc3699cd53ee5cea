"""The registration fields US voter files carry (issue 13 §7): name suffix, party registration,
registration date, voter status (an open vocabulary), and a primary's ballot party — on the
person page, in the people filters and through the person services."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from grassroots.core.access import SYSTEM
from grassroots.geography import services as geo_services
from grassroots.people import services
from grassroots.people.models import Person, VoteHistory


def voter(geo, **fields) -> Person:
    return services.person_create(
        actor=SYSTEM, data={"given_name": "Ann", "family_name": "Lee", "area": geo["p1"], **fields}
    )


def test_the_person_page_shows_the_registration_and_the_ballot_party(geo, users, client_for):
    ann = voter(
        geo,
        name_suffix="Jr",
        party="Democratic",
        registration_date=dt.date(1990, 10, 1),
        voter_status="Inactive",
    )
    assert ann.voter_status == "inactive"  # the vocabulary is kept lower-case
    election = geo_services.election_create(
        actor=SYSTEM,
        name="2024 primary",
        kind="primary",
        date=dt.date(2024, 3, 5),
        area=geo["p1"],
        code="us-2024-primary",
    )
    VoteHistory.objects.create(person=ann, election=election, voted=True, ballot_party="DEM")
    page = client_for(users["manager"]).get(reverse("people:person_detail", args=[ann.pk]))
    text = page.content.decode()
    assert "Ann Lee Jr" in text
    assert "Party registration" in text and "Democratic" in text
    assert "Voter status" in text and "Inactive" in text
    assert "Registration date" in text and "1990-10-01" in text
    assert "DEM ballot" in text


def test_a_status_no_list_knows_is_kept_and_shown_as_it_is(geo, users, client_for):
    ann = voter(geo, voter_status="Confirmation Mailed")
    assert ann.voter_status == "confirmation mailed"
    assert ann.voter_status_label == "confirmation mailed"
    page = client_for(users["manager"]).get(reverse("people:person_detail", args=[ann.pk]))
    assert "confirmation mailed" in page.content.decode()


def test_people_are_filtered_by_party_and_voter_status(geo, users, client_for):
    voter(geo, party="Democratic", voter_status="active")
    voter(geo, given_name="Bob", party="Republican", voter_status="inactive")
    voter(geo, given_name="Cy", party="democratic", voter_status="inactive")
    c = client_for(users["manager"])

    def names(**params):
        r = c.get(reverse("people:person_list"), params)
        assert r.status_code == 200
        return {p.given_name for p in r.context["page"].object_list}

    assert names(party="DEMOCRATIC") == {"Ann", "Cy"}
    assert names(voter_status="inactive") == {"Bob", "Cy"}
    assert names(voter_status="Inactive", party="Democratic") == {"Cy"}  # the label works too


def test_a_merge_keeps_the_registration_only_the_other_record_has(geo):
    from grassroots.people.dedupe import review
    from grassroots.people.merge import person_merge

    signup = voter(geo)  # signed up on the website: no registration
    from_file = voter(
        geo,
        name_suffix="Jr",
        party="Democratic",
        registration_date=dt.date(1990, 10, 1),
        voter_status="active",
    )
    take = review.fill_blanks(signup, from_file)
    assert {"name_suffix", "party", "registration_date", "voter_status"} <= set(take)
    person_merge(actor=SYSTEM, survivor=signup, loser=from_file, take_from_loser=take)
    signup.refresh_from_db()
    assert (signup.party, signup.voter_status, signup.name_suffix) == ("Democratic", "active", "Jr")
    assert signup.registration_date == dt.date(1990, 10, 1)
