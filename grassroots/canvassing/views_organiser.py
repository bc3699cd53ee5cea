"""The organiser's canvassing screens: efforts (list, form, detail with the cut and its
summary), the turf map with a turf table doing the same as the map (carve, merge, move doors,
lock, rename, check out, release, print), and each turf's walk.

Every change is a POST naming its ``action`` and calls one service; a service's ``Invalid`` is
shown next to the field it names, a ``Conflict`` above the form; what was typed is kept."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.canvassing import organiser_prints, services
from grassroots.canvassing import organiser_selectors as selectors
from grassroots.canvassing.forms import EffortForm
from grassroots.canvassing.models import Assignment, Door, Effort, Turf
from grassroots.canvassing.organiser_map import tiles_context, tiles_csp
from grassroots.core import access
from grassroots.core.exceptions import NotFound
from grassroots.core.ids import parse_id

PAGE_SIZE = 25
VIEW = services.VIEW
MANAGE = services.MANAGE


def _errors_into(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _field_errors(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {("all" if k == "__all__" else k): " ".join(v) for k, v in exc.message_dict.items()}
    return {"all": " ".join(exc.messages)}


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


# --- efforts ------------------------------------------------------------------------------------


class EffortListView(CapabilityRequiredMixin, View):
    capability = VIEW

    def get(self, request):
        params = {
            "q": request.GET.get("q", "").strip()[:100],
            "status": request.GET.get("status", "")[:12],
        }
        qs = selectors.effort_list(actor=request.user, **params)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        counts = services.effort_counts([e.pk for e in page.object_list])
        for e in page.object_list:
            e.counts = counts.get(e.pk, {"doors": 0, "knocked": 0, "turfs": 0})
        return render(
            request,
            "canvassing/organiser/effort_list.html",
            {
                "page": page,
                "statuses": Effort.Status.choices,
                "filters": params,
                "filtered": any(params.values()),
                "querystring": urlencode(params),
                "can_manage": access.can(request.user, MANAGE),
            },
        )


class EffortFormView(CapabilityRequiredMixin, View):
    capability = MANAGE

    def _effort(self, request, pk):
        if pk is None:
            return None
        return access.get_visible(Effort, request.user, access.CHANGE, pk=pk)

    def _render(self, request, form, effort, status=200):
        return render(
            request,
            "canvassing/organiser/effort_form.html",
            {"form": form, "effort": effort},
            status=status,
        )

    def get(self, request, pk=None):
        effort = self._effort(request, pk)
        initial = EffortForm.initial_for(effort) if effort else {}
        return self._render(request, EffortForm(initial=initial, actor=request.user), effort)

    def post(self, request, pk=None):
        effort = self._effort(request, pk)
        form = EffortForm(request.POST, actor=request.user)
        if not form.is_valid():
            return self._render(request, form, effort, status=400)
        try:
            if effort is None:
                effort = services.effort_create(actor=request.user, **form.service_data())
                messages.success(request, _("Effort created. Build and cut its turfs next."))
            else:
                services.effort_update(actor=request.user, effort=effort, **form.service_data())
                messages.success(request, _("Effort saved."))
        except ValidationError as exc:
            _errors_into(form, exc)
            return self._render(request, form, effort, status=400)
        return redirect("canvassing:effort_detail", effort.pk)


def _cut_context(request, effort: Effort) -> dict:
    """The effort's latest cut: shown to whoever may see the effort (not only its starter)."""
    job = selectors.cut_job(effort)
    return {"effort": effort, "job": job, "summary": effort.cut_summary or {}}


