from __future__ import annotations

import logging

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from grassroots.core import events, health, outbox
from grassroots.core.models import Job
from grassroots.core.registry import dashboard_tiles

logger = logging.getLogger(__name__)


@login_required
def dashboard(request):
    tiles = []
    for provider in dashboard_tiles:
        tiles.extend(provider(request))
    tiles.sort(key=lambda t: t.order)
    return render(request, "core/dashboard.html", {"tiles": tiles})


def server_error(request):
    """The 500 page in the app's layout; if that cannot render either (the database is down, a
    template is broken), a plain page that needs nothing."""
    try:
        return render(request, "500.html", status=500)
    except Exception:  # noqa: BLE001 - the last resort must not fail
        logger.exception("The 500 page could not be rendered")
        return HttpResponseServerError(
            "<!doctype html><title>Server error</title><h1>Server error</h1>"
            "<p>Something went wrong on our side. <a href='/'>Start again</a>.</p>",
            content_type="text/html; charset=utf-8",
        )


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon (no 404s)."""
    return redirect(static("grassroots/favicon.svg"), permanent=True)


@never_cache
def healthz(request):
    db = health.database_status()
    worker = health.worker_status() if db["ok"] else {"ok": False, "error": "database down"}
    ok = db["ok"] and worker["ok"]
    return JsonResponse(
        {"status": "ok" if ok else "degraded", "database": db, "worker": worker},
        status=200 if db["ok"] else 503,
    )


@login_required
def job_status(request, pk):
    """The live progress partial (HTMX polls it until the job ends)."""
    job = Job.objects.filter(pk=pk).first()
    if job is None or (
        job.created_by_id
        and job.created_by_id != request.user.pk
        and not request.user.has_capability("*")
    ):
        raise Http404
    return render(request, "core/job_status.html", {"job": job})


@login_required
def dead_letter_list(request):
    """Event deliveries parked after too many failures: the error, and a Retry button."""
    qs = outbox.dead_letter_list(actor=request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for d in page.object_list:
        etype = events.event_type(d.event.name)
        d.event_label = etype.label if etype else ""
        d.error_summary = d.last_error.split("\n", 1)[0]
    return render(
        request,
        "core/dead_letter_list.html",
        {"page": page, "max_attempts": outbox.MAX_ATTEMPTS, "querystring": ""},
    )


@login_required
@require_POST
def delivery_retry(request, pk):
    delivery = outbox.delivery_retry(actor=request.user, delivery_id=pk)
    flash.success(
        request,
        _("Delivery of %(event)s to %(subscriber)s queued again.")
        % {"event": delivery.event, "subscriber": delivery.subscriber},
    )
    return redirect("core:dead_letter_list")
