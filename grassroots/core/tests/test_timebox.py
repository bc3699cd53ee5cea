"""``core.timebox.within``: work over its budget stops with ``TooSlow`` and the connection is
usable afterwards, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from grassroots.core.timebox import TooSlow, within

SLOW = {
    # a counting loop of ten million rows: seconds on any machine
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000) "
    "SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(5)",
}


def one(sql="SELECT 1"):
    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


@pytest.mark.django_db
def test_slow_work_stops_and_the_connection_goes_on():
    with pytest.raises(TooSlow), within(0.05):
        one(SLOW[connection.vendor])
    assert one() == 1
    with within(5):
        assert one() == 1
    assert one() == 1


@pytest.mark.django_db
def test_a_budget_of_nothing_does_not_start():
    ran = []
    with pytest.raises(TooSlow), within(0):
        ran.append(True)
    assert ran == []


@pytest.mark.django_db(transaction=True)
def test_the_budget_does_not_outlive_the_block():
    with within(0.5):
        one()
    one("SELECT 1")  # a later statement of the same connection has no budget
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW statement_timeout")
            assert cur.fetchone()[0] == "0"
