"""Request bodies the API reads, bounded: a JSON or form body larger than Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB unless configured) answers 413 before it is read into
memory. DRF's own parsers read a body of any size; multipart uploads (files) stream to disk and
keep Django's limits for their other fields."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers


def _check_size(parser_context) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    request = (parser_context or {}).get("request")
    if limit is None or request is None:
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise RequestDataTooBig("The request body is too large.")  # api.errors: 413


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_size(parser_context)
        return super().parse(stream, media_type, parser_context)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_size(parser_context)
        return super().parse(stream, media_type, parser_context)
