"""Errors mapped once for screens (ARCHITECTURE §3.6): the API has ``api.errors``.

``NotFound`` and ``Forbidden`` are Django's ``Http404`` and ``PermissionDenied``, so Django
answers them (404 and 403 pages). A ``Conflict`` that no view caught becomes a 409 page with its
message (an HTMX request gets the message alone, for the swap target). Views that show errors
next to a form catch ``ValidationError`` — which ``Conflict`` and ``Invalid`` both are.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from grassroots.core.exceptions import Conflict


class ErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, Conflict):
            return None
        message = " ".join(exception.messages)
        if request.headers.get("HX-Request"):
            return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
        return render(request, "core/conflict.html", {"message": message}, status=409)
