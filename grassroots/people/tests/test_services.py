import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from grassroots.core.access import SYSTEM
from grassroots.core.models import AuditEvent, OutboxEvent
from grassroots.people import services
from grassroots.people.models import ContactPoint, Person, Tagging


def test_person_create_normalises_contacts_and_ids(people):
    ananya = people["ananya"]
    assert ananya.full_name == "Ananya Das"
    phones = list(
        ananya.contact_points.filter(channel="phone").values_list(
            "value", "phone_kind", "is_primary"
        )
    )
    assert phones == [("+919830012345", "mobile", True)]
    assert ananya.external_ids.get().value == "WKH0000018"
    # age 34 as of today: born_estimate drives the age filters
    assert 33 <= ananya.display_age <= 34
    assert OutboxEvent.objects.filter(name="person.created", payload__person_id=ananya.pk).exists()


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {"given_name": "<script>alert(1)</script>"},
            "given_name",
            "characters a name cannot have",
        ),
        ({"given_name": "A" * 101}, "given_name", "too long"),
        ({"given_name": ""}, "given_name", "required"),
        ({"given_name": "Ok", "birth_date": dt.date(2999, 1, 1)}, "birth_date", "future"),
        ({"given_name": "Ok", "age": 300}, "age", "between 0 and 125"),
        ({"given_name": "Ok", "support_score": 9}, "support_score", "1 (strong support) to 5"),
    ],
)
def test_person_create_rejects_bad_input_and_saves_nothing(geo, data, field, message):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=SYSTEM, data={**data, "area": geo["p1"]})
    assert field in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[field])
    assert Person.objects.count() == 0


def test_bad_phone_rolls_back_the_whole_person(geo):
    with pytest.raises(ValidationError) as exc:
        services.person_create(
            actor=SYSTEM, data={"given_name": "Mita", "area": geo["p1"]}, phones=["12"]
        )
    assert "not a valid phone number" in " ".join(
        exc.value.messages
    ) or "not a phone number" in " ".join(exc.value.messages)
    assert Person.objects.count() == 0
    assert ContactPoint.objects.count() == 0


def test_invalid_epic_is_rejected(geo):
    with pytest.raises(ValidationError) as exc:
        services.person_create(
            actor=SYSTEM,
            data={"given_name": "Mita", "area": geo["p1"]},
            external_ids=[("epic", "WKH0000019")],
        )
    assert "not a valid EPIC" in " ".join(exc.value.messages)
    assert Person.objects.count() == 0


def test_external_id_cannot_belong_to_two_people(people):
    with pytest.raises(ValidationError):
        services.external_id_add(
            actor=SYSTEM, person=people["rahul"], namespace="epic", value="WKH0000018"
        )


def test_duplicate_contact_point_is_idempotent(people):
    a = services.contact_point_add(
        actor=SYSTEM, person=people["ananya"], channel="phone", value="09830012345"
    )
    assert a.value == "+919830012345"
    assert people["ananya"].contact_points.filter(channel="phone").count() == 1


def test_bad_email_message(people):
    with pytest.raises(ValidationError) as exc:
        services.contact_point_add(
            actor=SYSTEM, person=people["rahul"], channel="email", value="not-an-email"
        )
    assert "not a valid email" in exc.value.messages[0]


def test_tag_apply_is_idempotent_and_audits_bulk(people, users):
    tag = services.tag_get_or_create(actor=users["manager"], name="Volunteer")
    ids = [people["ananya"].pk, people["rahul"].pk]
    assert services.tag_apply(actor=users["manager"], tag=tag, people=ids) == 2
    assert services.tag_apply(actor=users["manager"], tag=tag, people=ids) == 0
    assert Tagging.objects.filter(tag=tag).count() == 2
    assert AuditEvent.objects.filter(action="people.bulk_tagged").count() == 2
    assert services.tag_get_or_create(actor=SYSTEM, name="volunteer") == tag


def test_interaction_updates_last_contacted(people, users):
    services.interaction_record(
        actor=users["volunteer"],
        person=people["ananya"],
        channel="door",
        outcome="contact_made",
        detail="Supportive",
    )
    people["ananya"].refresh_from_db()
    assert people["ananya"].last_contacted_at is not None
    with pytest.raises(ValidationError):
        services.interaction_record(actor=SYSTEM, person=people["ananya"], channel="pigeon")


def test_consent_is_append_only_and_audited(people, users):
    p = people["ananya"]
    services.consent_record(
        actor=users["manager"],
        person=p,
        channel="sms",
        purpose="campaign",
        status="granted",
        source="doorstep",
        wording="May we text you?",
    )
    services.consent_record(
        actor=users["manager"],
        person=p,
        channel="sms",
        purpose="campaign",
        status="withdrawn",
        source="phone",
    )
    assert p.consents.count() == 2
    assert (
        AuditEvent.objects.filter(action__startswith="consent.", object_id=str(p.pk)).count() == 2
    )
    from grassroots.people.selectors import consent_current

    assert [c.status for c in consent_current(p)] == ["withdrawn"]


def test_custom_values_are_typed(people):
    from grassroots.people.models import CustomField

    num = CustomField.objects.create(key="income", label="Income", type="number")
    multi = CustomField.objects.create(
        key="issues", label="Issues", type="multi_choice", choices=["Water", "Roads"]
    )
    services.custom_values_set(
        actor=SYSTEM, person=people["rahul"], values={num: "12", multi: ["Water"]}
    )
    values = {v.field.key: v.value for v in people["rahul"].custom_values.select_related("field")}
    assert values == {"income": 12, "issues": ["Water"]}
    with pytest.raises(ValidationError) as exc:
        services.custom_values_set(
            actor=SYSTEM, person=people["rahul"], values={num: "twelve", multi: ["Moon"]}
        )
    assert set(exc.value.message_dict) == {"cf_income", "cf_issues"}
    # nothing changed on error
    assert {
        v.field.key: v.value for v in people["rahul"].custom_values.select_related("field")
    } == values


def test_person_update_audits_do_not_contact(people, users):
    services.person_update(
        actor=users["manager"], person=people["rahul"], data={"do_not_contact": True}
    )
    assert AuditEvent.objects.filter(action="person.do_not_contact_changed").exists()


def test_age_rules_survive_29_february():
    from grassroots.people.validation import clean_birth, years_before

    assert years_before(dt.date(2028, 2, 29), 1) == dt.date(2027, 2, 28)
    assert clean_birth(None, 40, dt.date(2024, 2, 29)) == dt.date(1984, 2, 29) - dt.timedelta(
        days=182
    )