class EffortDetailView(CapabilityRequiredMixin, View):
    capability = VIEW

    def get(self, request, pk):
        effort = selectors.effort_get(actor=request.user, pk=pk)
        if request.GET.get("part") == "cut":
            context = _cut_context(request, effort)
            response = render(request, "canvassing/organiser/_cut.html", context)
            if request.headers.get("HX-Request") and context["job"] and context["job"].is_finished:
                response["HX-Refresh"] = "true"  # the counts and buttons above change too
            return response
        return self._render(request, effort)

    def _render(self, request, effort, error="", status=200):
        counts = services.effort_counts([effort.pk]).get(
            effort.pk, {"doors": 0, "knocked": 0, "turfs": 0}
        )
        return render(
            request,
            "canvassing/organiser/effort_detail.html",
            {
                **_cut_context(request, effort),
                "counts": counts,
                "areas": list(effort.areas.all()),
                "unplaced": selectors.unplaced_doors(effort),
                "can_manage": selectors.can_manage(request.user, effort),
                "error": error,
            },
            status=status,
        )

    def post(self, request, pk):
        effort = selectors.effort_get(actor=request.user, pk=pk)
        action = request.POST.get("action", "")
        try:
            if action == "cut":
                services.effort_cut_start(actor=request.user, effort=effort)
                messages.success(request, _("Cutting the turfs: this page shows the progress."))
            elif action == "status":
                services.effort_set_status(
                    actor=request.user, effort=effort, status=request.POST.get("status", "")
                )
                messages.success(request, _("Effort status changed."))
            else:
                return self._render(request, effort, error=_("Unknown action."), status=400)
        except ValidationError as exc:
            effort.refresh_from_db()
            return self._render(request, effort, error=" ".join(exc.messages), status=400)
        return redirect("canvassing:effort_detail", effort.pk)


# --- turfs --------------------------------------------------------------------------------------


def _turf(request, effort, pk) -> Turf:
    return selectors.turf_get(actor=request.user, effort=effort, pk=pk)


def _user_choice(request, effort, value):
    if not value:
        return None
    for user in selectors.canvassers(actor=request.user, effort=effort):
        if str(user.pk) == str(value):
            return user
    raise ValidationError({"user": _("Choose a canvasser from the list.")})


def _team_choice(request, value):
    if not value:
        return None
    for team in selectors.teams(actor=request.user):
        if str(team.pk) == str(value):
            return team
    raise ValidationError({"team": _("No such team.")})


