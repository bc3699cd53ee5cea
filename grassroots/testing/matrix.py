"""The authorisation matrix (ARCHITECTURE §5): one request per column, three assertions each.

Usage::

    assert_matrix(
        html_client, "get", reverse("people:person_detail", args=[p.pk]),
        users={"anonymous": None, "wrong_role": nobody, "out_of_scope": vol_p2, "allowed": vol_p1},
        expect={"anonymous": LOGIN, "wrong_role": 403, "out_of_scope": 404, "allowed": 200},
        leaks=[p.given_name, phone],
        unchanged=lambda: snapshot(Person.objects.filter(pk=p.pk)),
    )

For every column that is not allowed (``allowed`` names the columns that are, by default just
``"allowed"``) the helper asserts:

1. the status is the expected one (``LOGIN`` = a redirect to the login page);
2. none of ``leaks`` appears in the body (raw, HTML-unescaped and JSON-unescaped);
3. ``unchanged()`` gives the same value after the request as before it.

Allowed columns run last (their request may change the data) and are checked for their status
only — except that on a successful GET or HEAD at least one of ``leaks`` must be in an allowed
body, so a leak check that could never fail (strings no page shows) fails loudly instead.
With ``json_errors=True`` (API endpoints) every non-allowed 4xx answer must be the API's error
envelope ``{"error": {"code": …, "message": …}}``.
"""

from __future__ import annotations

import contextlib
import html
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.shortcuts import resolve_url
from django.test import Client

LOGIN = "login"  # expected "status": a redirect to the login page (HTML views, anonymous)

ClientFactory = Callable[[Any], Client]
Expectation = int | str | Collection[int]


def html_client(user: Any = None) -> Client:
    """A Django test client signed in as ``user`` (``None``: anonymous)."""
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def api_client(user: Any = None):
    """DRF's ``APIClient`` with a session for ``user`` (``None``: anonymous)."""
    from rest_framework.test import APIClient

    c = APIClient()
    if user is not None:
        c.force_login(user)
    return c


def token_client(header: str):
    """An ``APIClient`` sending ``Authorization: <header>`` (e.g. ``"Bearer grt_…"``)."""
    from rest_framework.test import APIClient

    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=header)
    return c


def snapshot(*sources: models.QuerySet | type[models.Model]) -> tuple:
    """Every row of each queryset (or model) as dicts, in primary-key order — for ``unchanged``.

    A ``.values("a", "b")`` queryset snapshots just those fields (leave out ``last_login``,
    which signing a test client in changes)."""
    out = []
    for source in sources:
        qs = source if isinstance(source, models.QuerySet) else source._default_manager.all()
        qs = qs.order_by("pk")
        if not getattr(qs, "_fields", None):  # a ``.values(...)`` queryset keeps its fields
            qs = qs.values()
        out.append([dict(row) for row in qs])
    return tuple(out)


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
        response.streaming_content = [content]  # readable again by the caller
    else:
        content = response.content
    return content.decode(response.charset or "utf-8", errors="replace")


def _variants(text: str) -> list[str]:
    """The body as sent, HTML-unescaped, and JSON-unescaped (``\\u0985`` → ``অ``)."""
    out = [text, html.unescape(text)]
    with contextlib.suppress(ValueError, TypeError):
        out.append(json.dumps(json.loads(text), ensure_ascii=False))
    return out


def _status_ok(response, expected: Expectation) -> bool:
    if expected == LOGIN:
        if response.status_code != 302:
            return False
        login = resolve_url(settings.LOGIN_URL)
        return response["Location"].split("?")[0] == login
    if isinstance(expected, int):
        return response.status_code == expected
    return response.status_code in expected


def assert_matrix(
    client_factory: ClientFactory,
    method: str,
    url: str,
    *,
    users: Mapping[str, Any],
    expect: Mapping[str, Expectation],
    data: Any = None,
    unchanged: Callable[[], Any] | None = None,
    leaks: Iterable[str] = (),
    allowed: Collection[str] = ("allowed",),
    json_errors: bool = False,
    **request_kwargs: Any,
) -> dict[str, Any]:
    """Request ``url`` as each column's user; assert status, no leak, no change (see module doc).

    ``users`` maps a column to its user (``None`` = anonymous; a missing ``"anonymous"`` column
    defaults to ``None``); ``expect`` maps the columns to check to a status, a collection of
    statuses or ``LOGIN``. ``request_kwargs`` go to the client's method (``format="json"``,
    ``content_type=…``, ``HTTP_HX_REQUEST=…``). Returns ``{column: response}``."""
    leaks = [s for s in leaks if s]
    method = method.lower()
    unknown = set(expect) - set(users) - {"anonymous"}
    assert not unknown, f"matrix columns with no user: {sorted(unknown)}"
    order = [c for c in expect if c not in allowed] + [c for c in expect if c in allowed]
    responses: dict[str, Any] = {}
    failures: list[str] = []
    for column in order:
        user = users.get(column)
        client = client_factory(user)
        before = unchanged() if unchanged is not None else None
        call = getattr(client, method)
        response = (
            call(url, data, **request_kwargs) if data is not None else call(url, **request_kwargs)
        )
        responses[column] = response
        text = body_text(response)
        where = f"{method.upper()} {url} as {column} ({user if user is not None else 'anonymous'})"
        if not _status_ok(response, expect[column]):
            location = response.get("Location", "") if hasattr(response, "get") else ""
            failures.append(
                f"{where}: status {response.status_code}{' → ' + location if location else ''}, "
                f"expected {expect[column]!r}"
            )
        if column in allowed:
            succeeded = method in ("get", "head") and 200 <= response.status_code < 300
            if succeeded and leaks and not any(s in v for s in leaks for v in _variants(text)):
                failures.append(
                    f"{where}: none of {leaks!r} is in the allowed body — the leak check "
                    "for the other columns cannot fail; name strings this page shows"
                )
            continue
        for secret in leaks:
            if any(secret in v for v in _variants(text)):
                failures.append(f"{where}: the body leaks {secret!r}")
        if unchanged is not None:
            after = unchanged()
            if after != before:
                failures.append(
                    f"{where}: the data changed:\n  before={before!r}\n  after={after!r}"
                )
        if json_errors and 400 <= response.status_code < 500:
            try:
                payload = json.loads(text)
            except ValueError:
                payload = None
            ok = (
                isinstance(payload, dict)
                and list(payload) == ["error"]
                and isinstance(payload["error"], dict)
                and payload["error"].get("code")
            )
            if not ok:
                failures.append(f"{where}: not the API error envelope: {text[:200]!r}")
    assert not failures, "authorisation matrix failed:\n- " + "\n- ".join(failures)
    return responses
