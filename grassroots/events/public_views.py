"""The public event pages (no login): list and map, an event's page with its sign-up form,
the ``.ics`` download, and a sign-up's own page (its secret token link) with the virtual link
and a cancel button. They read only through the ``public_*`` selectors."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from grassroots.core import maps
from grassroots.core.access import SYSTEM
from grassroots.events import selectors, services, throttle
from grassroots.events.forms import OPT_INS, RsvpForm
from grassroots.events.models import Registration
from grassroots.events.services import Contact, OptIn

UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
MAX_KM = 500
# The public pages are the same for every visitor but for the CSRF token: for anonymous
# visitors they are rendered once with a stand-in token, kept in the cache, and the visitor's
# own token is put in on the way out. An event page is kept until the event or a shift changes
# (its version is in the key); a list for LIST_SECONDS.
TOKEN_STAND_IN = "csrf-token-stand-in-3f9c2a"
PAGE_SECONDS = 300
LIST_SECONDS = 15


def _page_key(key: str) -> str:
    from django.utils.translation import get_language

    return f"events:public:{get_language()}:{key}"


def _cached_page(request, key: str | None):
    """The kept page under ``key`` for an anonymous visitor, with their CSRF token, or None."""
    from django.core.cache import cache
    from django.middleware.csrf import get_token

    if key is None or request.user.is_authenticated:
        return None
    html = cache.get(_page_key(key))
    if html is None:
        return None
    return HttpResponse(html.replace(TOKEN_STAND_IN, get_token(request)))


def _render_public(request, template: str, context: dict, *, key: str | None, seconds: int,
                   status: int = 200):  # fmt: skip
    """Render ``template`` (from the cache for an anonymous visitor when ``key`` is given)."""
    from django.core.cache import cache
    from django.middleware.csrf import get_token
    from django.template.loader import render_to_string

    if key is None or request.user.is_authenticated:
        return render(request, template, context, status=status)
    key = _page_key(key)
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, {**context, "csrf_token": TOKEN_STAND_IN}, request)
        cache.set(key, html, seconds)
    return HttpResponse(html.replace(TOKEN_STAND_IN, get_token(request)), status=status)


# The sign-up form's fields other than the shift, unfilled, are the same on every event's page:
# written once per language per process (they were half the time of drawing a page).
_BLANK_FIELDS: dict[str, tuple[str, str]] = {}


def _blank_fields(form: RsvpForm) -> tuple[str, str]:
    from django.template.loader import render_to_string
    from django.utils.translation import get_language

    language = get_language() or ""
    if language not in _BLANK_FIELDS:
        context = {"form": form, "opt_in_choices": form.opt_in_choices()}
        _BLANK_FIELDS[language] = (
            render_to_string("events/_rsvp_fields_top.html", context),
            render_to_string("events/_rsvp_fields_bottom.html", context),
        )
    return _BLANK_FIELDS[language]


def _event_page_key(version: tuple) -> str:
    pk, stamp = version
    past = stamp[1] < timezone.now()
    text = repr((stamp, past, settings.EVENTS_MAP_TILES))
    return f"event:{pk}:{hashlib.sha256(text.encode()).hexdigest()}"


def _float(value: str | None, lo: float, hi: float) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if lo <= f <= hi else None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


class PublicEventListView(View):
    def get(self, request):
        g = request.GET
        # the list as drawn less than LIST_SECONDS ago for the same query (kept only when the
        # query had no errors)
        response = _cached_page(request, "list:" + urlencode(sorted(g.items())))
        if response is not None:
            maps.allow_tiles(response)
            return response
        errors = []
        filters = selectors.PublicFilters(
            type=g.get("type", "")[:40],
            date_from=_date(g.get("from")),
            date_to=_date(g.get("to")),
            km=_float(g.get("km"), 0.1, MAX_KM),
        )
        postcode = g.get("postcode", "").strip()[:20]
        if postcode:
            point = selectors.postcode_point(postcode)
            if point is None:
                errors.append(_("We do not know the postcode “%(code)s”.") % {"code": postcode})
            else:
                filters.lat, filters.lon = point
        else:
            filters.lat = _float(g.get("lat"), -90, 90)
            filters.lon = _float(g.get("lon"), -180, 180)
        if (filters.lat is not None or postcode) and not filters.km:
            filters.km = 25.0
        if g.get("from") and filters.date_from is None:
            errors.append(_("Enter dates as YYYY-MM-DD."))
        key = None if errors else "list:" + urlencode(sorted(g.items()))
        events = selectors.public_event_list(filters)
        response = _render_public(
            request,
            "events/public_list.html",
            {
                "events": events,
                "types": selectors.event_types(),
                "f": filters,
                "postcode": postcode,
                "errors": errors,
                "tiles": settings.EVENTS_MAP_TILES,
                "attribution": settings.EVENTS_MAP_ATTRIBUTION,
                "public": True,
            },
            key=key,
            seconds=LIST_SECONDS,
        )
        maps.allow_tiles(response)
        return response


def _event_or_404(public_id):
    event = selectors.public_event_get(public_id)
    if event is None:
        raise Http404
    return event


class PublicEventView(View):
    def _render(self, request, event, form, status=200, error="", key=None):
        """The page; ``key`` (an unfilled form for an anonymous visitor) keeps it."""
        source = {k: request.GET.get(k, "")[:200] for k in UTM if request.GET.get(k)}
        referrer = request.META.get("HTTP_REFERER", "")[:300]
        if referrer and urlsplit(referrer).netloc != request.get_host():
            source["referrer"] = referrer
        if request.method == "POST":
            source = {
                k: request.POST.get(f"src_{k}", "")[:300]
                for k in (*UTM, "referrer")
                if request.POST.get(f"src_{k}")
            }
        tz = zoneinfo.ZoneInfo(event.time_zone)
        shifts = list(event.shifts.all())
        past = event.ends_at < timezone.now()
        blank_top = blank_bottom = ""
        if key is not None and not form.is_bound:
            blank_top, blank_bottom = _blank_fields(form)
        response = _render_public(
            request,
            "events/public_event.html",
            {
                "event": event,
                "form": form,
                "source": source,
                "starts": timezone.localtime(event.starts_at, tz),
                "ends": timezone.localtime(event.ends_at, tz),
                "shifts": shifts,
                "shift_choices": form.shift_choices(shifts),
                "opt_in_choices": form.opt_in_choices(),
                "blank_top": blank_top,
                "blank_bottom": blank_bottom,
                "past": past,
                "error": error,
                "tiles": settings.EVENTS_MAP_TILES,
                "attribution": settings.EVENTS_MAP_ATTRIBUTION,
                "public": True,
            },
            key=key,
            seconds=PAGE_SECONDS,
            status=status,
        )
        maps.allow_tiles(response)
        return response

    def get(self, request, public_id):
        key = None
        if (
            not request.user.is_authenticated
            and not any(k in request.GET for k in UTM)
            and (
                not request.META.get("HTTP_REFERER")
                or urlsplit(request.META["HTTP_REFERER"]).netloc == request.get_host()
            )
        ):
            # the page as last drawn, found with one small query (most visits end here)
            version = selectors.public_event_version(public_id)
            if version is None:
                raise Http404
            key = _event_page_key(version)
            response = _cached_page(request, key)
            if response is not None:
                maps.allow_tiles(response)
                return response
        event = _event_or_404(public_id)
        return self._render(request, event, RsvpForm(event=event), key=key)

    def post(self, request, public_id):
        event = _event_or_404(public_id)
        form = RsvpForm(request.POST, event=event)
        if not form.is_valid():
            return self._render(request, event, form, status=400)
        d = form.cleaned_data
        if d.get("website"):  # the honeypot: a person never sees that field
            return self._render(
                request,
                event,
                form,
                status=400,
                error=_("Your sign-up could not be accepted. Please try again later."),
            )
        ip = request.META.get("REMOTE_ADDR")
        if not throttle.allow(ip, [d.get("email", ""), d.get("phone", "")]):
            return self._render(
                request,
                event,
                form,
                status=429,
                error=_("Too many sign-ups from here: please wait a few minutes and try again."),
            )
        opt_ins = [
            OptIn(channel=OPT_INS[k][0], purpose=OPT_INS[k][1], wording=str(OPT_INS[k][2]))
            for k in d.get("opt_in") or []
            if k in OPT_INS
        ]
        source = {
            k: request.POST.get(f"src_{k}", "")
            for k in (*UTM, "referrer")
            if request.POST.get(f"src_{k}")
        }
        source["via"] = "public_form"
        try:
            signup = services.registration_create(
                actor=SYSTEM,
                shift=d["shift"],
                contact=Contact(
                    given_name=d["given_name"],
                    family_name=d.get("family_name", ""),
                    email=d.get("email", ""),
                    phone=d.get("phone", ""),
                ),
                opt_ins=opt_ins,
                source=source,
                public=True,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
                return self._render(request, event, form, status=400)
            return self._render(request, event, form, status=409, error=" ".join(exc.messages))
        url = reverse("events:rsvp_page", args=[signup.registration.token])
        return redirect(f"{url}?{'new=1' if signup.created else 'again=1'}")


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics(event, request, *, shift=None, virtual_url="") -> HttpResponse:
    start = (shift or event).starts_at
    end = (shift or event).ends_at
    fmt = "%Y%m%dT%H%M%SZ"
    url = request.build_absolute_uri(reverse("events:public_event", args=[event.public_id]))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Grassroots//Events//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.public_id}{'-' + str(shift.pk) if shift else ''}@grassroots",
        f"DTSTAMP:{timezone.now().astimezone(dt.UTC).strftime(fmt)}",
        f"DTSTART:{start.astimezone(dt.UTC).strftime(fmt)}",
        f"DTEND:{end.astimezone(dt.UTC).strftime(fmt)}",
        f"SUMMARY:{_ics_text(event.title)}",
        f"DESCRIPTION:{_ics_text((event.description or '')[:2000])}",
        f"LOCATION:{_ics_text(virtual_url or event.address)}",
        f"URL:{url}",
    ]
    if event.status == event.Status.CANCELLED:
        lines.append("STATUS:CANCELLED")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="event.ics"'
    return response


def public_event_ics(request, public_id):
    return _ics(_event_or_404(public_id), request)


def _registration_or_404(token: str) -> Registration:
    reg = services.registration_by_token(token)
    if reg is None:
        raise Http404
    return reg


class RsvpPageView(View):
    """A sign-up's own page, reached through its secret link (after the form, from the
    confirmation message): status, time, the virtual link when confirmed, cancel."""

    def _render(self, request, reg, *, status=200, notice=""):
        tz = zoneinfo.ZoneInfo(reg.event.time_zone)
        confirmed = reg.status == Registration.Status.CONFIRMED
        return render(
            request,
            "events/rsvp_page.html",
            {
                "reg": reg,
                "event": reg.event,
                "starts": timezone.localtime(reg.shift.starts_at, tz),
                "ends": timezone.localtime(reg.shift.ends_at, tz),
                "virtual_url": reg.event.virtual_url if confirmed else "",
                "new": request.GET.get("new") == "1",
                "again": request.GET.get("again") == "1",
                "notice": notice,
                "can_cancel": reg.status != Registration.Status.CANCELLED
                and reg.shift.ends_at > timezone.now(),
                "public": True,
            },
            status=status,
        )

    def get(self, request, token):
        return self._render(request, _registration_or_404(token))

    def post(self, request, token):
        reg = _registration_or_404(token)
        if reg.status == Registration.Status.CANCELLED:
            return self._render(request, reg, notice=_("This sign-up was already cancelled."))
        if reg.shift.ends_at <= timezone.now():
            return self._render(
                request, reg, status=409, notice=_("This event is over: nothing to cancel.")
            )
        reg = services.registration_cancel(actor=SYSTEM, registration=reg, by_token=True)
        reg = _registration_or_404(token)
        return self._render(
            request, reg, notice=_("Your sign-up is cancelled. Thank you for telling us.")
        )


def rsvp_ics(request, token):
    reg = _registration_or_404(token)
    url = reg.event.virtual_url if reg.status == Registration.Status.CONFIRMED else ""
    return _ics(reg.event, request, shift=reg.shift, virtual_url=url)
