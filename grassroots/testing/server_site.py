"""Test-only settings and URLs for the web server tests (``tests/test_web_server.py``): the real
settings with two views that misbehave on purpose — one grows its memory without end, one never
finishes — to show that ``grassroots serve``'s watchdog replaces such a worker. Never installed
in production URLs."""

from __future__ import annotations

import os
import time

from django.http import HttpResponse, JsonResponse
from django.urls import path

from grassroots.settings import *  # noqa: F403

ROOT_URLCONF = "grassroots.testing.server_site"


def pid(request):
    return JsonResponse({"pid": os.getpid()})


def hog(request):
    """Allocate 16 MB at a time, touching every page, up to 2 GB (then give up)."""
    held = []
    for _ in range(128):
        held.append(bytearray(os.urandom(16)) * (1024 * 1024))
        time.sleep(0.02)
    return HttpResponse(f"still alive holding {len(held) * 16} MB", status=500)


def stuck(request):
    """Run for ten minutes (a request that never ends, as far as a test cares)."""
    end = time.monotonic() + 600
    while time.monotonic() < end:
        time.sleep(0.05)
    return HttpResponse("finished", status=500)


urlpatterns = [path("pid/", pid), path("hog/", hog), path("stuck/", stuck)]
