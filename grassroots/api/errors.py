"""One error shape for the whole API: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, renderers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from grassroots.core import views as core_views
from grassroots.core.exceptions import Conflict


def _flatten(detail):
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        flat = []
        for item in detail:
            value = _flatten(item)
            flat.extend(value if isinstance(value, list) else [value])
        return flat
    return str(detail)


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"
    default_detail = "The request is malformed."


def exception_handler(exc, context):
    """``core.exceptions`` mapped once: NotFound 404, Forbidden 403, Conflict 409, Invalid (and
    any Django ``ValidationError``) 400 with its fields; a body past Django's limits 413 (too
    large, too many fields or files), another refused request 400. Anything else is a bug: it
    goes on to Django (logged with its traceback) and ``server_error`` answers 500."""
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = BadRequest()
    elif isinstance(exc, Conflict):
        exc = ConflictError(" ".join(exc.messages) or None)
    elif isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    if request is not None and not isinstance(
        getattr(request, "accepted_renderer", None), renderers.JSONRenderer
    ):
        # An error is JSON even where the answer would have been CSV (?format=csv, Accept).
        request.accepted_renderer = renderers.JSONRenderer()
        request.accepted_media_type = "application/json"
    code = getattr(exc, "default_code", "error")
    body: dict = {"code": code, "message": ""}
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        body["code"] = "invalid"
        body["message"] = "The request has invalid fields."
        body["fields"] = fields
    else:
        body["message"] = str(getattr(exc, "detail", exc))
    return Response(
        {"error": body},
        status=response.status_code,
        # WWW-Authenticate of a 401, Retry-After of a 429 (throttled)
        headers=dict(response.items())
        if response.status_code in (status.HTTP_401_UNAUTHORIZED, status.HTTP_429_TOO_MANY_REQUESTS)
        else None,
    )


# The project's error views (``grassroots/urls.py``): under ``/api/`` an error that never reached
# a DRF view — no such route, a crash, a refused request — answers in the same shape as one that
# did; elsewhere the app's pages.


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status_code)


def server_error(request):
    if _is_api(request):
        return _error(500, "server_error", "Something went wrong on our side; it has been logged.")
    return core_views.server_error(request)


def not_found(request, exception=None):
    if _is_api(request):
        return _error(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    if _is_api(request):
        if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
            return _error(413, "payload_too_large", PayloadTooLarge.default_detail)
        return _error(400, "bad_request", BadRequest.default_detail)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return _error(403, "permission_denied", "You do not have permission to do this.")
    return defaults.permission_denied(request, exception)
