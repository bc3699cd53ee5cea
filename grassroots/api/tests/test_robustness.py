"""No 5xx for any input (issue 14, item 7) and a schema that says what the API does (item 8).

Every input that takes an id is bounded once (``core.ids``, ``api.fields``): an id past 64 bits,
zero, negative, fractional or not a number is a 400 naming the field — it was a server error on
SQLite (``OverflowError``) — and nothing changes. Errors that never reached a DRF view (no such
route, a crash, a body too large) answer in the API's one error shape too.
"""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from django.urls import include, path

from grassroots.api.tests.test_api import api_with_token, assert_error
from grassroots.core.access import SYSTEM
from grassroots.core.ids import MAX_ID
from grassroots.lists import services as list_services
from grassroots.lists.models import ListMember, PersonList
from grassroots.people import services as people_services
from grassroots.people.models import ContactPoint, Tagging

# In a JSON body: past 64 bits, just past the largest id, zero, negative, fraction, bool, text.
BAD_BODY_IDS = [2**64, MAX_ID + 1, 0, -1, 1.5, True, "abc"]
# In a query string (or a form): the same, as text; "²" is a digit to str.isdigit() but not to int().
BAD_QUERY_IDS = [str(2**64), str(MAX_ID + 1), "0", "-1", "1.5", "abc", "²", "1" * 5000]


@pytest.fixture
def admin(users):
    return api_with_token(users["admin"])


@pytest.fixture
def tag(people):
    return people_services.tag_get_or_create(actor=SYSTEM, name="Robust")


@pytest.fixture
def person_list(users, people):
    return list_services.list_create(
        actor=users["admin"], name="Robust list", person_ids=[people["ananya"].pk]
    )


# --- ids in query strings -----------------------------------------------------------------


def test_household_filter_refuses_what_is_not_an_id(admin, people):
    for value in BAD_QUERY_IDS:
        error = assert_error(admin.get("/api/v1/people/", {"household": value}), 400, "invalid")
        assert list(error["fields"]) == ["household"]


def test_household_filter_still_filters(admin, people):
    response = admin.get("/api/v1/people/", {"household": people["household"].pk})
    assert {p["given_name"] for p in response.json()["results"]} == {"Ananya", "Sourav"}
    assert admin.get("/api/v1/people/", {"household": MAX_ID}).json()["count"] == 0


def test_message_filters_refuse_what_is_not_an_id(admin, people):
    for name in ("person", "broadcast"):
        for value in BAD_QUERY_IDS:
            error = assert_error(admin.get("/api/v1/messages/", {name: value}), 400, "invalid")
            assert list(error["fields"]) == [name]


def test_message_status_filter_refuses_an_unknown_status(admin, people):
    error = assert_error(admin.get("/api/v1/messages/", {"status": "nope"}), 400, "invalid")
    assert list(error["fields"]) == ["status"]


def test_model_choice_filters_refuse_what_is_not_an_id(admin, people):
    for value in BAD_QUERY_IDS:
        assert_error(admin.get("/api/v1/people/", {"area": value}), 400, "invalid")
        assert_error(admin.get("/api/v1/contact-points/", {"person": value}), 400, "invalid")


@pytest.mark.parametrize(
    "url",
    ["/api/v1/people/{}/", "/api/v1/households/{}/", "/api/v1/lists/{}/", "/api/v1/segments/{}/",
     "/api/v1/messages/{}/", "/api/v1/duplicates/{}/", "/api/v1/merges/{}/",
     "/api/v1/broadcasts/{}/", "/api/v1/message-templates/{}/", "/api/v1/contact-points/{}/",
     "/api/v1/imports/{}/", "/api/v1/area-imports/{}/"],
)  # fmt: skip
def test_an_id_in_a_path_that_names_no_row_is_404(admin, url):
    for value in [str(2**64), str(MAX_ID + 1), "0", "-1", "abc", "²"]:
        assert_error(admin.get(url.format(value)), 404, "not_found")


# --- ids in bodies ------------------------------------------------------------------------


def test_tag_apply_refuses_what_is_not_an_id(admin, people, tag):
    for value in BAD_BODY_IDS:
        response = admin.post(
            f"/api/v1/tags/{tag.slug}/apply/",
            {"people": [people["ananya"].pk, value]},
            format="json",
        )
        assert list(assert_error(response, 400, "invalid")["fields"]) == ["people"]
    assert not Tagging.objects.filter(tag=tag).exists()


def test_list_create_refuses_what_is_not_an_id(admin, people):
    for value in BAD_BODY_IDS:
        response = admin.post(
            "/api/v1/lists/",
            {"name": "New", "person_ids": [people["ananya"].pk, value]},
            format="json",
        )
        assert list(assert_error(response, 400, "invalid")["fields"]) == ["person_ids"]
    assert not PersonList.objects.filter(name="New").exists()


