"""``assert_constant_queries`` passes a list with a fixed query count and fails an N+1."""

from __future__ import annotations

import pytest

from grassroots.core import jobs
from grassroots.testing.matrix import html_client
from grassroots.testing.queries import assert_constant_queries, capture

pytestmark = pytest.mark.urls("grassroots.testing.tests.urls")


@pytest.fixture
def make_jobs(users):
    def make(count: int, start: int) -> None:
        for i in range(start, start + count):
            jobs.job_create(kind="t", title=f"job {i}", actor=users["organiser"])

    return make


def _rows(response) -> int:
    return len(response.content.decode().splitlines())


def test_a_list_with_a_fixed_query_count_passes(users, make_jobs):
    c = html_client(users["manager"])
    counts = assert_constant_queries(make_jobs, lambda: c.get("/jobs/?fast=1"), shown=_rows)
    assert len(counts) == 2 and counts[0] == counts[1]


def test_an_n_plus_one_fails_and_names_the_repeated_statement(users, make_jobs):
    c = html_client(users["manager"])
    with pytest.raises(AssertionError, match=r"(?s)grows with the rows.*\+6 × SELECT"):
        assert_constant_queries(make_jobs, lambda: c.get("/jobs/"))


def test_a_page_that_shows_none_of_the_rows_proves_nothing(users, make_jobs):
    c = html_client(users["manager"])
    with pytest.raises(AssertionError, match="would prove nothing"):
        assert_constant_queries(make_jobs, lambda: c.get("/jobs/?fast=1"), shown=lambda r: 3)


def test_the_status_is_checked(users, make_jobs):
    c = html_client(users["nobody"])
    with pytest.raises(AssertionError, match="status 404"):
        assert_constant_queries(make_jobs, lambda: c.get("/nowhere/"))


def test_capture_returns_the_result_and_the_sql(db):
    result, sql = capture(lambda: list(jobs.Job.objects.all()))
    assert result == [] and len(sql) == 1 and "core_job" in sql[0]
