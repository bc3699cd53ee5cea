"""The four errors a service raises (ARCHITECTURE §3.6), mapped once for HTML and once for the API.

- ``NotFound``: the object does not exist **or the actor may not see it** (the same answer, so
  an id outside one's scope cannot be told from a missing one). A ``Http404``, so Django's
  handler and DRF's answer 404 without any view code.
- ``Forbidden``: the actor lacks the capability for the action (403). A ``PermissionDenied``.
- ``Conflict``: the request is valid but the object's state refuses it now (409): the file is
  being imported right now, the broadcast has already finished… A ``ValidationError`` too, so a
  screen that shows a service's errors next to the form shows this one the same way; the API
  answers it with 409 (``api.errors``) and an uncaught one on a screen becomes a 409 page
  (``core.middleware.ErrorMiddleware``).
- ``Invalid``: bad input, with field errors (400 in the API, a form re-rendered on screens). A
  Django ``ValidationError``, so forms and existing ``except ValidationError`` keep working.

Views never string-match messages: they catch these types (or let the middleware and the API's
exception handler map them).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404


class NotFound(Http404):
    """Missing, or outside the actor's scope: never tell the two apart."""


class Forbidden(PermissionDenied):
    """The actor may not do this at all (no capability)."""


class Conflict(ValidationError):
    """The object's state refuses the action now (HTTP 409): ``Conflict("message")``."""

    def __init__(self, message: Any = "", code: str = "conflict", params: Any = None):
        super().__init__(message, code=code, params=params)


class Invalid(ValidationError):
    """Bad input: ``Invalid({"field": "message"})`` or ``Invalid("message")``."""
