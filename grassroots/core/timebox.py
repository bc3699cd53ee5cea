"""Run queries within a time budget: ``with within(0.8): ...`` raises :class:`TooSlow` when the
database work inside takes longer, and leaves the connection as it was.

For screens that must answer at once and can deliver the slow answer later (the segment
builder's live count shows "counting…" and asks again without a budget). PostgreSQL:
``statement_timeout`` in a savepoint; SQLite: a progress handler that interrupts the statement.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction


class TooSlow(Exception):
    """The work did not finish within its budget (nothing it did was kept)."""


@contextmanager
def within(seconds: float) -> Iterator[None]:
    if seconds <= 0:  # no time at all: do not start
        raise TooSlow
    ms = max(1, int(seconds * 1000))
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SHOW statement_timeout")
                before = cur.fetchone()[0]
                cur.execute(f"SET LOCAL statement_timeout = {ms}")
                yield
                cur.execute("SELECT set_config('statement_timeout', %s, true)", [before])
        except OperationalError as exc:
            if type(exc.__cause__).__name__ == "QueryCanceled":
                raise TooSlow from exc
            raise
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        deadline = time.monotonic() + ms / 1000
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 200)
        try:
            with transaction.atomic():
                yield
        except OperationalError as exc:
            if "interrupted" in str(exc):
                raise TooSlow from exc
            raise
        finally:
            raw.set_progress_handler(None, 0)
        return
    yield  # another database: no budget
