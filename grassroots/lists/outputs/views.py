"""Download endpoints: parse the URL, call ``services.output_render``, send the file."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.lists.outputs import jobs, services


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


class OutputView(CapabilityRequiredMixin, View):
    """GET ``…/<output>.<fmt>`` for a segment, a list or an area (``kind`` from the URL): the
    file. POST (offered when a PDF is too big to make while waiting): make it in the
    background, then follow the job."""

    capability = services.CAPABILITY
    kind = ""

    def _source(self, request, key, output, fmt):
        if fmt not in services.OUTPUTS.get(output, ()):
            raise Http404  # e.g. mail-list.pdf: the labels are mail-labels.pdf
        source = services.source_get(actor=request.user, kind=self.kind, key=key)
        if source is None:
            raise Http404
        return source

    def get(self, request, key, output, fmt):
        try:
            source = self._source(request, key, output, fmt)
            rendered = services.output_render(
                actor=request.user,
                source=source,
                output=output,
                fmt=fmt,
                params=request.GET,
                ip_address=_ip(request),
            )
        except services.OutputTooLarge as exc:
            return self._error(request, exc, status=400, background=True)
        except ValidationError as exc:  # bad parameters; a segment that no longer compiles
            return self._error(request, exc, status=400)
        inline = not rendered.streaming
        if rendered.streaming:
            response = StreamingHttpResponse(rendered.body, content_type=rendered.content_type)
        else:
            response = HttpResponse(rendered.body, content_type=rendered.content_type)
        response["Content-Disposition"] = content_disposition_header(not inline, rendered.filename)
        response["Cache-Control"] = "no-store, private"  # personal data
        return response

    def post(self, request, key, output, fmt):
        try:
            source = self._source(request, key, output, fmt)
            job = jobs.output_job_start(
                actor=request.user,
                kind=self.kind,
                source=source,
                output=output,
                fmt=fmt,
                params=request.GET,
                ip_address=_ip(request),
            )
        except ValidationError as exc:
            return self._error(request, exc, status=400)
        return redirect("lists:output_job", job_id=job.pk)

    def _error(self, request, exc: ValidationError, *, status: int, background: bool = False):
        return render(
            request,
            "lists/output_error.html",
            {"messages_list": exc.messages, "background": background},
            status=status,
        )


class OutputJobView(CapabilityRequiredMixin, View):
    capability = services.CAPABILITY

    def get(self, request, job_id):
        job = jobs.output_job_get(actor=request.user, job_id=job_id)
        if job is None:
            raise Http404
        return render(request, "lists/output_job.html", {"job": job})


class OutputJobDownloadView(CapabilityRequiredMixin, View):
    """The finished PDF, to the person who asked for it only (anyone else: 404)."""

    capability = services.CAPABILITY

    def get(self, request, job_id):
        found = jobs.output_job_file(actor=request.user, job_id=job_id, ip_address=_ip(request))
        if found is None:
            raise Http404
        path, filename = found
        response = FileResponse(path.open("rb"), filename=filename, content_type="application/pdf")
        response["Cache-Control"] = "no-store, private"
        return response