@pytest.mark.parametrize("verb", ["add", "remove"])
def test_list_add_and_remove_refuse_what_is_not_an_id(admin, people, person_list, verb):
    for value in BAD_BODY_IDS:
        response = admin.post(
            f"/api/v1/lists/{person_list.pk}/{verb}/",
            {"person_ids": [people["sourav"].pk, people["ananya"].pk, value]},
            format="json",
        )
        assert list(assert_error(response, 400, "invalid")["fields"]) == ["person_ids"]
    members = set(ListMember.objects.filter(list=person_list).values_list("person_id", flat=True))
    assert members == {people["ananya"].pk}


def test_list_add_and_remove_answer_their_counts(admin, people, person_list):
    ids = [people["sourav"].pk, people["ananya"].pk, MAX_ID]
    r = admin.post(f"/api/v1/lists/{person_list.pk}/add/", {"person_ids": ids}, format="json")
    assert r.json() == {"added": 1, "skipped": 2}
    r = admin.post(f"/api/v1/lists/{person_list.pk}/remove/", {"person_ids": ids}, format="json")
    assert r.json() == {"removed": 2}


def test_message_send_refuses_what_is_not_an_id(admin, people):
    for value in BAD_BODY_IDS:
        response = admin.post(
            "/api/v1/messages/send/",
            {"person": value, "channel": "sms", "body": "Hello"},
            format="json",
        )
        assert list(assert_error(response, 400, "invalid")["fields"]) == ["person"]


def test_references_to_rows_refuse_what_is_not_an_id(admin, people):
    before = ContactPoint.objects.count()
    for value in BAD_BODY_IDS:
        response = admin.post(
            "/api/v1/contact-points/",
            {"person": value, "channel": "email", "value": "x@example.org"},
            format="json",
        )
        assert list(assert_error(response, 400, "invalid")["fields"]) == ["person"]
        response = admin.post("/api/v1/broadcasts/", {"template": value}, format="json")
        assert "template" in assert_error(response, 400, "invalid")["fields"]
    assert ContactPoint.objects.count() == before


def test_a_nul_character_in_json_is_400_not_a_database_error(admin, people):
    """PostgreSQL cannot store ``\u0000`` in jsonb (found by the fuzz run)."""
    from grassroots.lists.models import Segment

    definition = {"steps": [], "note\x00": ["\x00"]}
    response = admin.post(
        "/api/v1/segments/", {"name": "S", "definition": definition}, format="json"
    )
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["definition"]
    response = admin.post("/api/v1/segments/preview/", {"definition": definition}, format="json")
    assert_error(response, 400, "invalid")
    assert not Segment.objects.exists()


# --- page_size ----------------------------------------------------------------------------


def test_page_size_is_a_whole_number_from_1_to_500(admin, people):
    for value in ["abc", "0", "501", "1.5", "", "-1", "²", str(2**64)]:
        error = assert_error(admin.get("/api/v1/people/", {"page_size": value}), 400, "invalid")
        assert list(error["fields"]) == ["page_size"]


def test_page_size_still_pages(admin, people):
    body = admin.get("/api/v1/people/", {"page_size": "2"}).json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert len(admin.get("/api/v1/people/", {"page_size": 500}).json()["results"]) == 3


# --- errors that never reached a DRF view -------------------------------------------------


def test_no_such_api_route_is_404_in_the_error_shape(admin):
    for url in ["/api/v1/nope/", "/api/v1/tags/a/b/", "/api/nope"]:
        assert_error(admin.get(url), 404, "not_found")


def test_an_error_is_json_even_where_the_answer_would_be_csv(admin):
    url = "/api/v1/imports/f756103b-e9b3-5e18-8e72-90b490748ca7/rejected/"
    response = admin.get(url, {"format": "csv"})
    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 404, "not_found")
    response = admin.get(url, HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("application/json")


def test_no_such_page_outside_the_api_is_still_a_page(client_for, users):
    response = client_for(users["admin"]).get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2000)
def test_a_json_body_too_large_is_413_and_writes_nothing(admin, people, tag):
    body = json.dumps({"people": [people["ananya"].pk] * 1000})
    response = admin.post(f"/api/v1/tags/{tag.slug}/apply/", body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")
    assert not Tagging.objects.filter(tag=tag).exists()
    form = admin.post("/api/v1/lists/", f"name={'x' * 3000}", content_type=FORM)
    assert_error(form, 413, "payload_too_large")
    assert not PersonList.objects.exists()


FORM = "application/x-www-form-urlencoded"


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=5)
def test_a_multipart_body_with_too_many_fields_is_413(admin, people):
    response = admin.post(
        "/api/v1/area-imports/", {f"f{i}": "x" for i in range(20)}, format="multipart"
    )
    assert_error(response, 413, "payload_too_large")


