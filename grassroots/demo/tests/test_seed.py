import collections
import os
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest
from django.db.models import F
from stdnum.in_ import epic

from grassroots.accounts.models import User
from grassroots.core.phones import normalize_email, normalize_phone
from grassroots.demo.seed import DEMO_PASSWORD, DEMO_USERS, build_plan, seed_demo
from grassroots.geography.models import Area, Election, PollingStation, Race
from grassroots.people.models import (
    Consent,
    ContactPoint,
    ExternalId,
    Household,
    Interaction,
    Person,
    VoteHistory,
)
from grassroots.people.validation import clean_birth, clean_name

SEED, SCALE = 7, 0.02
PROJECT_DIR = Path(__file__).resolve().parents[3]


class FakeReporter:
    def __init__(self):
        self.total = None
        self.progress = 0
        self.lines = []

    def start(self, total=None):
        self.total = total

    def advance(self, progress, *, force=False):
        assert progress >= self.progress
        self.progress = progress

    def log(self, line):
        self.lines.append(line)


@pytest.fixture
def reporter():
    return FakeReporter()


@pytest.fixture
def seeded(db, reporter):
    return seed_demo(seed=SEED, scale=SCALE, reporter=reporter)


def test_plan_is_repeatable():
    a, b = build_plan(seed=SEED, scale=SCALE), build_plan(seed=SEED, scale=SCALE)
    assert a.fingerprint() == b.fingerprint()
    assert a.sample() == b.sample()
    assert a.counts() == b.counts()
    assert build_plan(seed=SEED + 1, scale=SCALE).fingerprint() != a.fingerprint()


