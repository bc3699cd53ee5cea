"""The check-in screen (staff with events.manage, or an approved host through their link), the
scanner's endpoint, and the attendee's public ticket with its QR code."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from grassroots.core import access
from grassroots.core.exceptions import Conflict
from grassroots.events.checkin import selectors, services
from grassroots.events.models import Registration, Shift
from grassroots.events.proposals import hosting
from grassroots.events.registry import checkin_row_actions


def _errors(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {k: " ".join(v) for k, v in exc.message_dict.items()}
    return {"": " ".join(exc.messages)}


class CheckinMixin:
    """The event and the acting party: a signed-in organiser (``public_id`` in the address,
    events.manage, the event in their scope) or a host (``host`` token in the address)."""

    def dispatch(self, request, *args, **kwargs):
        if "host" in kwargs:
            self.event = hosting.event_for_host(kwargs["host"])
            self.actor = access.SYSTEM
            self.base = reverse("events:host", args=[kwargs["host"]])
            self.hosting = True
        else:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_capability(services.MANAGE):
                raise PermissionDenied
            self.event = selectors.event_for_checkin(
                actor=request.user, public_id=kwargs["public_id"]
            )
            self.actor = request.user
            self.base = reverse("events:checkin", args=[self.event.public_id])
            self.hosting = False
        return super().dispatch(request, *args, **kwargs)

    def list_context(self, request, **extra):
        q = request.GET.get("q", "")
        return {
            "event": self.event,
            "registrations": selectors.registrations(self.event, q),
            "counts": selectors.counts(self.event),
            "q": q,
            "base": self.base,
            "hosting": self.hosting,
            "row_actions": list(checkin_row_actions),
            **extra,
        }


class CheckinView(CheckinMixin, View):
    def get(self, request, **kwargs):
        ctx = self.list_context(request)
        if request.headers.get("HX-Request"):
            return render(request, "events/checkin/_list.html", ctx)
        ctx["shifts"] = list(self.event.shifts.all())
        return render(request, "events/checkin/screen.html", ctx)


class CheckinMarkView(CheckinMixin, View):
    def post(self, request, pk, **kwargs):
        reg = get_object_or_404(Registration, pk=pk, event=self.event)
        try:
            services.attendance_mark(
                actor=self.actor, registration=reg, attendance=request.POST.get("attendance", "")
            )
            error = ""
        except ValidationError as exc:  # a Conflict too
            error = " ".join(exc.messages)
        ctx = self.list_context(request, error=error)
        if request.headers.get("HX-Request"):
            return render(request, "events/checkin/_list.html", ctx, status=409 if error else 200)
        return redirect(self.base)


class CheckinWalkInView(CheckinMixin, View):
    def post(self, request, **kwargs):
        shift = None
        if request.POST.get("shift"):
            shift = Shift.objects.filter(pk=request.POST.get("shift"), event=self.event).first()
        data = {k: request.POST.get(k, "") for k in ("given_name", "family_name", "phone", "email")}
        try:
            reg = services.walk_in_add(actor=self.actor, event=self.event, shift=shift, **data)
        except ValidationError as exc:
            ctx = self.list_context(request, walk_in=data, walk_in_errors=_errors(exc))
            ctx["shifts"] = list(self.event.shifts.all())
            return render(request, "events/checkin/screen.html", ctx, status=400)
        ctx = self.list_context(
            request,
            notice=_("%(name)s is checked in.") % {"name": reg.person.full_name},
        )
        ctx["shifts"] = list(self.event.shifts.all())
        return render(request, "events/checkin/screen.html", ctx)


class CheckinScanView(CheckinMixin, View):
    """What the scanner posts: ``code`` (the QR's text). JSON back, for the screen to say."""

    def post(self, request, **kwargs):
        try:
            reg = services.scan(
                actor=self.actor, event=self.event, code=request.POST.get("code", "")
            )
        except Conflict as exc:
            return JsonResponse({"ok": False, "message": " ".join(exc.messages)}, status=409)
        except ValidationError as exc:
            return JsonResponse({"ok": False, "message": " ".join(exc.messages)}, status=400)
        name = reg.person.full_name
        return JsonResponse(
            {"ok": True, "message": _("%(name)s is checked in.") % {"name": name}, "name": name}
        )


class TicketView(View):
    """An older ticket address: the sign-up's own page shows the ticket now."""

    def get(self, request, token):
        return redirect("events:rsvp_page", token=token)


def ticket_qr(request, token):
    reg = services.ticket_get(token)
    response = HttpResponse(services.qr_svg(services.ticket_url(reg)), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response
