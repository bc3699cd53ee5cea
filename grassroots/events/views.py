"""Organiser screens for events: list, create/edit, detail with shifts and sign-ups, actions.

The public pages (no login) are in ``public_views``."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.core import access
from grassroots.events import selectors, services
from grassroots.events.forms import (
    COMMON_ZONES,
    EventForm,
    ReminderTimesForm,
    SeriesForm,
    ShiftCapacityForm,
    ShiftForm,
    local_datetime,
)
from grassroots.events.models import Event, Registration, Shift

PAGE_SIZE = 25
VIEW = "events.view"
MANAGE = "events.manage"


def _errors_into(form, exc: ValidationError) -> None:
    """A service's errors shown next to the fields they concern (the rest above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


class EventListView(CapabilityRequiredMixin, View):
    capability = VIEW

    def get(self, request):
        params = {
            "q": request.GET.get("q", "").strip()[:100],
            "type": request.GET.get("type", "")[:40],
            "status": request.GET.get("status", "")[:12],
            "when": request.GET.get("when", "upcoming")[:12],
        }
        qs = selectors.event_list(actor=request.user, **params)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "events/event_list.html",
            {
                "page": page,
                "types": selectors.event_types(),
                "statuses": Event.Status.choices,
                "filters": params,
                "filtered": any(params[k] for k in ("q", "type", "status")),
                "querystring": urlencode(params),
            },
        )


class EventFormView(CapabilityRequiredMixin, View):
    capability = MANAGE

    def _event(self, request, pk):
        if pk is None:
            return None
        return access.get_visible(Event, request.user, access.CHANGE, pk=pk)

    def _render(self, request, form, event, status=200):
        return render(
            request,
            "events/event_form.html",
            {"form": form, "event": event, "zones": COMMON_ZONES},
            status=status,
        )

    def get(self, request, pk=None):
        event = self._event(request, pk)
        initial = {}
        if event is not None:
            tz = zoneinfo.ZoneInfo(event.time_zone)
            initial = {
                "title": event.title,
                "type": event.type.slug,
                "description": event.description,
                "visibility": event.visibility,
                "area": event.area,
                "time_zone": event.time_zone,
                "starts_at": timezone.localtime(event.starts_at, tz).replace(tzinfo=None),
                "ends_at": timezone.localtime(event.ends_at, tz).replace(tzinfo=None),
                "address": event.address,
                "latitude": event.latitude,
                "longitude": event.longitude,
                "virtual_url": event.virtual_url,
                "tags": [t.slug for t in event.tags.all()],
                "hosts": list(event.hosts.select_related("area")),
                "contact_person": event.contact_person,
            }
        form = EventForm(initial=initial, actor=request.user, creating=event is None)
        return self._render(request, form, event)

    def post(self, request, pk=None):
        event = self._event(request, pk)
        form = EventForm(request.POST, actor=request.user, creating=event is None)
        if not form.is_valid():
            return self._render(request, form, event, status=400)
        data = form.service_data()
        try:
            if event is None:
                capacity = form.cleaned_data.get("capacity")
                shifts = (
                    [
                        {
                            "starts_at": data["starts_at"],
                            "ends_at": data["ends_at"],
                            "capacity": capacity,
                        }
                    ]
                    if capacity
                    else []
                )
                if shifts and data["ends_at"] < data["starts_at"]:
                    shifts = []  # the service names the real problem (end before start)
                event = services.event_create(
                    actor=request.user,
                    data=data,
                    shifts=shifts,
                    tags=form.cleaned_data["tags"],
                    hosts=form.cleaned_data["hosts"],
                )
                messages.success(request, _("Event created as a draft."))
            else:
                services.event_update(
                    actor=request.user,
                    event=event,
                    data=data,
                    tags=form.cleaned_data["tags"],
                    hosts=form.cleaned_data["hosts"],
                )
                messages.success(request, _("Event saved."))
        except ValidationError as exc:
            _errors_into(form, exc)
            return self._render(request, form, event, status=400)
        return redirect("events:event_detail", event.pk)


class EventDetailView(CapabilityRequiredMixin, View):
    capability = VIEW

    def get(self, request, pk):
        event = selectors.event_get(actor=request.user, pk=pk)
        return self.render_detail(request, event)

    @staticmethod
    def render_detail(request, event, *, shift_form=None, status=200, error=""):
        shifts = selectors.event_shifts(event)
        can_manage = access.can(request.user, MANAGE) and access.is_visible(
            event, request.user, access.CHANGE
        )
        regs = selectors.event_registrations(
            event,
            status=request.GET.get("status", ""),
            # who signed up for a campaign-wide event is shown to those who run it; others see
            # the sign-ups of the people in their own areas only
            people_of=None if can_manage else request.user,
        )
        page = Paginator(regs, 100).get_page(request.GET.get("page"))
        places = sum(s.capacity for s in shifts)
        confirmed = sum(s.confirmed_count for s in shifts)
        return render(
            request,
            "events/event_detail.html",
            {
                "event": event,
                "shifts": shifts,
                "page": page,
                "places": places,
                "confirmed": confirmed,
                "fill": round(100 * confirmed / places) if places else 0,
                "can_manage": can_manage,
                "shift_form": shift_form or ShiftForm(),
                "series_form": SeriesForm(),
                "error": error,
                "tz": event.time_zone,
                "public_url": reverse("events:public_event", args=[event.public_id]),
                "reg_statuses": Registration.Status.choices,
            },
            status=status,
        )


