"""Import screens: upload, map the columns, check (dry run), run, follow progress, download
rejects, roll back."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.geography.models import Election
from grassroots.people.imports import selectors, services, uploads
from grassroots.people.imports.forms import MappingForm, UploadForm, template_choices
from grassroots.people.imports.mapping import suggest
from grassroots.people.models import (
    CustomField,
    ExternalId,
    ImportBatch,
    ImportNotice,
    ImportRejection,
)

MAX_UPLOAD = uploads.MAX_UPLOAD


def _get_batch(request, pk) -> ImportBatch:
    batch = selectors.import_batch_get(request.user, pk)
    if batch is None:  # missing, or another area's: the same answer
        raise Http404
    return batch


class ImportListView(CapabilityRequiredMixin, View):
    capability = "people.import"

    def get(self, request):
        page = Paginator(selectors.import_batch_list(request.user), 25).get_page(
            request.GET.get("page")
        )
        return render(request, "people/import_list.html", {"page": page, "form": UploadForm()})

    def _invalid(self, request, form):
        page = Paginator(selectors.import_batch_list(request.user), 25).get_page(1)
        return render(request, "people/import_list.html", {"page": page, "form": form}, status=400)

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._invalid(request, form)
        upload = form.cleaned_data["file"]
        template = form.cleaned_data["template"]
        step = request.POST.get("next", "check")
        if step == "check" and not template and "next" in request.POST:
            form.add_error(
                "template",
                _("Choose the template to check the file with, or map the columns."),
            )
            return self._invalid(request, form)
        if template and step == "check":
            # Straight to the check with a template as it is (the mapping step is skipped).
            with uploads.upload_on_disk(upload) as path:
                try:
                    batch = services.import_create(
                        actor=request.user,
                        path=path,
                        filename=upload.name,
                        template=template,
                        dry_run=True,
                    )
                except ValidationError as exc:
                    form.add_error("file", exc)
                    return self._invalid(request, form)
            services.import_start(actor=request.user, batch=batch)
            return redirect("people:import_detail", pk=batch.pk)
        try:
            staged = uploads.stage_upload(actor=request.user, upload=upload, template=template)
        except ValidationError as exc:
            form.add_error("file", exc)
            return self._invalid(request, form)
        return redirect("people:import_map", token=staged.token)


class ImportMapView(CapabilityRequiredMixin, View):
    """The mapping step: a preview of the first rows, a field for each column (pre-filled from
    a template or guessed from the header), transforms, constants, match rules, save as
    template. A valid mapping starts the check; an invalid one comes back with every entry."""

    capability = "people.import"

    def _staged(self, request, token) -> uploads.Staged:
        staged = uploads.staged_get(actor=request.user, token=token)
        if staged is None:
            raise Http404
        return staged

    def _context(self, request, staged, headers, rows, form, start):
        return {
            "staged": staged,
            "headers": headers,
            "rows": rows,
            "preview_rows": [(r.line, [r.values.get(h, "") for h in headers]) for r in rows],
            "id_namespaces": sorted(
                {
                    "epic",
                    "voter",
                    *ExternalId.objects.values_list("namespace", flat=True).distinct()[:50],
                }
            ),
            "custom_fields": list(CustomField.objects.values_list("key", "label")[:200]),
            "elections": [
                (e.code, str(e)) for e in Election.objects.only("code", "name", "date")[:200]
            ],
            "form": form,
            "start": start,
            "templates": template_choices(),
            "summary_fields": (
                "match",
                "default_region",
                "area_code",
                "unknown_area",
                "new_areas_under",
                "new_area_kind",
                "unknown_election",
                "new_elections_in",
                "keep_repeated",
                "newest_by",
                "save_as",
                "description",
            ),
            "mapped_count": sum(1 for c in form.column_rows() if c.initial_target != "ignore"),
        }

    def _preview(self, request, staged):
        """The header and first rows, or — a staged file that can no longer be mapped — None
        with the reason shown on the import list."""
        try:
            return staged.preview()
        except ValidationError as exc:
            uploads.staged_discard(staged)
            messages.error(request, " ".join(exc.messages))
            return None

    def get(self, request, token):
        staged = self._staged(request, token)
        if (preview := self._preview(request, staged)) is None:
            return redirect("people:import_list")
        headers, rows = preview
        start = request.GET.get("template", staged.template)
        start_mapping = None
        suggestions = suggest(headers)
        remapping = bool(staged.mapping) and "template" not in request.GET
        if remapping:
            # Mapping a checked file again: what it was checked with, no new guesses.
            start_mapping, suggestions = staged.mapping, None
        elif start:
            try:
                start_mapping = services.template_mapping(start)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                start = ""
        form = MappingForm(
            headers=headers,
            samples=_samples(headers, rows),
            start_mapping=start_mapping,
            suggestions=suggestions,
        )
        context = self._context(request, staged, headers, rows, form, start)
        context["remapping"] = remapping
        return render(request, "people/import_map.html", context)

    def post(self, request, token):
        staged = self._staged(request, token)
        if request.POST.get("action") == "discard":
            uploads.staged_discard(staged)
            messages.success(request, _("The upload was discarded."))
            return redirect("people:import_list")
        if (preview := self._preview(request, staged)) is None:
            return redirect("people:import_list")
        headers, rows = preview
        start = request.POST.get("start", "")
        form = MappingForm(request.POST, headers=headers, samples=_samples(headers, rows))
        if form.is_valid():
            try:
                batch = uploads.import_check_staged(
                    actor=request.user,
                    staged=staged,
                    mapping=form.mapping,
                    template=start if _same_as_template(form.mapping, start) else "",
                    save_as=form.cleaned_data["save_as"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied:  # creating areas or elections needs geography.edit
                form.add_error(
                    "unknown_area",
                    _("Only someone who may edit areas can create areas or elections."),
                )
            else:
                if form.cleaned_data["save_as"]:
                    messages.success(
                        request,
                        _("Saved the mapping as the template “%(name)s”.")
                        % {"name": form.cleaned_data["save_as"]},
                    )
                return redirect("people:import_detail", pk=batch.pk)
        return render(
            request,
            "people/import_map.html",
            self._context(request, staged, headers, rows, form, start),
            status=400,
        )


def _samples(headers, rows) -> dict[str, list[str]]:
    """Each column's non-empty values in the preview rows."""
    return {h: [v for v in (r.values.get(h, "").strip() for r in rows) if v] for h in headers}


