"""Bench-only settings and URLs for the served part of ``BENCH=webhooks`` (never used in
production): the real site plus the minimal webhook handler of ``bench.webhooks`` at
``/bench/minimal-hook/``, the baseline served by the same gunicorn through the same middleware."""

from __future__ import annotations

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from grassroots.settings import *  # noqa: F403

ROOT_URLCONF = "bench.webhooks_site"
ALLOWED_HOSTS = ["*"]


@csrf_exempt
def minimal(request):
    from bench import webhooks

    view = webhooks.minimal_view
    if not hasattr(view, "account_id"):  # the bench's provider account, read once per worker
        from django.utils import timezone

        from grassroots.messaging.models import ProviderAccount

        view.account_id = ProviderAccount.objects.get(kind="twilio").pk
        view.now = timezone.now()
    return view(request)


def __getattr__(name: str):  # the URLconf is read after settings are loaded
    if name == "urlpatterns":
        from bench.webhooks import MINIMAL_PATH
        from grassroots import urls

        return [path(MINIMAL_PATH.strip("/") + "/", minimal), *urls.urlpatterns]
    if name == "handler500":
        return "grassroots.api.errors.server_error"
    raise AttributeError(name)