class EventActionView(CapabilityRequiredMixin, View):
    capability = MANAGE

    def post(self, request, pk, action):
        event = access.get_visible(Event, request.user, access.CHANGE, pk=pk)
        try:
            if action == "publish":
                services.event_publish(actor=request.user, event=event)
                messages.success(request, _("Event published."))
            elif action == "cancel":
                services.event_cancel(actor=request.user, event=event)
                messages.success(request, _("Event cancelled."))
            elif action == "copy":
                new = services.event_copy(actor=request.user, event=event)
                messages.success(request, _("Copied as a draft one week later."))
                return redirect("events:event_detail", new.pk)
            elif action == "series":
                form = SeriesForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors["count"])
                services.event_series_create(
                    actor=request.user, event=event, count=form.cleaned_data["count"]
                )
                messages.success(request, _("Weekly series created as drafts."))
            else:
                from django.http import Http404

                raise Http404
        except ValidationError as exc:
            return EventDetailView.render_detail(
                request, event, status=400, error=" ".join(exc.messages)
            )
        return redirect("events:event_detail", event.pk)


class ShiftAddView(CapabilityRequiredMixin, View):
    capability = MANAGE

    def post(self, request, pk):
        event = access.get_visible(Event, request.user, access.CHANGE, pk=pk)
        form = ShiftForm(request.POST)
        if form.is_valid():
            try:
                services.shift_add(
                    actor=request.user,
                    event=event,
                    starts_at=local_datetime(form.cleaned_data["starts_at"], event.time_zone),
                    ends_at=local_datetime(form.cleaned_data["ends_at"], event.time_zone),
                    capacity=form.cleaned_data["capacity"],
                )
            except ValidationError as exc:
                _errors_into(form, exc)
        if form.errors:
            return EventDetailView.render_detail(request, event, shift_form=form, status=400)
        messages.success(request, _("Shift added."))
        return redirect("events:event_detail", event.pk)


class ShiftCapacityView(CapabilityRequiredMixin, View):
    capability = MANAGE

    def post(self, request, pk):
        shift = access.get_visible(
            Shift.objects.select_related("event"), request.user, access.CHANGE, pk=pk
        )
        form = ShiftCapacityForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(form.errors["capacity"])
            services.shift_update(
                actor=request.user, shift=shift, capacity=form.cleaned_data["capacity"]
            )
        except ValidationError as exc:
            return EventDetailView.render_detail(
                request, shift.event, status=400, error=" ".join(exc.messages)
            )
        messages.success(request, _("Capacity changed."))
        return redirect("events:event_detail", shift.event_id)


class RegistrationCancelView(CapabilityRequiredMixin, View):
    capability = MANAGE

    def post(self, request, pk):
        reg = access.get_visible(
            Registration.objects.select_related("event"), request.user, access.CHANGE, pk=pk
        )
        services.registration_cancel(actor=request.user, registration=reg)
        messages.success(request, _("Sign-up cancelled."))
        return redirect("events:event_detail", reg.event_id)


class ReminderSettingsView(CapabilityRequiredMixin, View):
    """The event types' reminder times (the day before, the morning of), for events.configure."""

    capability = services.CONFIGURE

    def _render(self, request, form, status=200):
        return render(request, "events/reminder_settings.html", {"form": form}, status=status)

    def get(self, request):
        return self._render(request, ReminderTimesForm(types=selectors.event_types()))

    def post(self, request):
        form = ReminderTimesForm(request.POST, types=selectors.event_types())
        if not form.is_valid():
            return self._render(request, form, status=400)
        for t in form.types:
            services.event_type_reminders_set(
                actor=request.user,
                event_type=t,
                day_before=form.cleaned_data[f"{t.slug}-day_before"],
                morning_of=form.cleaned_data[f"{t.slug}-morning_of"],
            )
        messages.success(request, _("Reminder times saved."))
        return redirect("events:reminder_settings")


class ChangeNoticeView(CapabilityRequiredMixin, View):
    """ "Send change notice now": a confirmation page (how many it reaches), then the send
    through the reminders' change notice; a second press soon after sends nothing twice."""

    capability = MANAGE

    def _event(self, request, pk):
        return access.get_visible(Event, request.user, access.CHANGE, pk=pk)

    def get(self, request, pk):
        from grassroots.events.reminders import services as reminders

        event = self._event(request, pk)
        return render(request, "events/change_notice_confirm.html", {
            "event": event, "count": reminders.change_notice_recipients(event),
        })  # fmt: skip

    def post(self, request, pk):
        from grassroots.events.reminders import services as reminders

        event = self._event(request, pk)
        try:
            queued, started = reminders.change_notice_send_now(actor=request.user, event=event)
        except ValidationError as exc:  # a Conflict
            messages.error(request, " ".join(exc.messages))
            return redirect("events:event_detail", event.pk)
        if queued:
            messages.success(request, ngettext(
                "The change notice is queued for %(n)s person.",
                "The change notice is queued for %(n)s people.", queued,
            ) % {"n": queued})  # fmt: skip
        else:
            messages.info(
                request,
                _("The change notice was sent a few minutes ago (or is on its way); nobody gets "
                  "it twice, so nothing more was sent."),
            )  # fmt: skip
        return redirect("events:event_detail", event.pk)