def _same_as_template(mapping: dict, name: str) -> bool:
    """Record the template's name on the batch only when the mapping is the template's."""
    if not name:
        return False
    try:
        return services.template_mapping(name) == mapping
    except ValidationError:
        return False


class ImportDetailView(CapabilityRequiredMixin, View):
    capability = "people.import"

    def get(self, request, pk):
        batch = _get_batch(request, pk)
        rejections = ImportRejection.objects.filter(batch=batch)[:20]
        notices = ImportNotice.objects.filter(batch=batch)
        template = (
            "people/import_detail.html#status" if request.htmx else "people/import_detail.html"
        )
        examples = batch.examples or {}
        updated = [
            {**e, "labels": selectors.change_labels(e.get("fields", []))}
            for e in examples.get("updated", [])
        ]
        return render(
            request,
            template,
            {
                "batch": batch,
                "rejections": rejections,
                "rejected_values": notices.filter(kind=ImportNotice.Kind.VALUE)[:20],
                "repeated": selectors.repeated_rows(batch),
                "updated_examples": updated,
            },
        )

    def post(self, request, pk):
        batch = _get_batch(request, pk)
        action = request.POST.get("action")
        try:
            if action == "run":
                real = services.import_again(actor=request.user, batch=batch)
                services.import_start(actor=request.user, batch=real)
                return redirect("people:import_detail", pk=real.pk)
            if action == "cancel":
                services.import_cancel(actor=request.user, batch=batch)
                messages.success(
                    request,
                    _(
                        "Cancelling: it stops after the batch of rows it is on; what it has done is kept."
                    )
                    if batch.status == ImportBatch.Status.RUNNING
                    else _("Cancelled."),
                )
                return redirect("people:import_detail", pk=batch.pk)
            if action == "remap" and batch.dry_run:
                staged = uploads.stage_batch_file(actor=request.user, batch=batch)
                return redirect("people:import_map", token=staged.token)
            if action == "rollback":
                counts = services.import_rollback(actor=request.user, batch=batch)
                messages.success(
                    request,
                    _("Rolled back: %(removed)s people removed, %(restored)s restored.") % counts,
                )
                return redirect("people:import_detail", pk=batch.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("people:import_detail", pk=batch.pk)
        raise Http404


class ImportRejectsView(CapabilityRequiredMixin, View):
    """The rejected rows as the original file's columns plus a reason, to fix and re-import."""

    capability = "people.import"

    def get(self, request, pk):
        batch = _get_batch(request, pk)

        response = StreamingHttpResponse(
            selectors.rejected_rows_csv(batch), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="rejected-{batch.pk}.csv"'
        return response


class ImportRejectedValuesView(CapabilityRequiredMixin, View):
    """The values left out of imported rows as CSV (line, column, value, reason)."""

    capability = "people.import"

    def get(self, request, pk):
        batch = _get_batch(request, pk)
        response = StreamingHttpResponse(
            selectors.rejected_values_csv(batch), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="rejected-values-{batch.pk}.csv"'
        return response
