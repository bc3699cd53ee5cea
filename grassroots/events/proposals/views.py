"""The public "propose your own event" form, and the organisers' list of proposals."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from grassroots.core import ratelimit
from grassroots.core.exceptions import NotFound
from grassroots.events.proposals import services

FIELDS = ("title", "type", "description", "date", "start", "end", "address", "capacity",
          "given_name", "family_name", "email", "phone")  # fmt: skip
ZONE = "Asia/Kolkata"
RATE = 5  # proposals per IP per hour


def _when(date: str, time: str, zone: str) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(date)
        at = dt.time.fromisoformat(time)
    except (TypeError, ValueError):
        return None
    return dt.datetime.combine(day, at, ZoneInfo(zone))


class ProposeView(View):
    template = "events/proposals/propose.html"

    def _ctx(self, **extra):
        return {"types": services.proposable_types(), **extra}

    def get(self, request):
        return render(request, self.template, self._ctx(data={"capacity": "20"}))

    def post(self, request):
        data = {k: request.POST.get(k, "") for k in FIELDS}
        if request.POST.get("website"):  # the honeypot: people leave it empty
            return render(request, self.template, self._ctx(done=True))
        ip = request.META.get("REMOTE_ADDR", "")
        if not ratelimit.allow("events.propose", ip=ip, per_ip=RATE, window=3600):
            return render(
                request,
                self.template,
                self._ctx(
                    data=data, form_error=_("Too many proposals from here; try again in an hour.")
                ),
                status=429,
            )
        zone = ZONE if ZONE else settings.TIME_ZONE
        parsed = {
            **data,
            "starts_at": _when(data["date"], data["start"], zone),
            "ends_at": _when(data["date"], data["end"], zone),
            "time_zone": zone,
        }
        try:
            services.event_propose(data=parsed)
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
            for src, dst in (("starts_at", "start"), ("ends_at", "end")):
                if src in errors:
                    errors[dst] = errors.pop(src)
            return render(request, self.template, self._ctx(data=data, errors=errors), status=400)
        return render(request, self.template, self._ctx(done=True))


class ProposalListView(View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_capability(services.MANAGE):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(
            request,
            "events/proposals/list.html",
            {"proposals": services.proposals(actor=request.user)},
        )

    def post(self, request):
        event = (
            services.proposals(actor=request.user)
            .filter(public_id=request.POST.get("event") or None)
            .first()
            if _uuid(request.POST.get("event"))
            else None
        )
        if event is None:
            raise NotFound
        approve = request.POST.get("decision") == "approve"
        try:
            services.proposal_decide(
                actor=request.user, event=event, approve=approve, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(event)s is approved and published.") % {"event": event.title}
                if approve
                else _("%(event)s is declined.") % {"event": event.title},
            )
        return redirect(reverse("events:proposals"))


def _uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
