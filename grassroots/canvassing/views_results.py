"""An effort's live field results: the dashboard (its numbers refresh every 15 s by HTMX; the
map stays and recolours the doors visited since its last look), the map's door points as JSON,
the uploads that could not be applied, and the visits as CSV."""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.canvassing import results, safety
from grassroots.canvassing.models import SafetyAlert
from grassroots.canvassing.services import MANAGE, VIEW
from grassroots.core import access, maps
from grassroots.lists.outputs.tables import csv_lines

POLL_SECONDS = 15


def _live_context(effort, request=None) -> dict:
    can_manage = request is not None and (
        access.can(request.user, MANAGE) and access.is_visible(effort, request.user, access.CHANGE)
    )
    return {
        "effort": effort,
        "alerts": safety.alerts_for(actor=request.user, effort=effort) if request else {},
        "can_manage": can_manage,
        "totals": results.totals(effort),
        "questions": results.answers_by_question(effort),
        "canvassers": results.per_canvasser(effort),
        "turfs": results.per_turf(effort),
        "areas": results.per_area(effort),
        "poll_seconds": POLL_SECONDS,
    }


class ResultsView(CapabilityRequiredMixin, View):
    capability = VIEW

    def get(self, request, pk):
        effort = results.effort_get(actor=request.user, pk=pk)
        context = _live_context(effort, request)
        context.update(tiles=settings.EVENTS_MAP_TILES, attribution=settings.EVENTS_MAP_ATTRIBUTION)
        response = render(request, "canvassing/results/dashboard.html", context)
        maps.allow_tiles(response)
        return response


class ResultsLiveView(CapabilityRequiredMixin, View):
    """The numbers and tables only (HTMX swaps them every ``POLL_SECONDS``)."""

    capability = VIEW

    def get(self, request, pk):
        effort = results.effort_get(actor=request.user, pk=pk)
        return render(request, "canvassing/results/_live.html", _live_context(effort, request))


class AlertAcknowledgeView(CapabilityRequiredMixin, View):
    """Canvasser safety: an organiser acknowledges a check-in or a call for help."""

    capability = MANAGE

    def post(self, request, pk, alert_pk):
        effort = results.effort_get(actor=request.user, pk=pk)
        alert = (
            SafetyAlert.objects.visible_to(request.user).filter(effort=effort, pk=alert_pk).first()
        )
        if alert is None:
            raise Http404
        safety.alert_acknowledge(actor=request.user, alert=alert)
        messages.success(request, _("Alert acknowledged."))
        return redirect("canvassing:results", effort.pk)


class DoorPointsView(CapabilityRequiredMixin, View):
    """``{"doors": [[id, lat, lon, knocks, contacted], …], "server_time"}``; ``?since=`` (an
    ISO time, e.g. the last answer's ``server_time``) gives the doors visited since."""

    capability = VIEW

    def get(self, request, pk):
        effort = results.effort_get(actor=request.user, pk=pk)
        raw = request.GET.get("since") or ""
        try:
            since = parse_datetime(raw) if raw else None
        except ValueError:
            since = None
        if raw and since is None:
            return JsonResponse({"error": "since: not a date and time"}, status=400)
        if since is not None and timezone.is_naive(since):
            since = timezone.make_aware(since, dt.UTC)
        return JsonResponse(results.door_points(effort, since))


class RejectionsView(CapabilityRequiredMixin, View):
    capability = MANAGE

    def get(self, request, pk):
        effort = results.effort_get(actor=request.user, pk=pk)
        rows = list(results.rejections(actor=request.user, effort=effort))
        for r in rows:
            r.payload_text = json.dumps(r.payload, ensure_ascii=False, indent=1)[:5000]
        return render(
            request,
            "canvassing/results/rejections.html",
            {"effort": effort, "rejections": rows, "limit": results.MAX_REJECTIONS},
        )


class VisitsExportView(CapabilityRequiredMixin, View):
    """The effort's visits as CSV, streamed (one row per visit, each question a column)."""

    capability = VIEW

    def get(self, request, pk):
        effort = results.effort_get(actor=request.user, pk=pk)
        header, questions = results.export_header(effort)
        rows = results.export_rows(actor=request.user, effort=effort, questions=questions)
        response = StreamingHttpResponse(
            csv_lines(header, rows), content_type="text/csv; charset=utf-8"
        )
        name = slugify(effort.name) or "effort"
        response["Content-Disposition"] = f'attachment; filename="visits-{name}-{effort.pk}.csv"'
        return response
