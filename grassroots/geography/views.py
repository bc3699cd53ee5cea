from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.core import access, jobs
from grassroots.core.models import Job
from grassroots.geography import area_import, selectors, services
from grassroots.geography.forms import AreaForm, AreaImportForm, ElectionForm
from grassroots.geography.models import Area, Election


class AreaTreeView(CapabilityRequiredMixin, View):
    """The area tree: the user's top areas, or one area with its children and their counts."""

    capability = "geography.view"

    def get(self, request, pk: int | None = None):
        actor = request.user
        area = None
        breadcrumbs: list[Area] = []
        elections = []
        if pk is None:
            children = list(selectors.area_roots_for(actor))
        else:
            area = (
                selectors.area_visible_to(actor)
                .select_related("kind", "parent", "polling_station")
                .filter(pk=pk)
                .first()
            )
            if area is None:
                raise Http404
            breadcrumbs = selectors.area_ancestors_visible(actor, area)
            children = list(selectors.area_children(actor, area))
            elections = list(selectors.election_list_for_area(area))
        stats = selectors.area_stats([*children, *([area] if area else [])])
        rows = [(child, stats.get(child.id, {})) for child in children]
        station = getattr(area, "polling_station", None) if area else None
        panels = selectors.area_panels_for(request, area) if area else []
        return render(
            request,
            "geography/area_tree.html",
            {
                "area": area,
                "area_stats": stats.get(area.id, {}) if area else {},
                "rows": rows,
                "breadcrumbs": breadcrumbs,
                "station": station,
                "elections": elections,
                "panels": panels,
            },
        )


class AreaSearchView(CapabilityRequiredMixin, View):
    """Find areas by name (any script) or code, inside the user's areas. ``format=json`` is
    the area picker's source (``geography/widgets.py``): code, name, kind and path of each.
    The answer holds only the areas the user may see."""

    capability = "geography.view"

    def get(self, request):
        q = request.GET.get("q", "") or request.GET.get("area_code", "")
        areas = selectors.area_search(request.user, q) if q.strip() else []
        fmt = request.GET.get("format")
        if fmt == "json":
            labels = selectors.area_labels(areas)
            return JsonResponse(
                {
                    "results": [
                        {
                            "code": a.code,
                            "name": a.name,
                            "native_name": a.native_name,
                            "kind": a.kind.label,
                            "label": labels[a.pk],
                        }
                        for a in areas
                    ]
                },
                json_dumps_params={"ensure_ascii": False},
            )
        if fmt == "options":  # datalist options (kept for old pages)
            return render(request, "geography/area_options.html", {"areas": areas})
        return render(request, "geography/area_search.html", {"areas": areas, "q": q})


# --- setting up the map: areas, elections, the area-tree import --------------------------------


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _editable_area(request, pk) -> Area:
    """An area the user may change (inside their scope); any other is missing (404)."""
    area = access.get_visible(
        Area.objects.select_related("kind", "parent"), request.user, access.CHANGE, pk=pk
    )
    return area


