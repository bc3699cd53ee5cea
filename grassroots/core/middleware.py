"""Errors mapped once for screens (ARCHITECTURE §3.6): the API has ``api.errors``.

``NotFound`` and ``Forbidden`` are Django's ``Http404`` and ``PermissionDenied``, so Django
answers them (404 and 403 pages). A ``Conflict`` that no view caught becomes a 409 page with its
message (an HTMX request gets the message alone, for the swap target). Views that show errors
next to a form catch ``ValidationError`` — which ``Conflict`` and ``Invalid`` both are.
"""

from __future__ import annotations

from django.conf import settings
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


class SecurityHeadersMiddleware:
    """The headers every answer of the app carries (issue 14; ADR 0015 for the policy):

    * ``Content-Security-Policy`` — ``settings.GRASSROOTS_CSP``: scripts, styles, fonts and
      images from this site only, no inline script or event handler, no ``eval``, no
      ``<style>`` element or ``style=`` attribute, no framing, forms post only here. Templates
      put behaviour in ``static/grassroots/*.js`` (see docs/architecture.md, "No inline code").
    * ``Cache-Control: no-store`` — pages and API answers carry personal data: no browser,
      proxy or back/forward cache keeps them. A view that set its own ``Cache-Control`` keeps
      it (with ``no-store`` added unless it is ``public``). Static files are answered by
      WhiteNoise above this middleware and stay cacheable.
    * Cookies set on an HTTPS request (``request.is_secure()``, which trusts the proxy's
      header only when ``SECURE_PROXY_SSL_HEADER`` is configured) are marked ``Secure`` outside
      DEBUG, even when ``SESSION_COOKIE_SECURE`` was left off.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._policy: tuple[object, str] = (None, "")

    def policy(self) -> str:
        directives = settings.GRASSROOTS_CSP
        if self._policy[0] is not directives:  # built once per settings value
            text = "; ".join(
                f"{name} {' '.join(values)}".strip() for name, values in directives.items()
            )
            self._policy = (directives, text)
        return self._policy[1]

    def __call__(self, request):
        response = self.get_response(request)
        policy = self.policy()
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        cache = response.get("Cache-Control", "")
        if not cache:
            response["Cache-Control"] = "no-store"
        elif "no-store" not in cache and "public" not in cache:
            response["Cache-Control"] = f"{cache}, no-store"
        if request.is_secure() and not settings.DEBUG:
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response
