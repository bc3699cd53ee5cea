"""The canvassing app (an offline-first PWA under ``/canvass/``) and its JSON endpoints.

The shell is a normal signed-in page; the service worker (``/canvass/sw.js``, scope
``/canvass/``) keeps it and its static files so the app opens with no network. The endpoints
use the session and CSRF like every screen, need ``canvassing.canvass``, and answer JSON:
a turf the canvasser does not hold is a 404 whatever the reason (ADR 0008).
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grassroots.canvassing import safety, selectors_app, services, sync
from grassroots.canvassing.models import Effort
from grassroots.canvassing.services import CANVASS
from grassroots.core import access
from grassroots.core.exceptions import Conflict, Invalid, NotFound
from grassroots.core.ids import parse_id

MAX_BODY = 2_000_000  # bytes of one upload (1000 events with notes fit easily)

# The shell's own files, kept by the service worker (with the shell page itself).
SHELL_STATIC = [
    "grassroots/fonts.css",
    "grassroots/app.css",
    "vendor/htmx.min.js",
    "grassroots/app.js",
    "grassroots/picker.js",
    "grassroots/favicon.svg",
    "grassroots/canvass/canvass.css",
    "grassroots/canvass/app.js",
    "grassroots/canvass/store.js",
    "grassroots/canvass/ui.js",
    "grassroots/canvass/icon.svg",
    "grassroots/canvass/icon-192.png",
    "grassroots/canvass/icon-512.png",
    "vendor/fonts/noto-sans-bengali-400.woff2",
    "vendor/fonts/noto-sans-bengali-700.woff2",
    "vendor/fonts/noto-sans-devanagari-400.woff2",
    "vendor/fonts/noto-sans-devanagari-700.woff2",
]
SW_VERSION = "1"


def _json_error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def api(view):
    """A JSON endpoint: signed in (401 otherwise, so the app can say "sign in again"), with
    ``canvassing.canvass`` (403); not found or not theirs → 404; bad input → 400; a conflict →
    409 — always as JSON with an ``error`` the app shows."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _json_error(_("Sign in again to sync."), 401)
        if not access.can(request.user, CANVASS):
            return _json_error(_("You may not canvass."), 403)
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return _json_error(_("Not found, or not yours."), 404)
        except PermissionDenied:
            return _json_error(_("You may not do this."), 403)
        except Conflict as exc:
            return _json_error(" ".join(exc.messages), 409)
        except Invalid as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            return _json_error(
                " ".join(m for ms in errors.values() for m in ms), 400, fields=errors
            )
        except ValidationError as exc:
            return _json_error(" ".join(exc.messages), 400)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _body(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise Invalid({"": _("The upload is too large: send fewer events at once.")})
    try:
        data = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        raise Invalid({"": _("The upload is not readable JSON.")}) from None
    if not isinstance(data, dict):
        raise Invalid({"": _("The upload is not readable JSON.")})
    return data


def _strings() -> dict[str, str]:
    """The app's own words, in the user's language (read by canvass/ui.js)."""
    return {
        "turfs": _("My turfs"),
        "no_turfs": _("You hold no turf. Ask your organiser, or pick up doors near you."),
        "download": _("Download"),
        "downloaded": _("Downloaded"),
        "downloading": _("Downloading…"),
        "update": _("Update"),
        "open": pgettext("open a downloaded turf", "Open"),
        "release": _("Give back"),
        "release_confirm": _("Give this turf back? Unsynced visits are kept and sent."),
        "released": _("Turf given back."),
        "doors": _("Doors"),
        "door": pgettext("door of a house", "Door"),
        "households": _("households"),
        "knocked": _("Knocked"),
        "not_knocked": _("Not knocked"),
        "partner": _("Knocked by a partner"),
        "back": _("Back"),
        "who_answered": _("Who answered?"),
        "nobody": _("Nobody answered"),
        "result": _("How did it end?"),
        "save": _("Save the visit"),
        "saved": _("Saved on this phone."),
        "next_door": _("Next door"),
        "note": pgettext("canvass visit", "Note"),
        "add_person": _("Add a person here"),
        "add_door": _("Add a door"),
        "given_name": _("Given name"),
        "family_name": _("Family name"),
        "age": _("Age"),
        "gender": _("Gender"),
        "phone": _("Phone"),
        "house_number": _("House number"),
        "street": _("Street"),
        "add": _("Add"),
        "cancel": _("Cancel"),
        "name_needed": _("A name is needed."),
        "door_needed": _("A house number or a street is needed."),
        "consent": _("Read this to the person before they agree:"),
        "language": _("Script language"),
        "pending": _("Waiting to sync"),
        "last_sync": _("Last sync"),
        "never": _("never"),
        "sync_now": _("Sync now"),
        "syncing": _("Syncing…"),
        "synced": _("All synced."),
        "offline": _("Offline: visits are kept on this phone."),
        "online": _("Online"),
        "rejected": _("Not accepted by the server"),
        "dismiss": _("Dismiss"),
        "sign_in": _("Sign in again to sync."),
        "sync_failed": _("Sync failed; it will be tried again."),
        "corrupt": _("An unreadable entry on this phone was skipped."),
        "gps": _("Record my location with each visit"),
        "gps_denied": _("Location is not available."),
        "pickup": _("Pick up doors near me"),
        "pickup_effort": _("Effort"),
        "pickup_done": _("Doors picked up: download the new turf."),
        "need_online": _("This needs a connection."),
        "map": _("Map"),
        "age_short": pgettext("age in years, short", "y"),
        "done_all": _("All doors knocked."),
        "storage_failed": _("This phone cannot keep data for the app (private browsing?)."),
        "prior": _("Before"),
        "hostile": _("Hostile or unsafe before: do not go alone."),
        "do_not_contact": _("Do not contact"),
        "male": _("Male"),
        "female": _("Female"),
        "other": pgettext("gender", "Other"),
        "stopped": _("Canvassing stopped for today at %(time)s — go home safely."),
        "do_not_knock": _("Do not knock"),
        "flag_door": _("Do not knock this door"),
        "flag_reason": _("Why? (a dog, a threat…)"),
        "flagged": _("Marked “do not knock”."),
        "check_in": _("Check in: I'm safe"),
        "help": _("Help"),
        "help_confirm": _("Send a call for help to your team leader?"),
        "alert_sent": _("Sent to your team leader."),
        "alert_queued": _("No connection: it will be sent as soon as there is one. Call now:"),
        "call_leader": _("Call %(name)s"),
    }


@login_required
def shell(request):
    """The app shell; everything else happens in canvass/app.js against the endpoints."""
    if not access.can(request.user, CANVASS):
        raise PermissionDenied
    ctx = {
        "strings": _strings(),
        "urls": {
            "turfs": reverse("canvassing:app-turfs"),
            "turf": reverse("canvassing:app-turf", args=[0]),
            "release": reverse("canvassing:app-release", args=[0]),
            "pickup": reverse("canvassing:app-pickup"),
            "sync": reverse("canvassing:app-sync"),
            "alert": reverse("canvassing:app-alert"),
            "sw": reverse("canvassing:app-sw"),
            "login": resolve_url(settings.LOGIN_URL),
        },
        "language": get_language(),
        "rendered_at": timezone.now().isoformat(),
        "language_names": dict(settings.LANGUAGES),
    }
    return render(request, "canvassing/app/shell.html", ctx)


@functools.lru_cache(maxsize=1)
def _sw_version() -> str:
    """Changes whenever a kept file changes (static URLs carry no hash under the default
    storage): a new service worker then installs, keeps the new files and drops the old."""
    digest = hashlib.sha256(SW_VERSION.encode())
    for path in SHELL_STATIC:
        digest.update(static(path).encode())
        found = finders.find(path)
        if found:
            with open(found, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request):
    """The service worker, served under /canvass/ so that its scope is the app."""
    config = {
        "version": _sw_version(),
        "shell": reverse("canvassing:app"),
        "assets": [static(p) for p in SHELL_STATIC],
        "static": settings.STATIC_URL,
    }
    body = render(request, "canvassing/app/sw.js", {"config": json.dumps(config)}).content
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("canvassing:app")
    return response


@require_GET
def manifest(request):
    """The web manifest (installable: name, icons, start at /canvass/, standalone)."""
    app = reverse("canvassing:app")
    data = {
        "name": _("Grassroots canvassing"),
        "short_name": _("Canvass"),
        "start_url": app,
        "scope": app,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b3d2e",
        "lang": get_language(),
        "icons": [
            {"src": static("grassroots/canvass/icon-192.png"), "sizes": "192x192",
             "type": "image/png"},
            {"src": static("grassroots/canvass/icon-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "any maskable"},
            {"src": static("grassroots/canvass/icon.svg"), "sizes": "any",
             "type": "image/svg+xml"},
        ],
    }  # fmt: skip
    return JsonResponse(data, content_type="application/manifest+json")


@require_GET
@api
def turfs(request):
    """The turfs I hold (open check-outs) and the running efforts I may pick doors up from."""
    return JsonResponse(selectors_app.my_turfs(actor=request.user))


@require_GET
@api
def turf(request, pk):
    """One held turf's package for the phone (404 unless I hold it)."""
    return JsonResponse(selectors_app.turf_package(actor=request.user, pk=pk))


@require_POST
@api
def release(request, pk):
    """Give a held turf back."""
    _turf, assignment = selectors_app.held_turf(actor=request.user, pk=pk)
    services.assignment_release(actor=request.user, assignment=assignment)
    return JsonResponse({"released": True, "turf": assignment.turf_id})


@require_POST
@api
def pickup(request):
    """Distributed canvassing: the nearest unworked doors become a turf checked out to me."""
    data = _body(request)
    effort = Effort.objects.visible_to(request.user).filter(pk=_pk(data.get("effort"))).first()
    if effort is None:
        raise NotFound
    assignment = services.doors_pick_up(
        actor=request.user,
        effort=effort,
        lat=data.get("lat"),
        lon=data.get("lon"),
        radius_m=data.get("radius_m") or 800,
        count=data.get("count") or 20,
    )
    return JsonResponse(
        {"turf": assignment.turf_id, "doors": assignment.turf.doors_count}, status=201
    )


def _pk(raw) -> int | None:
    return parse_id(raw)


@require_POST
@api
def upload(request):
    """The sync endpoint: ``{"events": [...], "device": "…"}`` → an answer per event."""
    data = _body(request)
    return JsonResponse(
        sync.sync(actor=request.user, events_in=data.get("events"), device=data.get("device"))
    )


@require_POST
@api
def alert(request):
    """Canvasser safety: ``{"kind": "check_in"|"panic", "effort", "lat", "lon", "note"}`` →
    a ``SafetyAlert`` and its notifications (201)."""
    data = _body(request)
    effort = Effort.objects.visible_to(request.user).filter(pk=_pk(data.get("effort"))).first()
    if effort is None:
        raise NotFound
    event_id = str(data.get("id") or "").strip()[:100] or None
    try:
        made = safety.alert_create(
            actor=request.user,
            effort=effort,
            kind=data.get("kind"),
            lat=data.get("lat"),
            lon=data.get("lon"),
            note=data.get("note"),
            event_id=event_id,
        )
    except Conflict:  # sent before (the outbox raced the button): already stored
        return JsonResponse({"status": "duplicate"}, status=200)
    return JsonResponse({"status": "applied", "alert": made.pk}, status=201)