def test_plan_does_not_depend_on_hash_randomisation():
    code = (
        "import django; django.setup(); from grassroots.demo.seed import build_plan; "
        f"print(build_plan(seed={SEED}, scale={SCALE}).fingerprint())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242", "DJANGO_SETTINGS_MODULE": "grassroots.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == build_plan(seed=SEED, scale=SCALE).fingerprint()


def test_plan_scales():
    small, larger = build_plan(seed=SEED, scale=SCALE), build_plan(seed=SEED, scale=SCALE * 5)
    assert 4 * small.counts()["people"] < larger.counts()["people"] < 6 * small.counts()["people"]
    with pytest.raises(ValueError):
        build_plan(seed=SEED, scale=0)


def test_seed_writes_the_plan_and_is_idempotent(seeded, reporter):
    plan = build_plan(seed=SEED, scale=SCALE)
    counts = plan.counts()
    assert seeded["skipped"] is False
    assert {k: seeded[k] for k in counts} == counts
    assert Person.objects.count() == counts["people"]
    assert Household.objects.count() == counts["households"]
    assert Area.objects.count() == counts["areas"]
    assert VoteHistory.objects.count() == counts["vote_history"] > 0
    # (the plan's contacts; the events demo adds check-ins at a past canvass and the surveys
    # demo its door and phone attempts on top)
    plan_contacts = Interaction.objects.exclude(source__in=["events.checkin", "surveys"])
    assert plan_contacts.count() == counts["interactions"] > 0
    assert Interaction.objects.filter(source="surveys").exists()
    assert Consent.objects.exclude(source__startswith="survey ").count() == counts["consents"] > 0
    assert Election.objects.count() == 4 and Race.objects.count() >= 4
    db_sample = sorted(
        (name, value)
        for name, value in ExternalId.objects.values_list("person__full_name", "value")
    )[:50]
    assert db_sample == plan.sample(50)
    # the reporter saw the whole job
    assert reporter.total and reporter.progress == reporter.total
    assert reporter.lines
    # a second call is a no-op
    assert seed_demo(seed=SEED, scale=SCALE) == {"skipped": True}
    assert Person.objects.count() == counts["people"]


def test_identifiers_phones_and_emails_are_valid(seeded):
    epics = list(ExternalId.objects.filter(namespace="epic").values_list("value", flat=True))
    assert epics and all(epic.is_valid(v) for v in epics)
    assert len(set(epics)) == len(epics)
    voter_ids = list(
        ExternalId.objects.filter(namespace="us-ca-voter").values_list("value", flat=True)
    )
    assert voter_ids and all(v.isdigit() for v in voter_ids)
    assert ExternalId.objects.count() == Person.objects.count()
    phones = list(ContactPoint.objects.filter(channel="phone").values_list("value", "phone_kind"))
    assert phones
    for value, kind in phones:
        number = phonenumbers.parse(value, None)
        assert phonenumbers.is_valid_number(number), value
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == value
        assert normalize_phone(value)[0] == value
        if value.startswith("+91"):
            assert kind == "mobile" == normalize_phone(value)[1]
    assert any(v.startswith("+91") for v, _k in phones)
    assert any(v.startswith("+1") for v, _k in phones)
    emails = ContactPoint.objects.filter(channel="email").values_list("value", flat=True)
    assert emails and all(normalize_email(v) == v for v in emails)
    # one primary per person and channel
    primaries = collections.Counter(
        ContactPoint.objects.filter(is_primary=True).values_list("person_id", "channel")
    )
    assert set(primaries.values()) == {1}


def test_people_live_in_polling_units(seeded):
    assert not Person.objects.filter(area__isnull=True).exists()
    assert not Person.objects.exclude(area__kind__is_polling_unit=True).exists()
    assert not Person.objects.exclude(area_id=F("household__area_id")).exists()
    assert not Household.objects.exclude(area__kind__is_polling_unit=True).exists()
    # household members share a surname and address
    for hh in Household.objects.filter(area__code__startswith="IN-").prefetch_related("members")[
        :200
    ]:
        assert len({m.family_name for m in hh.members.all()}) == 1
        assert 1 <= hh.members.count() <= 7
        assert hh.address.area.parent_id == hh.area_id  # the address lies in a section of the part
    # serial numbers run 1..N in every part and polling stations count the electors
    for station in PollingStation.objects.select_related("area"):
        people = Person.objects.filter(area=station.area)
        genders = collections.Counter(people.values_list("gender", flat=True))
        assert (genders["male"], genders["female"], genders["other"]) == (
            station.electors_male,
            station.electors_female,
            station.electors_third_gender,
        )
        if station.area.kind.code == "part":
            serials = sorted(people.values_list("serial_number", flat=True))
            assert serials == list(range(1, len(serials) + 1))
    # materialised paths follow areas_bulk_create's scheme
    for area in Area.objects.select_related("parent"):
        expected = (area.parent.path if area.parent else "") + f"{area.pk:07d}/"
        assert area.path == expected


def test_derived_fields_match_the_services(seeded):
    for p in Person.objects.all():
        assert p.full_name == " ".join(x for x in [p.given_name, p.middle_name, p.family_name] if x)
        assert p.born_estimate == clean_birth(p.birth_date, p.age, p.age_as_of)
        assert clean_name(p.native_name, "native", 300) == p.native_name
        if p.area.code.startswith("IN-"):
            assert p.age is not None and 18 <= p.age <= 95 and p.birth_date is None
            assert p.native_name and p.relation_type and p.relative_name
        else:
            assert p.birth_date is not None and p.age is None


def test_demo_users(seeded):
    logins = {username: (role, scope) for username, role, scope in seeded["logins"]}
    assert set(logins) == {u[0] for u in DEMO_USERS}
    for username, _first, _last, role, scope, superuser in DEMO_USERS:
        user = User.objects.get(username=username)
        assert [r.slug for r in user.roles.all()] == [role]
        assert user.check_password(DEMO_PASSWORD)
        assert user.is_superuser is superuser
        # exempt from the 2FA that admin, manager, data and finance require (README, output)
        assert user.two_factor_exempt and not user.two_factor_pending()
        if scope is None:
            assert user.scope_all
        else:
            assert not user.scope_all
            assert [a.code for a in user.scope_areas.all()] == [scope]
    volunteer = User.objects.get(username="volunteer")
    (area,) = volunteer.scope_areas.all()
    assert area.kind.code == "part" and area.kind.is_polling_unit
    assert logins["volunteer"] == ("volunteer", f"{area.name} ({area.code})")


@pytest.mark.django_db
def test_existing_accounts_are_left_alone():
    User.objects.create_user(username="admin", password="their-own-password")
    result = seed_demo(seed=SEED, scale=SCALE)
    assert result["existing_users"] == ["admin"]
    assert "admin" not in {u for u, _r, _s in result["logins"]}
    assert User.objects.get(username="admin").check_password("their-own-password")


def test_each_app_seeds_its_own_part_in_order():
    from grassroots.core.registry import demo_seeders

    modules = [s.seed.__module__ for s in demo_seeders]
    assert modules[:3] == [
        "grassroots.geography.demo",  # areas first: logins are scoped to them
        "grassroots.accounts.demo",
        "grassroots.people.demo.seed",  # people need areas, elections and users
    ]
    assert modules.index("grassroots.messaging.demo") > 2


def test_a_second_demo_command_starts_no_job_and_draws_no_empty_progress_bar(seeded, capsys):
    from grassroots.cli import main
    from grassroots.core.models import Job

    jobs_before = Job.objects.count()
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "already exists" in out
    assert "Demo logins are exempt from two-factor sign-in" in out
    assert "0/0" not in out and "100%" not in out
    assert Job.objects.count() == jobs_before


def test_the_vote_summary_matches_the_vote_history(seeded):
    """The vote filters read ``Person.votes_cast`` (ADR 0006): the seeder keeps it."""
    slots = dict(Election.objects.exclude(vote_slot=None).values_list("pk", "vote_slot"))
    expected: dict[int, int] = {}
    for person_id, election_id in VoteHistory.objects.filter(voted=True).values_list(
        "person_id", "election_id"
    ):
        expected[person_id] = expected.get(person_id, 0) | (1 << slots[election_id])
    assert expected
    for pk, mask in Person.objects.values_list("pk", "votes_cast"):
        assert mask == expected.get(pk, 0), pk


def test_the_texting_demo_answers_the_2026_id_script(seeded):
    """The demo texting campaign's canned responses answer the surveys demo's "2026 ID" script
    (messaging seeds it after surveys)."""
    from grassroots.messaging.models import TextingCampaign

    campaign = TextingCampaign.objects.select_related("survey_script").get()
    assert campaign.survey_script.name == "2026 ID"
    answers = {
        c.title: (c.question.label if c.question else None, c.choice.value if c.choice else c.value)
        for c in campaign.canned_responses.select_related("question", "choice")
    }
    assert answers["Will vote"] == ("2026 ID", "1")
    assert answers["Won't volunteer"] == ("Volunteer", "no")
    assert answers["Needs a ride"] == (None, "")
    assert all(
        c.question.script_id == campaign.survey_script_id
        for c in campaign.canned_responses.exclude(question=None)
    )