def _crash(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("api/crash/", _crash),
    path("crash/", _crash),
    path("", include("grassroots.urls")),
]
handler500 = "grassroots.api.errors.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_under_api_answers_500_in_the_error_shape(client_for, users):
    from grassroots import urls

    assert urls.handler500 == handler500  # the project's own handler, tested here
    c = client_for(users["admin"])
    c.raise_request_exception = False
    assert_error(c.get("/api/crash/"), 500, "server_error")
    page = c.get("/crash/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_handlers_are_the_apis_for_api_paths():
    from grassroots import urls

    assert urls.handler404 == "grassroots.api.errors.not_found"
    assert urls.handler400 == "grassroots.api.errors.bad_request"
    assert urls.handler403 == "grassroots.api.errors.permission_denied"


# --- the schema says what the API does ----------------------------------------------------


@pytest.fixture
def schema(db):
    from rest_framework.test import APIClient

    return APIClient().get("/api/schema/", {"format": "json"}).json()


def test_schema_nullable_fields(schema):
    props = schema["components"]["schemas"]
    assert props["Area"]["properties"]["parent"]["nullable"] is True
    assert props["Person"]["properties"]["current_age"]["nullable"] is True


def test_schema_list_add_remove_document_their_counts(schema):
    def answer(verb):
        ref = schema["paths"][f"/api/v1/lists/{{id}}/{verb}/"]["post"]["responses"]["200"]
        name = ref["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        return set(schema["components"]["schemas"][name]["properties"])

    assert answer("add") == {"added", "skipped"}
    assert answer("remove") == {"removed"}


def test_schema_tag_slug_allows_any_script(schema, admin, people):
    slug = schema["components"]["schemas"]["Tag"]["properties"]["slug"]
    assert "pattern" not in slug
    created = admin.post("/api/v1/tags/", {"name": "ভোটার"}, format="json").json()
    assert not created["slug"].isascii()
    assert admin.get(f"/api/v1/tags/{created['slug']}/").json()["name"] == "ভোটার"


def test_schema_documents_every_error_status_with_the_one_shape(schema):
    error_ref = "#/components/schemas/Error"
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"401", "403", "429"}
            if operation.get("parameters") or "requestBody" in operation:
                expected |= {"400", "404"}
            if method != "get":
                expected |= {"404", "409"}
            if "requestBody" in operation:
                expected |= {"413", "415"}
            assert expected <= set(responses), (method, url, set(responses))
            for code in expected:
                content = responses[code]["content"]["application/json"]["schema"]
                assert content == {"$ref": error_ref}, (method, url, code)
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert set(detail["properties"]) == {"code", "message", "fields"}


def test_schema_page_size_is_a_bounded_integer(schema):
    params = schema["paths"]["/api/v1/people/"]["get"]["parameters"]
    page_size = next(p for p in params if p["name"] == "page_size")["schema"]
    assert page_size["type"] == "integer"
    assert page_size["minimum"] == 1 and page_size["maximum"] == 500


def _integer_inputs(schema):
    """Every integer a request can carry (parameters and body properties), with where it is."""
    components = schema["components"]["schemas"]

    def walk(node, where, seen):
        if not isinstance(node, dict) or node.get("readOnly"):
            return
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name not in seen:
                yield from walk(components[name], f"{where}>{name}", seen | {name})
            return
        if node.get("type") == "integer":
            yield where, node
        for name, prop in node.get("properties", {}).items():
            yield from walk(prop, f"{where}.{name}", seen)
        for key in ("items", "additionalProperties"):
            yield from walk(node.get(key), f"{where}[{key}]", seen)
        for key in ("allOf", "oneOf", "anyOf"):
            for part in node.get(key, []):
                yield from walk(part, where, seen)

    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            for p in operation.get("parameters", []):
                yield from walk(p["schema"], f"{method} {url} ?{p['name']}", frozenset())
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                yield from walk(content["schema"], f"{method} {url} {media}", frozenset())


def test_schema_every_integer_input_is_bounded(schema):
    """An unbounded integer input is how ids past 64 bits reached the database: every integer a
    request carries has a maximum (``?page=`` past the last page is a 404)."""
    found = list(_integer_inputs(schema))
    assert any("person_ids" in where for where, _ in found)
    unbounded = [
        where for where, node in found if "maximum" not in node and not where.endswith("?page")
    ]
    assert not unbounded
