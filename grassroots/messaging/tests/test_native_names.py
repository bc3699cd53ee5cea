"""Messages in Bengali or Hindi use the person's name and the area's name in that script
(issue 13, item 22): "নমস্কার তৃষা … পার্ট ১ - এলগিন-এ", not "নমস্কার Trisha … Part 1 - Elgin-এ";
P2P texting scripts have language versions; the SMS meter counts segments and encoding."""

from __future__ import annotations

import pytest

from grassroots.core.access import SYSTEM
from grassroots.lists import services as list_services
from grassroots.messaging import rendering, services
from grassroots.messaging.texting import services as texting
from grassroots.people import services as people_services
from grassroots.people.models import Person


@pytest.fixture
def trisha(geo):
    area = geo["p1"]
    area.name, area.native_name = "Part 1 - Elgin", "পার্ট ১ - এলগিন"
    area.save()

    def make(given, family, native, language):
        p = people_services.person_create(
            actor=SYSTEM,
            data={"given_name": given, "family_name": family, "native_name": native,
                  "preferred_language": language, "area": area},
            phones=["+919830077701" if given == "Trisha" else "+919830077702"],
        )  # fmt: skip
        return Person.objects.select_related("area", "household__address").get(pk=p.pk)

    return {
        "bn": make("Trisha", "Sen", "তৃষা সেন", "bn"),
        "hi": make("Ravi", "Kumar", "রবি কুমার", "hi"),  # a Bengali-script name, a Hindi reader
        "en": make("Trisha", "Sen", "তৃষা সেন", "en"),
    }


def _template(comms):
    return services.template_save(
        actor=comms,
        name="Meeting",
        channel="sms",
        variants=[
            {"language": "en", "body": "Hello {{ first_name }} {{ family_name }}, meeting in {{ area }}"},
            {"language": "bn", "body": "নমস্কার {{ first_name }}, {{ area }}-এ সভা ({{ full_name }})"},
            {"language": "hi", "body": "नमस्ते {{ first_name }}, {{ area }} में सभा"},
        ],
    )  # fmt: skip


def test_bengali_message_uses_the_bengali_name_and_area(comms, trisha):
    text = services.render_for(_template(comms), trisha["bn"])
    assert text["body"] == "নমস্কার তৃষা, পার্ট ১ - এলগিন-এ সভা (তৃষা সেন)"


def test_latin_message_keeps_the_latin_names(comms, trisha):
    text = services.render_for(_template(comms), trisha["en"])
    assert text["body"] == "Hello Trisha Sen, meeting in Part 1 - Elgin"


def test_a_name_in_another_script_is_not_used(comms, trisha):
    """A Hindi message gets the Latin name when the native name is in Bengali script."""
    text = services.render_for(_template(comms), trisha["hi"])
    assert text["body"] == "नमस्ते Ravi, Part 1 - Elgin में सभा"


def test_native_name_parts():
    assert rendering.native_name_parts("राम प्रसाद शर्मा", "Ram", "Sharma") == ("राम", "शर्मा")
    assert rendering.native_name_parts("তৃষা", "Trisha", "Sen") == ("তৃষা", "")
    assert rendering.native_name_parts("অনিল কুমার দাস", "Anil Kumar", "Das") == (
        "অনিল কুমার", "দাস",
    )  # fmt: skip
    assert rendering.native_name_parts("", "Trisha", "Sen") == ("", "")


def test_p2p_scripts_have_language_versions(comms, simulator, trisha):
    lst = list_services.list_create(
        actor=comms, name="t", person_ids=[p.pk for p in trisha.values()]
    )
    c = texting.campaign_save(
        actor=comms, name="Versions", script="Hi {{ first_name }}, will you vote?",
        language="en", person_list=lst,
        versions=[{"language": "bn", "body": "নমস্কার {{ first_name }}, {{ area }}-এ ভোট দেবেন?"}],
    )  # fmt: skip
    assert texting.first_message(c, trisha["bn"]) == "নমস্কার তৃষা, পার্ট ১ - এলগিন-এ ভোট দেবেন?"
    assert texting.first_message(c, trisha["en"]) == "Hi Trisha, will you vote?"
    assert texting.first_message(c, trisha["hi"]) == "Hi Ravi, will you vote?"  # no Hindi version
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        texting.campaign_save(
            actor=comms, campaign=c, name="Versions", script="Hi", language="en",
            versions=[{"language": "en", "body": "Again"}, {"language": "bn", "body": "{{ x|nope }}"}],
        )  # fmt: skip
    assert {"versions.0", "versions.1"} <= set(err.value.message_dict)


@pytest.mark.parametrize(
    "text, encoding, segments",
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("€" * 80, "GSM-7", 1),  # an extension character takes two places
        ("€" * 81, "GSM-7", 2),
        ("ন" * 70, "UCS-2", 1),
        ("ন" * 71, "UCS-2", 2),
        ("Hi ন" + "a" * 131, "UCS-2", 3),  # one Bengali letter makes all of it UCS-2
    ],
)
def test_sms_parts(text, encoding, segments):
    parts = rendering.sms_parts(text)
    assert (parts["encoding"], parts["segments"]) == (encoding, segments)


def test_texting_form_saves_language_versions(client, comms, simulator, trisha):
    lst = list_services.list_create(actor=comms, name="t", person_ids=[trisha["bn"].pk])
    client.force_login(comms)
    r = client.post(
        "/messaging/texting/new/",
        {"name": "Bilingual", "script": "Hi {{ first_name }}", "language": "en",
         "audience": f"list:{lst.pk}", "batch_size": "10", "release_after": "60",
         "s0-language": "bn", "s0-body": "নমস্কার {{ first_name }}"},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    from grassroots.messaging.models import TextingCampaign

    c = TextingCampaign.objects.get(name="Bilingual")
    assert c.versions == [{"language": "bn", "body": "নমস্কার {{ first_name }}"}]
    page = client.get(f"/messaging/texting/{c.pk}/edit/").content.decode()
    assert "নমস্কার {{ first_name }}" in page and 'id="s1-body"' in page  # and an empty row
    # a mistake in a version: explained, and what was typed is kept
    r = client.post(
        f"/messaging/texting/{c.pk}/edit/",
        {"name": "Bilingual", "script": "Hi", "language": "en", "batch_size": "10",
         "release_after": "60", "s0-language": "bn", "s0-body": "নমস্কার {{ x|nope }}"},
    )  # fmt: skip
    assert r.status_code == 400 and "নমস্কার {{ x|nope }}" in r.content.decode()


def test_segment_cost_comes_from_the_sms_account(comms, simulator, settings):
    from grassroots.messaging.views import sms_meter_config

    settings.GRASSROOTS_SMS_SEGMENT_COST = ""
    assert sms_meter_config()["cost"] is None
    settings.GRASSROOTS_SMS_SEGMENT_COST = "0.0079 USD"
    assert sms_meter_config()["cost"] == {"amount": 0.0079, "currency": "USD", "places": 4}
    services.account_save(
        actor=SYSTEM, account=simulator, name="Simulator", kind="simulator",
        channels=simulator.channels, config={**simulator.config, "segment_cost": "0.25 INR"},
        secrets={}, is_default=True,
    )  # fmt: skip
    assert sms_meter_config()["cost"] == {"amount": 0.25, "currency": "INR", "places": 2}
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        services.account_save(
            actor=SYSTEM, account=simulator, name="Simulator", kind="simulator",
            channels=simulator.channels, config={"segment_cost": "cheap"}, secrets={},
        )  # fmt: skip
    assert "segment_cost" in err.value.message_dict
