"""The OpenAPI schema says what the API does (issue 14): every error status an operation can
answer is documented with the one error shape (``grassroots.api.errors``), and ids in paths are
bounded like every other id (``grassroots.core.ids``). The API fuzz run
(``api/tests/test_fuzz.py``) holds the API to this schema."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

from grassroots.core.ids import ID_SCHEMA


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="What went wrong, for a program: invalid, not_authenticated, "
        "authentication_failed, permission_denied, not_found, conflict, payload_too_large, "
        "throttled, parse_error, server_error…"
    )
    message = serializers.CharField(help_text="What went wrong, for a person.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="With code invalid: per field (or non_field_errors), the list of its messages "
        "(an object for a nested field).",
    )


class ErrorSerializer(serializers.Serializer):
    """``{"error": {"code", "message", "fields"}}``: every error the API answers."""

    error = ErrorDetailSerializer()


# Which operations can answer each status.
ERRORS = {
    "400": "Invalid input: a field, a query parameter or the body (fields say which).",
    "401": "No credentials, or an invalid or revoked token.",
    "403": "The caller's roles do not allow this.",
    "404": "No such object, or not in the caller's areas (the same answer); or no such page.",
    "409": "The request conflicts with the current state of the object.",
    "413": "The request body is too large.",
    "415": "The body's media type is not one this operation reads.",
    "429": "Too many requests: wait (Retry-After) and try again.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        for parameter in parameters:
            # An integer in a path, or an unbounded one in a query (a model-choice filter: ?area=,
            # ?person=), names a row: an id, bounded like every id.
            schema = parameter["schema"]
            if schema.get("type") == "integer" and (
                parameter.get("in") == "path" or {"minimum", "maximum"}.isdisjoint(schema)
            ):
                parameter["schema"] = {**schema, **ID_SCHEMA}
        body = "requestBody" in operation
        write = self.method not in ("GET", "HEAD", "OPTIONS")
        codes = {"401", "403", "429"}
        if body or parameters:
            codes |= {"400", "404"}
        if write:
            codes |= {"404", "409"}
        if body:
            codes |= {"413", "415"}
        ref = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation["responses"]
        for code in sorted(codes):
            answer = responses.setdefault(code, {"description": ERRORS[code]})
            answer.setdefault("content", {"application/json": {"schema": ref}})
        return operation
