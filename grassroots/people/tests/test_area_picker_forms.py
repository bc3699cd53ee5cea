"""Every form and filter that takes an area uses the area picker (issue 13 item 18)."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_people_list_area_filter_takes_a_picked_code_or_a_typed_name(client_for, people, users):
    c = client_for(users["manager"])
    url = reverse("people:person_list")
    page = c.get(url).content.decode()
    assert 'role="combobox"' in page and 'area-options"></datalist>' not in page
    # picked: the code travels in the hidden input
    r = c.get(url, {"area_code": "IN-WB-AC1-P002", "area_code__text": "Part 2"})
    assert [p.pk for p in r.context["page"]] == [people["rahul"].pk]
    # typed, nothing picked: the name is resolved
    r = c.get(url, {"area_code": "", "area_code__text": "part 1"})
    assert {p.pk for p in r.context["page"]} == {people["ananya"].pk, people["sourav"].pk}
    # typed text that names no area says so (not a silent "No people match")
    r = c.get(url, {"area_code": "", "area_code__text": "Atlantis"}, headers={"HX-Request": "true"})
    body = r.content.decode()
    assert "No area matches “Atlantis”" in body and 'role="alert"' in body
    # the volunteer of part 1 cannot name part 2
    r = client_for(users["volunteer"]).get(url, {"area_code__text": "Part 2"})
    assert "No area matches" in r.content.decode()