class TurfActions:
    """The turf actions shared by the map page and a turf's page (``do_<action>``)."""

    def do_carve(self, request, effort):
        try:
            polygon = json.loads(request.POST.get("polygon") or "[]")
        except ValueError:
            polygon = []
        turf = services.turf_carve(
            actor=request.user, effort=effort, polygon=polygon, name=request.POST.get("name", "")
        )
        return _("%(turf)s made of %(n)s doors.") % {"turf": turf.label, "n": turf.doors_count}

    def do_merge(self, request, effort):
        into = _turf(request, effort, request.POST.get("into"))
        try:
            other = _turf(request, effort, request.POST.get("other"))
        except NotFound:
            raise ValidationError({"other": _("Choose another turf of the same effort.")}) from None
        services.turfs_merge(actor=request.user, into=into, other=other)
        return _("%(other)s merged into %(turf)s.") % {"other": other.label, "turf": into.label}

    def do_lock(self, request, effort):
        turf = _turf(request, effort, request.POST.get("turf"))
        locked = request.POST.get("locked") == "1"
        services.turf_lock(actor=request.user, turf=turf, locked=locked)
        return (_("%(turf)s locked.") if locked else _("%(turf)s unlocked.")) % {"turf": turf.label}

    def do_rename(self, request, effort):
        turf = _turf(request, effort, request.POST.get("turf"))
        services.turf_rename(actor=request.user, turf=turf, name=request.POST.get("name", ""))
        return _("Turf renamed.")

    def do_done(self, request, effort):
        turf = _turf(request, effort, request.POST.get("turf"))
        done = request.POST.get("done") == "1"
        services.turf_set_done(actor=request.user, turf=turf, done=done)
        return (_("%(turf)s marked done.") if done else _("%(turf)s reopened.")) % {
            "turf": turf.label
        }

    def do_flag(self, request, effort):
        """Canvasser safety: mark a door "do not knock" (with a reason) or clear the mark."""
        door = (
            Door.objects.visible_to(request.user)
            .filter(effort=effort, pk=parse_id(request.POST.get("door")))
            .first()
        )
        if door is None:
            raise ValidationError({"door": _("Choose a door of this turf.")})
        flagged = request.POST.get("flagged") == "1"
        services.door_flag(
            actor=request.user, door=door, flagged=flagged, reason=request.POST.get("reason", "")
        )
        return (
            _("%(door)s: do not knock.") if flagged else _("%(door)s may be knocked again.")
        ) % {"door": door.label or door.key}

    def do_assign(self, request, effort):
        ids = request.POST.getlist("turfs") or [request.POST.get("turf")]
        ids = [i for i in ids if i]
        if not ids:
            raise ValidationError({"turfs": _("Tick the turfs to check out.")})
        user = _user_choice(request, effort, request.POST.get("user"))
        team = _team_choice(request, request.POST.get("team"))
        with transaction.atomic():  # all the ticked turfs, or none
            for pk in ids:
                turf = _turf(request, effort, pk)
                try:
                    services.turf_assign(
                        actor=request.user,
                        turf=turf,
                        user=user,
                        team=team,
                        days=request.POST.get("days") or None,
                    )
                except ValidationError as exc:
                    if len(ids) > 1 and hasattr(exc, "error_dict"):
                        raise ValidationError(
                            {k: f"{turf.label}: {' '.join(v)}" for k, v in exc.message_dict.items()}
                        ) from exc
                    raise
        who = (user.get_full_name() or user.get_username()) if user else team.name
        return ngettext(
            "%(n)s turf checked out to %(who)s.", "%(n)s turfs checked out to %(who)s.", len(ids)
        ) % {"n": len(ids), "who": who}

    def do_release(self, request, effort):
        assignment = access.get_visible(
            Assignment.objects.filter(turf__effort=effort).select_related("turf__effort"),
            request.user,
            pk=request.POST.get("assignment"),
        )
        services.assignment_release(actor=request.user, assignment=assignment)
        return _("%(turf)s released.") % {"turf": assignment.turf.label}

    def do_move(self, request, effort):
        to = _turf(request, effort, request.POST.get("to"))
        ids = request.POST.getlist("doors")
        doors = list(
            Door.objects.visible_to(request.user).filter(effort=effort, pk__in=ids[:5000])
            if all(str(i).isdigit() for i in ids)
            else []
        )
        if not doors:
            raise ValidationError({"doors": _("Tick the doors to move.")})
        moved = services.doors_move(actor=request.user, doors=doors, to=to)
        return ngettext(
            "%(n)s door moved to %(turf)s.", "%(n)s doors moved to %(turf)s.", moved
        ) % {"n": moved, "turf": to.label}

    def handle(self, request, effort):
        """Run the posted action: a message to show, or ``ValidationError``."""
        handler = getattr(self, "do_" + request.POST.get("action", ""), None)
        if handler is None:
            raise ValidationError(_("Unknown action."))
        return handler(request, effort)


def _next(request, default: str) -> str:
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}):
        return url
    return default


class TurfMapView(CapabilityRequiredMixin, TurfActions, View):
    """The map (turfs and doors) above the turf table (every action without the map)."""

    capability = VIEW

    def get(self, request, pk):
        effort = selectors.effort_get(actor=request.user, pk=pk)
        return self._render(request, effort)

    def _render(self, request, effort, errors=None, status=200):
        can_manage = selectors.can_manage(request.user, effort)
        turfs = selectors.turfs(actor=request.user, effort=effort)
        response = render(
            request,
            "canvassing/organiser/turf_map.html",
            {
                "effort": effort,
                "turfs": turfs,
                "can_manage": can_manage,
                "canvassers": selectors.canvassers(actor=request.user, effort=effort)
                if can_manage
                else [],
                "teams": selectors.teams(actor=request.user) if can_manage else [],
                "errors": errors or {},
                "posted": request.POST if errors else {},
                "posted_turfs": request.POST.getlist("turfs") if errors else [],
                "statuses": [
                    ("open", Turf.Status.OPEN.label),
                    ("assigned", Turf.Status.ASSIGNED.label),
                    ("done", Turf.Status.DONE.label),
                    ("locked", pgettext("turf state", "Locked")),
                ],
                **tiles_context(),
            },
            status=status,
        )
        tiles_csp(response)
        return response

    def post(self, request, pk):
        effort = selectors.effort_get(actor=request.user, pk=pk)
        try:
            message = self.handle(request, effort)
        except ValidationError as exc:
            return self._render(request, effort, errors=_field_errors(exc), status=400)
        messages.success(request, message)
        return redirect(_next(request, reverse("canvassing:turf_map", args=[effort.pk])))


