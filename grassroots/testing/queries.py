"""``assert_constant_queries``: a list answers in as many queries for 2 rows as for 8 (no N+1)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def capture(fetch: Callable[[], Any]) -> tuple[Any, list[str]]:
    """Run ``fetch`` and return its result and the SQL it ran."""
    with CaptureQueriesContext(connection) as ctx:
        result = fetch()
    return result, [q["sql"] for q in ctx.captured_queries]


def _shape(sql: str) -> str:
    """The SQL with literals and id lists blurred, to tell which statement repeats per row."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return re.sub(r"\((?:\?,\s*)+\?\)", "(?…)", sql)


def assert_constant_queries(
    make_rows: Callable[[int, int], Any],
    fetch: Callable[[], Any],
    *,
    sizes: Sequence[int] = (2, 8),
    status: int | None = 200,
    shown: Callable[[Any], int] | None = None,
) -> list[int]:
    """Add rows up to each of ``sizes`` and assert ``fetch`` makes the same number of queries.

    ``make_rows(count, start)`` adds ``count`` more rows (``start`` = how many were made before,
    for unique names). ``fetch()`` requests the page; a response's status must be ``status``
    (``None``: not checked). ``shown(response)``, if given, counts the rows the response shows:
    it must grow with the rows made, so a page that shows none of them cannot pass. Returns the
    query counts, one per size. The first fetch is a warm-up (sessions, content types)."""
    assert len(sizes) >= 2 and list(sizes) == sorted(sizes), "sizes: at least two, ascending"
    counts: list[int] = []
    statements: list[list[str]] = []
    seen: list[int] = []
    made = 0
    for i, size in enumerate(sizes):
        make_rows(size - made, made)
        made = size
        if i == 0:
            fetch()  # warm caches
        result, sql = capture(fetch)
        if status is not None and hasattr(result, "status_code"):
            assert result.status_code == status, (
                f"{size} rows: status {result.status_code}, expected {status}"
            )
        if shown is not None:
            seen.append(shown(result))
        counts.append(len(sql))
        statements.append(sql)
    if shown is not None:
        grew = [b - a for a, b in zip(seen, seen[1:], strict=False)]
        want = [b - a for a, b in zip(sizes, sizes[1:], strict=False)]
        assert grew == want, (
            f"the page shows {seen} rows for {list(sizes)} made: the count would prove nothing"
        )
    if len(set(counts)) != 1:
        extra = Counter(map(_shape, statements[-1])) - Counter(map(_shape, statements[0]))
        detail = "\n".join(f"  +{n} × {sql[:300]}" for sql, n in extra.most_common(5))
        raise AssertionError(
            f"query count grows with the rows: {dict(zip(sizes, counts, strict=True))}\n"
            f"statements that repeat per row:\n{detail}"
        )
    return counts
