"""Segment builder and list screens: a live count as you edit, save, freeze, members."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.core.timebox import TooSlow, within
from grassroots.lists import selectors, services
from grassroots.lists.compiler import empty_definition
from grassroots.lists.models import PersonList, Segment, Visibility
from grassroots.lists.registry import filters
from grassroots.people.models import Tag

PAGE_SIZE = 50
SAMPLE = 10
MAX_DEFINITION = 100_000  # bytes of JSON
OUTPUTS_MENU = "lists/_outputs_menu.html"


def _definition_from(request) -> tuple[dict | None, list[str]]:
    raw = request.POST.get("definition", "")
    if len(raw) > MAX_DEFINITION:
        return None, [_("The segment is too large to save.")]
    try:
        definition = json.loads(raw) if raw else empty_definition()
    except ValueError:
        return None, [_("The segment could not be read; reload the page and try again.")]
    return definition, []


def _builder_context(request, segment: Segment | None, definition: dict) -> dict:
    actor = request.user
    refs = {
        "lists": [
            {"id": lst.pk, "name": lst.name, "size": lst.size}
            for lst in selectors.list_visible_to(actor)
            .select_related(None)
            .only("id", "name", "size")[:500]
        ],
        "segments": [
            {"id": s.pk, "name": s.name}
            for s in selectors.segment_visible_to(actor)
            .select_related(None)
            .only("id", "name")[:500]
            if segment is None or s.pk != segment.pk
        ],
        "tags": [{"slug": t.slug, "name": t.name} for t in Tag.objects.order_by("name")[:1000]],
    }
    return {
        "segment": segment,
        "outputs_menu": _outputs_menu(),
        "definition": definition,
        "filter_meta": [f.describe(actor) for f in filters],
        "refs": refs,
        "visibility_choices": Visibility.choices,
        "can_edit": segment is None or actor.is_superuser or segment.owner_id == actor.pk,
    }


def _outputs_menu() -> str | None:
    """The download menu of walk, call and mail lists, once that template exists."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    try:
        get_template(OUTPUTS_MENU)
    except TemplateDoesNotExist:
        return None
    return OUTPUTS_MENU


class SegmentListView(CapabilityRequiredMixin, View):
    capability = "people.view"

    def get(self, request):
        actor = request.user
        q = request.GET.get("q", "").strip()[:100]
        tab = "lists" if request.GET.get("tab") == "lists" else "segments"
        qs = (
            selectors.list_visible_to(actor)
            if tab == "lists"
            else selectors.segment_visible_to(actor)
        )
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "lists/segment_list.html",
            {"page": page, "tab": tab, "q": q, "querystring": f"tab={tab}&q={q}"},
        )


def _segment_or_404(actor, pk) -> Segment:
    segment = selectors.segment_visible_to(actor).filter(pk=pk).first()
    if segment is None:
        raise Http404
    return segment


class SegmentBuilderView(CapabilityRequiredMixin, View):
    """New segment (no pk) or an existing one: the builder; POST saves."""

    capability = "lists.manage"

    def get(self, request, pk=None):
        segment = _segment_or_404(request.user, pk) if pk else None
        definition = segment.definition if segment else empty_definition()
        return render(
            request, "lists/segment_builder.html", _builder_context(request, segment, definition)
        )

    def post(self, request, pk=None):
        segment = _segment_or_404(request.user, pk) if pk else None
        definition, errors = _definition_from(request)
        fields = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", ""),
            "visibility": request.POST.get("visibility", Visibility.PRIVATE),
        }
        if not errors:
            try:
                if segment is None:
                    segment = services.segment_create(
                        actor=request.user, definition=definition, **fields
                    )
                else:
                    services.segment_update(
                        actor=request.user, segment=segment, definition=definition, **fields
                    )
            except ValidationError as exc:
                errors = exc.messages
            except PermissionDenied as exc:
                errors = [str(exc)]
        if errors:
            ctx = _builder_context(request, segment, definition or empty_definition())
            ctx.update(errors=errors, posted=fields)
            return render(request, "lists/segment_builder.html", ctx, status=400)
        if request.POST.get("then") == "freeze":
            person_list = services.list_freeze(actor=request.user, segment=segment)
            messages.success(
                request,
                _("Saved, and frozen to the list “%(name)s” (%(n)s people).")
                % {"name": person_list.name, "n": f"{person_list.size:,}"},
            )
            return redirect("lists:list_detail", pk=person_list.pk)
        messages.success(request, _("Segment saved."))
        return redirect("lists:segment_edit", pk=segment.pk)


class SegmentCountView(CapabilityRequiredMixin, View):
    """The live count: people and households matched, and a sample (HTMX partial).

    The builder never waits on a slow count: the first answer comes within the budget
    (``SEGMENT_COUNT_BUDGET`` seconds, default 1) or says "counting…" and asks again
    (``wait=1``, no budget); the answer then replaces "counting…" in the same live region."""

    capability = "lists.manage"

    def post(self, request):
        definition, errors = _definition_from(request)
        counts, sample, counting = None, [], False
        if not errors:
            try:
                if request.POST.get("wait") == "1":
                    counts, sample = self._count(request.user, definition)
                else:
                    with within(getattr(settings, "SEGMENT_COUNT_BUDGET", 1.0)):
                        counts, sample = self._count(request.user, definition)
            except TooSlow:
                counting = True
            except ValidationError as exc:
                errors = exc.messages
        return render(
            request,
            "lists/_segment_count_body.html",
            {
                "counts": counts,
                "sample": sample,
                "errors": errors,
                "counting": counting,
                "again": json.dumps({"definition": request.POST.get("definition", ""), "wait": "1"})
                if counting
                else "",
            },
        )

    @staticmethod
    def _count(actor, definition):
        people = selectors.segment_people(actor=actor, definition=definition)
        counts = selectors.segment_counts(actor=actor, definition=definition)
        sample = list(
            people.select_related("area").order_by("family_name", "given_name", "id")[:SAMPLE]
        )
        return counts, sample


