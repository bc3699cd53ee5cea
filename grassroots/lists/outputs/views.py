"""Download endpoints: parse the URL, call ``services.output_render``, send the file."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.lists.outputs import services


class OutputView(CapabilityRequiredMixin, View):
    """GET ``…/<output>.<fmt>`` for a segment, a list or an area (``kind`` from the URL)."""

    capability = services.CAPABILITY
    kind = ""

    def get(self, request, key, output, fmt):
        if fmt not in services.OUTPUTS.get(output, ()):
            raise Http404  # e.g. mail-list.pdf: the labels are mail-labels.pdf
        try:
            source = services.source_get(actor=request.user, kind=self.kind, key=key)
        except ValidationError as exc:  # a segment that no longer compiles
            return self._error(request, exc, status=400)
        if source is None:
            raise Http404
        try:
            rendered = services.output_render(
                actor=request.user,
                source=source,
                output=output,
                fmt=fmt,
                params=request.GET,
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except ValidationError as exc:
            return self._error(request, exc, status=400)
        inline = not rendered.streaming
        if rendered.streaming:
            response = StreamingHttpResponse(rendered.body, content_type=rendered.content_type)
        else:
            response = HttpResponse(rendered.body, content_type=rendered.content_type)
        response["Content-Disposition"] = content_disposition_header(not inline, rendered.filename)
        response["Cache-Control"] = "no-store, private"  # personal data
        return response

    def _error(self, request, exc: ValidationError, *, status: int):
        return render(
            request, "lists/output_error.html", {"messages_list": exc.messages}, status=status
        )
