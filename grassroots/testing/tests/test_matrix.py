"""``assert_matrix`` passes a view that behaves and fails one that leaks, changes or misanswers."""

from __future__ import annotations

import pytest

from grassroots.core import jobs
from grassroots.core.models import Job
from grassroots.testing.matrix import LOGIN, api_client, assert_matrix, html_client, snapshot

pytestmark = pytest.mark.urls("grassroots.testing.tests.urls")

EXPECT = {"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200}


@pytest.fixture(autouse=True)
def login_url(settings):
    settings.LOGIN_URL = "/login/"


@pytest.fixture
def job(users):
    return jobs.job_create(kind="t", title="Secret roll-up", actor=users["organiser"])


@pytest.fixture
def cols(users):
    return {
        "anonymous": None,
        "wrong_role": users["nobody"],
        "out_of_scope": users["volunteer"],
        "allowed": users["organiser"],
    }


def _unchanged(job):
    return lambda: snapshot(Job.objects.filter(pk=job.pk))


def test_a_view_that_behaves_passes_and_returns_the_responses(job, cols):
    responses = assert_matrix(
        html_client, "get", f"/good/{job.pk}/", users=cols, expect=EXPECT,
        leaks=["Secret roll-up"], unchanged=_unchanged(job),
    )  # fmt: skip
    assert responses["allowed"].content == b"<h1>Secret roll-up</h1>"
    assert set(responses) == set(EXPECT)


def test_a_wrong_status_fails(job, cols):
    with pytest.raises(AssertionError, match=r"as out_of_scope .*status 404, expected 403"):
        assert_matrix(
            html_client, "get", f"/good/{job.pk}/", users=cols,
            expect={**EXPECT, "out_of_scope": 403},
        )  # fmt: skip


def test_anonymous_must_be_sent_to_the_login_page(job, cols):
    with pytest.raises(AssertionError, match="as anonymous"):
        assert_matrix(
            html_client, "get", f"/api/{job.pk}/", users=cols, expect={"anonymous": LOGIN}
        )


def test_a_leak_in_an_error_page_fails(job, cols):
    with pytest.raises(AssertionError, match=r"out_of_scope .*leaks 'Secret roll-up'"):
        assert_matrix(
            html_client, "get", f"/leaky/{job.pk}/", users=cols, expect=EXPECT,
            leaks=["Secret roll-up"],
        )  # fmt: skip


def test_a_leak_is_found_html_escaped_too(users, cols):
    job = jobs.job_create(kind="t", title="Das & Sons", actor=users["organiser"])
    with pytest.raises(AssertionError, match="leaks 'Das & Sons'"):
        assert_matrix(
            html_client, "get", f"/leaky/{job.pk}/", users=cols, expect=EXPECT,
            leaks=["Das & Sons"],
        )  # fmt: skip


def test_a_change_by_a_refused_user_fails(job, cols):
    with pytest.raises(AssertionError, match=r"wrong_role .*the data changed"):
        assert_matrix(
            html_client, "post", f"/changes-first/{job.pk}/", data={"title": "Hijacked"},
            users=cols, expect={**EXPECT, "anonymous": LOGIN}, unchanged=_unchanged(job),
        )  # fmt: skip


def test_the_allowed_column_may_change_things_and_runs_last(job, cols):
    assert_matrix(
        html_client, "post", f"/good/{job.pk}/", data={"title": "Renamed"},
        users=cols, expect=EXPECT, unchanged=_unchanged(job),
    )  # fmt: skip
    job.refresh_from_db()
    assert job.title == "Renamed"


def test_leak_strings_the_allowed_page_never_shows_are_refused(job, cols):
    with pytest.raises(AssertionError, match="cannot fail"):
        assert_matrix(
            html_client, "get", f"/good/{job.pk}/", users=cols, expect=EXPECT,
            leaks=["a string no page shows"],
        )  # fmt: skip


def test_api_errors_must_be_the_error_envelope(job, cols):
    api_expect = {"anonymous": 401, "out_of_scope": 404, "allowed": 200}
    assert_matrix(
        api_client, "get", f"/api/{job.pk}/", users=cols, expect=api_expect,
        leaks=["Secret roll-up"], json_errors=True,
    )  # fmt: skip
    with pytest.raises(AssertionError, match="not the API error envelope"):
        assert_matrix(
            api_client, "get", f"/api/{job.pk}/?bare=1", users=cols,
            expect={"out_of_scope": 404}, json_errors=True,
        )  # fmt: skip


def test_a_column_with_no_user_is_a_mistake(job, cols):
    with pytest.raises(AssertionError, match="no user"):
        assert_matrix(html_client, "get", f"/good/{job.pk}/", users={}, expect={"admin": 200})
