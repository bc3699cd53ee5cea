"""The API fuzz run (issue 14): schemathesis over every operation of ``/api/schema/``.

For an admin and for a volunteer, each operation gets a fixed number of generated requests —
valid ones (``positive``: what the schema allows) and invalid ones (``negative``: what it
forbids) — sent in-process to the WSGI application on the test database. A request fails the
run when the answer is a 5xx, has a status the schema does not document for the operation, or a
body or content type that does not match the schema. Generation is derandomized (the same cases
on every run) and bounded per operation, so the run is reproducible and takes a fixed time.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from grassroots.accounts import services as account_services
from grassroots.core.access import SYSTEM
from grassroots.lists import services as list_services
from grassroots.people import services as people_services

# Per operation, role and mode: 58 operations × 2 roles × (positive + negative) × EXAMPLES.
# GRASSROOTS_FUZZ_EXAMPLES=200 for a longer hunt; GRASSROOTS_FUZZ_ONLY="/lists/,/tags/" to run the
# operations whose label contains one of these.
EXAMPLES = int(os.environ.get("GRASSROOTS_FUZZ_EXAMPLES", "15"))
ONLY = [part for part in os.environ.get("GRASSROOTS_FUZZ_ONLY", "").split(",") if part]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def world(geo, users, people):
    """Something for every id to find: a tag, a list, a segment (plus the people fixture)."""
    admin = users["admin"]
    # An admin's role may require two-factor sign-in: the token works once the user enrolled.
    TOTPDevice.objects.create(user=admin, name="fuzz", confirmed=True)
    ids = [people[name].pk for name in ("ananya", "sourav", "rahul")]
    tag = people_services.tag_get_or_create(actor=SYSTEM, name="Fuzz")
    people_services.tag_apply(actor=SYSTEM, tag=tag, people=ids)
    list_services.segment_create(
        actor=admin, name="Everyone", definition={"steps": []}, visibility="shared"
    )
    list_services.list_create(
        actor=admin,
        name="Fuzz list",
        source="manual",
        person_ids=ids,
        visibility="shared",
    )
    # an event with a shift and a sign-up, for the events endpoints' ids to find
    from grassroots.events.tests.factories import EventFactory, RegistrationFactory

    event = EventFactory(area=geo["p1"], shifts=[{"capacity": 5}])
    RegistrationFactory(shift=event.shifts.get(), person=people["ananya"])
    # a town hall with a question, for the question endpoints
    from grassroots.events.models import EventType
    from grassroots.events.townhall import services as townhall

    hall = EventFactory(area=geo["p1"], type=EventType.objects.get(slug="town_hall"))
    reg = RegistrationFactory(shift=hall.shifts.first(), person=people["sourav"])
    townhall.question_submit(registration=reg, text="Fuzz question")
    # an active script with every kind of question and an answered attempt (surveys)
    from grassroots.surveys import services as survey_services
    from grassroots.surveys.tests.factories import ScriptFactory

    script = ScriptFactory(name="Fuzz ID", blocks=True, status="active")
    survey_services.responses_record(
        actor=SYSTEM, person=people["ananya"], script=script, answers={}, channel="door",
        attempt_key="fuzz-1", result_code="not-home",
    )  # fmt: skip
    # a canvass effort with turfs checked out to the volunteer and a visit (canvassing)
    from grassroots.canvassing.tests.results_data import knock, worked_effort

    worked = worked_effort(geo, users, households=4, name="Fuzz walk")
    knock(users["volunteer"], worked["effort"], worked["doors"][0], result="not-home")
    return users


def _schema() -> dict:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


@contextmanager
def _keep_test_connection():
    """The WSGI app closes the database connection around each request, and the test database
    lives in that connection's transaction: keep it open, as Django's test client does (which
    connects the closer again after each of its own requests)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _order(operation) -> tuple:
    # Deletions last, so the rows the other operations look up are still there.
    return (operation.method.upper() == "DELETE", operation.label)


@pytest.mark.parametrize("role", ["admin", "volunteer"])
def test_api_fuzz(world, role):
    _token, plaintext = account_services.api_token_create(actor=world[role], name="fuzz")
    headers = {"Authorization": f"Bearer {plaintext}"}
    app = WSGIHandler()
    schema = schemathesis.openapi.from_dict(_schema())
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_order)
    assert len(operations) >= 50
    if ONLY:
        operations = [op for op in operations if any(part in op.label for part in ONLY)]
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call(app=app, headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            cache.clear()  # request throttles count per token: each operation starts afresh
            try:
                with _keep_test_connection():
                    run()
            except (Exception, BaseExceptionGroup) as exc:  # reported together, below
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, f"{len(failures)} failing:\n\n" + "\n\n".join(failures)