class SegmentActionView(CapabilityRequiredMixin, View):
    capability = "lists.manage"

    def post(self, request, pk, action):
        segment = _segment_or_404(request.user, pk)
        try:
            if action == "freeze":
                person_list = services.list_freeze(actor=request.user, segment=segment)
                messages.success(
                    request,
                    _("Frozen to the list “%(name)s” (%(n)s people).")
                    % {"name": person_list.name, "n": f"{person_list.size:,}"},
                )
                return redirect("lists:list_detail", pk=person_list.pk)
            if action == "delete":
                services.segment_delete(actor=request.user, segment=segment)
                messages.success(request, _("Segment deleted."))
                return redirect("lists:segment_list")
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("lists:segment_edit", pk=segment.pk)
        raise Http404


def _list_or_404(actor, pk) -> PersonList:
    person_list = selectors.list_visible_to(actor).filter(pk=pk).first()
    if person_list is None:
        raise Http404
    return person_list


class ListDetailView(CapabilityRequiredMixin, View):
    capability = "people.view"

    def get(self, request, pk):
        person_list = _list_or_404(request.user, pk)
        people = (
            selectors.list_people(actor=request.user, person_list=person_list)
            .select_related("area")
            .order_by("family_name", "given_name", "id")
        )
        page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "lists/list_detail.html",
            {
                "person_list": person_list,
                "outputs_menu": _outputs_menu(),
                "page": page,
                "can_edit": request.user.has_capability("lists.manage")
                and (request.user.is_superuser or person_list.owner_id == request.user.pk),
            },
        )

    def post(self, request, pk):
        if not request.user.has_capability("lists.manage"):
            raise PermissionDenied
        person_list = _list_or_404(request.user, pk)
        action = request.POST.get("action")
        try:
            if action == "remove":
                n = services.list_remove_people(
                    actor=request.user,
                    person_list=person_list,
                    person_ids=request.POST.getlist("person"),
                )
                messages.success(request, _("%(n)s removed from the list.") % {"n": n})
            elif action == "add":
                ids = request.POST.get("ids", "").replace(",", " ").split()
                result = services.list_add_people(
                    actor=request.user, person_list=person_list, person_ids=ids
                )
                messages.success(
                    request,
                    _(
                        "%(added)s added; %(skipped)s skipped (already on the list, unknown or outside your areas)."
                    )
                    % result,
                )
            elif action == "delete":
                services.list_delete(actor=request.user, person_list=person_list)
                messages.success(request, _("List deleted."))
                return redirect(f"{_list_url()}?tab=lists")
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("lists:list_detail", pk=person_list.pk)


def _list_url() -> str:
    return reverse("lists:segment_list")


class ListExportView(CapabilityRequiredMixin, View):
    """Export a segment's or a list's people: the people export's columns and formats, as a job."""

    capability = "people.export"

    def _target(self, request, kind, pk):
        if kind == "segment":
            return {"segment": _segment_or_404(request.user, pk)}
        return {"person_list": _list_or_404(request.user, pk)}

    def _render(self, request, target, *, columns, fmt, errors=(), status=200):
        from grassroots.people.exports import services as exports

        obj = target.get("segment") or target.get("person_list")
        ctx = {
            "obj": obj,
            "columns": [
                (key, label, key in columns)
                for key, (label, _get) in exports.EXPORT_COLUMNS.items()
            ],
            "formats": list(exports.FORMATS.items()),
            "fmt": fmt,
            "errors": errors,
            "back": reverse("lists:segment_edit", args=[obj.pk])
            if "segment" in target
            else reverse("lists:list_detail", args=[obj.pk]),
        }
        return render(request, "lists/export_form.html", ctx, status=status)

    def get(self, request, kind, pk):
        from grassroots.people.exports import services as exports

        return self._render(
            request, self._target(request, kind, pk), columns=exports.DEFAULT_COLUMNS, fmt="csv"
        )

    def post(self, request, kind, pk):
        from grassroots.lists import export_jobs

        target = self._target(request, kind, pk)
        columns = request.POST.getlist("columns")
        fmt = request.POST.get("format", "csv")
        try:
            job = export_jobs.list_export_start(
                actor=request.user,
                columns=columns,
                fmt=fmt,
                ip_address=request.META.get("REMOTE_ADDR"),
                **target,
            )
        except (ValidationError, PermissionDenied) as exc:
            errors = getattr(exc, "messages", None) or [str(exc)]
            return self._render(
                request, target, columns=columns, fmt=fmt, errors=errors, status=400
            )
        return redirect("people:export_status", job_id=job.pk)
