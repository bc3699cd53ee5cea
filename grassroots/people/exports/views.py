"""Export people: choose columns and format, watch the job, download the file."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.people import selectors
from grassroots.people.exports import jobs, services


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


class ExportStartView(CapabilityRequiredMixin, View):
    """GET: the form (columns, format) for the list's current filters. POST: start the job."""

    capability = "people.export"

    def _render(self, request, params, *, columns, fmt, errors=(), status=200):
        filters = services.export_filters(params)
        try:
            jobs.validate_filters(filters)
            count = selectors.person_list(actor=request.user, filters=filters).count()
        except ValidationError as exc:
            errors = [*errors, *exc.messages]
            count = 0
        ctx = {
            "columns": [
                (key, label, key in columns)
                for key, (label, _get) in services.EXPORT_COLUMNS.items()
            ],
            "formats": list(services.FORMATS.items()),
            "fmt": fmt,
            "filters": filters,
            "querystring": urlencode(filters, doseq=True),
            "filter_summary": services.filter_summary(filters),
            "count": count,
            "errors": errors,
        }
        return render(request, "people/export_form.html", ctx, status=status)

    def get(self, request):
        return self._render(request, request.GET, columns=services.DEFAULT_COLUMNS, fmt="csv")

    def post(self, request):
        columns = request.POST.getlist("columns")
        fmt = request.POST.get("format", "csv")
        try:
            job = jobs.people_export_start(
                actor=request.user,
                filters=request.POST,
                columns=columns,
                fmt=fmt,
                ip_address=_ip(request),
            )
        except ValidationError as exc:
            return self._render(
                request, request.POST, columns=columns, fmt=fmt, errors=exc.messages, status=400
            )
        return redirect("people:export_status", job_id=job.pk)


class ExportStatusView(CapabilityRequiredMixin, View):
    capability = "people.export"

    def get(self, request, job_id):
        job = jobs.export_job_get(actor=request.user, job_id=job_id)
        if job is None:
            raise Http404
        return render(request, "people/export_status.html", {"job": job})


@method_decorator(never_cache, name="dispatch")
class ExportDownloadView(CapabilityRequiredMixin, View):
    """The finished file, to the person who started the export only (anyone else: 404)."""

    capability = "people.export"

    def get(self, request, job_id):
        found = jobs.people_export_file(actor=request.user, job_id=job_id, ip_address=_ip(request))
        if found is None:
            raise Http404
        path, filename = found
        return FileResponse(path.open("rb"), as_attachment=True, filename=filename)
