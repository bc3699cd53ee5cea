"""Import screens: upload and check (dry run), run, follow progress, download rejects, roll back."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.people.exports import safe_cell
from grassroots.people.imports import services
from grassroots.people.imports.templates import BUILTIN
from grassroots.people.models import ImportBatch, ImportRejection, ImportTemplate

MAX_UPLOAD = 4 * 1024**3  # 4 GB


def template_choices():
    names = sorted({*BUILTIN, *ImportTemplate.objects.values_list("name", flat=True)})
    return [(n, n) for n in names]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV, TSV, XLSX, or a .gz/.zip of one)"),
        # FileField itself refuses an empty upload before clean_file runs; say it our way.
        error_messages={"empty": gettext_lazy("The file is empty.")},
    )
    template = forms.ChoiceField(label=gettext_lazy("Mapping template"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices()

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(
                _("The file is larger than 4 GB; split it or use the command line.")
            )
        return f


def _get_batch(request, pk) -> ImportBatch:
    batch = ImportBatch.objects.filter(pk=pk).select_related("job", "created_by").first()
    if batch is None:
        raise Http404
    return batch


class ImportListView(CapabilityRequiredMixin, View):
    capability = "people.import"

    def get(self, request):
        page = Paginator(ImportBatch.objects.select_related("created_by"), 25).get_page(
            request.GET.get("page")
        )
        return render(request, "people/import_list.html", {"page": page, "form": UploadForm()})

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            page = Paginator(ImportBatch.objects.select_related("created_by"), 25).get_page(1)
            return render(
                request, "people/import_list.html", {"page": page, "form": form}, status=400
            )
        upload = form.cleaned_data["file"]
        suffix = "".join(Path(upload.name).suffixes)[-12:]
        with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
            for chunk in upload.chunks(1 << 20):  # streamed: never the whole file in memory
                tmp.write(chunk)
            tmp.flush()
            try:
                batch = services.import_create(
                    actor=request.user,
                    path=tmp.name,
                    filename=upload.name,
                    template=form.cleaned_data["template"],
                    dry_run=True,
                )
            except ValidationError as exc:
                form.add_error("file", exc)
                page = Paginator(ImportBatch.objects.select_related("created_by"), 25).get_page(1)
                return render(
                    request, "people/import_list.html", {"page": page, "form": form}, status=400
                )
        services.import_start(actor=request.user, batch=batch)
        return redirect("people:import_detail", pk=batch.pk)


class ImportDetailView(CapabilityRequiredMixin, View):
    capability = "people.import"

    def get(self, request, pk):
        batch = _get_batch(request, pk)
        rejections = ImportRejection.objects.filter(batch=batch)[:20]
        template = (
            "people/import_detail.html#status" if request.htmx else "people/import_detail.html"
        )
        return render(request, template, {"batch": batch, "rejections": rejections})

    def post(self, request, pk):
        batch = _get_batch(request, pk)
        action = request.POST.get("action")
        try:
            if action == "run":
                real = services.import_again(actor=request.user, batch=batch)
                services.import_start(actor=request.user, batch=real)
                return redirect("people:import_detail", pk=real.pk)
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
    """The rejected rows as CSV (line, reason, original text), to fix and re-import."""

    capability = "people.import"

    def get(self, request, pk):
        batch = _get_batch(request, pk)

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def rows():
            yield "\ufeff" + writer.writerow(["line", "reason", "original"])
            for r in (
                ImportRejection.objects.filter(batch=batch)
                .order_by("line")
                .iterator(chunk_size=2000)
            ):
                yield writer.writerow([r.line, safe_cell(r.reason), safe_cell(r.raw)])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="rejected-{batch.pk}.csv"'
        return response
