"""The person page's forms: unique ids, and help and errors linked to their fields."""

from __future__ import annotations

import re

from django.urls import reverse

from grassroots.testing.markup import assert_accessible_markup


def test_person_page_ids_are_unique_and_every_reference_resolves(client_for, people, users):
    c = client_for(users["manager"])
    html = c.get(reverse("people:person_detail", args=[people["ananya"].pk])).content.decode()
    assert_accessible_markup(html)
    # Three forms have a "channel" select (interaction, contact, consent): each its own label.
    for prefix in ("interaction", "contact", "consent"):
        assert f'<label for="{prefix}_channel">' in html
        assert re.search(rf'<select name="channel"[^>]* id="{prefix}_channel"', html)


def test_a_contact_error_is_linked_to_its_field_and_the_form_keeps_the_value(
    client_for, people, users
):
    c = client_for(users["manager"])
    url = reverse("people:person_action", args=[people["sourav"].pk, "contact"])
    r = c.post(url, {"channel": "phone", "value": "12"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert_accessible_markup(html, fragment=True)
    field = re.search(r'<input[^>]* id="contact_value"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="contact_value_error"' in field
    assert 'value="12"' in field
    assert re.search(r'<ul class="errorlist" id="contact_value_error">.*phone number', html, re.S)


def test_field_help_text_has_the_id_the_widget_names(client_for, users):
    c = client_for(users["manager"])
    html = c.get(reverse("people:person_create")).content.decode()
    assert_accessible_markup(html)
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert any(d.endswith("_helptext") for ref in described for d in ref.split())