class TurfMapDataView(CapabilityRequiredMixin, View):
    """The map's GeoJSON: the turfs' outlines and the doors (what the reader may see)."""

    capability = VIEW

    def get(self, request, pk):
        effort = selectors.effort_get(actor=request.user, pk=pk)
        response = JsonResponse(selectors.geojson(actor=request.user, effort=effort))
        response["Cache-Control"] = "no-store, private"
        return response


class TurfDetailView(CapabilityRequiredMixin, TurfActions, View):
    """A turf's walk: its doors in walk order (numbered, ticked to move), who holds it, the
    actions. Loaded whole, or as the map's side panel (``?panel=1``)."""

    capability = VIEW

    def get(self, request, pk, turf_pk):
        effort = selectors.effort_get(actor=request.user, pk=pk)
        turf = _turf(request, effort, turf_pk)
        return self._render(request, effort, turf, panel=request.GET.get("panel") == "1")

    def _render(self, request, effort, turf, *, panel=False, errors=None, status=200):
        can_manage = selectors.can_manage(request.user, effort)
        context = {
            "effort": effort,
            "turf": turf,
            "doors": selectors.turf_doors(turf),
            "others": [t for t in selectors.turfs(actor=request.user, effort=effort)
                       if t.pk != turf.pk],
            "can_manage": can_manage,
            "canvassers": selectors.canvassers(actor=request.user, effort=effort)
            if can_manage
            else [],
            "teams": selectors.teams(actor=request.user) if can_manage else [],
            "errors": errors or {},
            "posted": request.POST if errors else {},
            "posted_doors": request.POST.getlist("doors") if errors else [],
            "panel": panel,
        }  # fmt: skip
        template = "_turf_panel.html" if panel else "turf_detail.html"
        return render(request, f"canvassing/organiser/{template}", context, status=status)

    def post(self, request, pk, turf_pk):
        effort = selectors.effort_get(actor=request.user, pk=pk)
        turf = _turf(request, effort, turf_pk)
        try:
            message = self.handle(request, effort)
        except ValidationError as exc:
            try:
                turf = _turf(request, effort, turf_pk)
            except NotFound:
                return redirect("canvassing:turf_map", effort.pk)
            return self._render(request, effort, turf, errors=_field_errors(exc), status=400)
        messages.success(request, message)
        if not Turf.objects.filter(pk=turf.pk).exists():  # merged away
            return redirect("canvassing:turf_map", effort.pk)
        return redirect(_next(request, reverse("canvassing:turf_detail", args=[pk, turf.pk])))


class TurfPrintView(CapabilityRequiredMixin, View):
    capability = VIEW

    def get(self, request, pk, turf_pk, fmt):
        effort = selectors.effort_get(actor=request.user, pk=pk)
        turf = _turf(request, effort, turf_pk)
        printed = organiser_prints.turf_walk_list(
            actor=request.user, turf=turf, fmt=fmt, ip_address=_ip(request)
        )
        if printed.streaming:
            response = StreamingHttpResponse(printed.body, content_type=printed.content_type)
        else:
            response = HttpResponse(printed.body, content_type=printed.content_type)
        response["Content-Disposition"] = content_disposition_header(
            printed.streaming, printed.filename
        )
        response["Cache-Control"] = "no-store, private"
        return response