class AreaCreateView(CapabilityRequiredMixin, View):
    """A new area, under ``?parent=`` (the page it was asked from) or one the user picks."""

    capability = services.EDIT

    def get(self, request):
        initial = {}
        if request.GET.get("parent"):
            initial["parent"] = _editable_area(request, request.GET["parent"])
        form = AreaForm(initial=initial, actor=request.user)
        return render(request, "geography/area_form.html", {"form": form})

    def post(self, request):
        form = AreaForm(request.POST, actor=request.user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                area = services.area_create(
                    actor=request.user,
                    kind=d["kind"],
                    code=d["code"],
                    name=d["name"],
                    native_name=d["native_name"] or "",
                    parent=d["parent"],
                    latitude=d["latitude"],
                    longitude=d["longitude"],
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("%(name)s added.") % {"name": area.name})
                return redirect("geography:area_detail", pk=area.pk)
        return render(request, "geography/area_form.html", {"form": form}, status=400)


class AreaEditView(CapabilityRequiredMixin, View):
    """Rename an area, or move it (with everything inside it) under another parent."""

    capability = services.EDIT

    def get(self, request, pk):
        area = _editable_area(request, pk)
        form = AreaForm(
            initial={
                "name": area.name,
                "native_name": area.native_name,
                "code": area.code,
                "kind": area.kind,
                "parent": area.parent,
                "latitude": area.latitude,
                "longitude": area.longitude,
            },
            actor=request.user,
        )
        return render(request, "geography/area_form.html", {"form": form, "area": area})

    def post(self, request, pk):
        area = _editable_area(request, pk)
        form = AreaForm(request.POST, actor=request.user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    services.area_update(
                        actor=request.user,
                        area=area,
                        name=d["name"],
                        native_name=d["native_name"] or "",
                        kind=d["kind"],
                        code=d["code"],
                        latitude=d["latitude"],
                        longitude=d["longitude"],
                        boundary=area.boundary,
                        set_location=True,
                    )
                    if (d["parent"].pk if d["parent"] else None) != area.parent_id:
                        services.area_move(actor=request.user, area=area, parent=d["parent"])
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("geography:area_detail", pk=area.pk)
        return render(request, "geography/area_form.html", {"form": form, "area": area}, status=400)


class ElectionCreateView(CapabilityRequiredMixin, View):
    capability = services.EDIT

    def get(self, request):
        initial = {}
        if request.GET.get("area"):
            initial["area"] = _editable_area(request, request.GET["area"])
        form = ElectionForm(initial=initial, actor=request.user)
        return render(request, "geography/election_form.html", {"form": form})

    def post(self, request):
        form = ElectionForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                election = services.election_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("%(name)s added.") % {"name": election.name})
                return redirect("geography:area_detail", pk=election.area_id)
        return render(request, "geography/election_form.html", {"form": form}, status=400)


class ElectionEditView(CapabilityRequiredMixin, View):
    capability = services.EDIT

    def _election(self, request, pk) -> Election:
        election = Election.objects.select_related("area").filter(pk=pk).first()
        if election is None or not access.is_visible(election.area, request.user, access.CHANGE):
            raise Http404
        return election

    def get(self, request, pk):
        election = self._election(request, pk)
        form = ElectionForm(
            initial={
                f: getattr(election, f)
                for f in ("name", "kind", "date", "polls_close", "area", "code")
            },
            actor=request.user,
        )
        return render(request, "geography/election_form.html", {"form": form, "election": election})

    def post(self, request, pk):
        election = self._election(request, pk)
        form = ElectionForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                services.election_update(actor=request.user, election=election, **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("geography:area_detail", pk=election.area_id)
        return render(
            request,
            "geography/election_form.html",
            {"form": form, "election": election},
            status=400,
        )


class AreaImportView(CapabilityRequiredMixin, View):
    """Upload an area-tree file: check it (a dry run) or import it, as a job with progress."""

    capability = area_import.CAPABILITY

    def get(self, request):
        form = AreaImportForm(actor=request.user)
        return render(request, "geography/area_import.html", {"form": form})

    def post(self, request):
        form = AreaImportForm(request.POST, request.FILES, actor=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = area_import.area_import_start_upload(
                    actor=request.user,
                    upload=upload,
                    dry_run=form.cleaned_data["dry_run"],
                    options=form.options(),
                )
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                return redirect("geography:area_import_job", pk=job.pk)
        return render(request, "geography/area_import.html", {"form": form}, status=400)


class AreaImportJobView(CapabilityRequiredMixin, View):
    """The import's progress (polled while it runs), then what it did or would do."""

    capability = area_import.CAPABILITY

    def get(self, request, pk):
        job = Job.objects.filter(pk=pk, kind=area_import.JOB_KIND).first()
        if job is None or not jobs.job_visible(request.user, job):
            raise Http404
        context = {"job": job, "result": job.result or {}, "params": job.params or {}}
        if request.htmx:
            return render(request, "geography/area_import_job.html#status", context)
        return render(request, "geography/area_import_job.html", context)
