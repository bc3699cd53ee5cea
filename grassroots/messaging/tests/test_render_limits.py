"""Bounded message rendering (issue 14 §3): ``{{ first_name|ljust:"200000000" }}`` and its
kin are refused when the template is saved, with a clear message and without building the
text; a template that is only too long for one person's values fails that one message of a
broadcast, with the reason, and the others go."""

from __future__ import annotations

import datetime as dt
import tracemalloc

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from grassroots.lists import services as list_services
from grassroots.messaging import rendering, services
from grassroots.messaging.broadcasts import services as broadcasts
from grassroots.messaging.models import Message, Template
from grassroots.messaging.tests.test_services import NOON_IST, _consent, _person

LOOPS = "{% for a in campaign %}{% for b in campaign %}{% for c in campaign %}{% for d in campaign %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}"  # noqa: E501


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


def save(comms, body, channel="sms", **variant):
    return services.template_save(
        actor=comms,
        name="T",
        channel=channel,
        variants=[{"language": "en", "body": body, **variant}],
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{{ first_name|ljust:"200000000" }}', "“ljust” may pad to at most 1,000 characters."),
        ('{{ first_name|rjust:"99999999" }}', "“rjust” may pad to at most 1,000 characters."),
        ('{{ first_name|center:"5000" }}', "“center” may pad to at most 1,000 characters."),
        (
            '{{ first_name|stringformat:"200000000s" }}',
            "“stringformat” may pad to at most 1,000 characters.",
        ),
        ('{{ "1e99999999"|floatformat }}', "Invalid filter: 'floatformat'"),
        ("{% lorem 100000000 w %}", "Invalid block tag on line 1: 'lorem'"),
        ("{% debug %}", "Invalid block tag on line 1: 'debug'"),
        (LOOPS, "The template repeats too much: more than 10,000 loop steps."),
        (
            '{{ campaign|make_list|join:"' + "x" * 1000 + '" }}',
            "The message would be longer than 1,600 characters, the most it may be.",
        ),
        ("{{ full_name }} " * 200, "longer than 1,600 characters"),
    ],
)
def test_a_hostile_template_is_refused_at_save_in_bounded_memory(comms, body, message):
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as caught:
            save(comms, body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message in caught.value.message_dict["variants.0.body"][0]
    assert peak < 16 * 1024 * 1024, peak  # the 200 MB is never built
    assert not Template.objects.exists()


def test_each_channel_and_part_has_its_ceiling(comms):
    long = "word " * 500  # 2,500 characters
    with pytest.raises(ValidationError, match="longer than 1,600"):
        save(comms, long, channel="sms")
    assert save(comms, long, channel="whatsapp").pk  # WhatsApp carries 4,096
    Template.objects.all().delete()
    with pytest.raises(ValidationError, match="longer than 4,096"):
        save(comms, long * 2, channel="whatsapp")
    email = save(comms, long * 100, channel="email", subject="Hi {{ first_name }}")
    assert email.pk  # 250 KB of email text is fine
    Template.objects.all().delete()
    with pytest.raises(ValidationError) as caught:
        save(comms, "Hi", channel="email", subject="{{ full_name }} " * 30)
    assert "longer than 200" in caught.value.message_dict["variants.0.subject"][0]


def test_ordinary_templates_still_render(comms):
    template = save(
        comms,
        '{% if first_name %}Hi {{ first_name|default:"friend"|title }}{% else %}Hi{% endif %}, '
        "{% with a=area %}{{ a }}{% endwith %} {% for c in 'ab' %}{{ c|upper }}{% endfor %} "
        '{{ first_name|ljust:"8" }}|',
    )
    variant = template.variants.get()
    text = rendering.render(rendering.compile_text(variant.body), rendering.SAMPLE, limit=1600)
    assert text == "Hi Asha, Part 12 AB Asha    |"


def test_render_stops_at_the_budget_even_when_output_is_discarded():
    # {% filter truncatechars %} would cut it short, but the text is built first: counted
    compiled = rendering.compile_text(
        "{% filter truncatechars:10 %}{% for a in x %}{% for b in x %}{{ y }}{% endfor %}"
        "{% endfor %}{% endfilter %}"
    )
    context = {"x": "a" * 90, "y": "z" * 100}
    with pytest.raises(ValidationError, match="longer than 1,600") as caught:
        rendering.render(compiled, context, limit=1600)
    assert caught.value.code == "too_long"
    assert rendering.render(compiled, {"x": "ab", "y": "z"}, limit=1600) == "zzzz"


def test_a_message_too_long_for_one_person_fails_alone_with_the_reason(
    geo, simulator, comms, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(timezone, "now", lambda: NOON_IST.astimezone(dt.UTC))
    short = _person(geo, "Asha", phone="+919830012346")
    long = _person(geo, "A" * 100, phone="+919830012347")
    for p in (short, long):
        _consent(p)
    # fine for the sample person (4 characters, 16 in all); 100 × 100 for the long name
    template = save(comms, "{% for c in first_name %}{{ first_name }}{% endfor %}")
    lst = list_services.list_create(actor=comms, name="all", person_ids=[short.pk, long.pk])
    b = broadcasts.broadcast_create(actor=comms, name="B", template=template, person_list=lst)
    with django_capture_on_commit_callbacks(execute=True):
        b = broadcasts.broadcast_start(actor=comms, broadcast=b)
    failed = Message.objects.get(person=long)
    assert failed.status == Message.Status.FAILED and failed.status_code == "render_failed"
    assert failed.status_reason.startswith("The message would be longer than 1,600 characters")
    assert failed.body == ""
    sent = Message.objects.get(person=short)
    assert sent.status == Message.Status.DELIVERED and sent.body == "Asha" * 4
