"""``/api/v1/imports/``: upload a file to check (dry run) or import, start the real run of a
checked file, list imports, download the rejected rows.

Uploads arrive as multipart: Django streams a large file to a temporary file on disk as it
arrives (``TemporaryUploadedFile``), and that file is what the import copies. The size limit
and the messages are the screens' (``people.imports.uploads.upload_check``).
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, parsers, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.api import parsers as bounded
from grassroots.api.fields import refuse_nul
from grassroots.api.permissions import CapabilityPermission
from grassroots.core.exceptions import Conflict
from grassroots.people.imports import selectors, services, uploads
from grassroots.people.imports.limits import import_limits
from grassroots.people.imports.mapping import fit_mapping, validate_mapping, with_keep
from grassroots.people.imports.options import options_check
from grassroots.people.imports.reader import ImportFileError, preview
from grassroots.people.models import ImportBatch


def _messages(exc: DjangoValidationError) -> list[str]:
    return list(exc.messages)


@extend_schema_field(
    {
        "type": "string",
        "description": "A mapping as JSON text (see the user guide, Imports → the mapping), "
        'e.g. {"columns": {"First": "person.given_name", "Voter ID": "external_id:voter"}}. '
        'Its "options" include "keep_repeated": "later" (the default) or "newest" with '
        '"newest_by": the column whose date decides which of a voter\'s rows is kept.',
    }
)
class MappingField(serializers.Field):
    """A JSON object, given as JSON text in a multipart form (or as an object in JSON)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise serializers.ValidationError(f"The mapping is not valid JSON: {exc}.")
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                'The mapping must be a JSON object, e.g. {"columns": {"Name": "person.full_name"}}.'
            )
        return refuse_nul(data)

    def to_representation(self, value):
        return value


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, TSV, XLSX, or a .gz/.zip of one; up to 4 GB.",
        error_messages={"empty": "The file is empty."},
    )
    template = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="A template name (us-voter-file, india-roll, osdi-sample or a saved one).",
    )
    mapping = MappingField(required=False, help_text="Instead of a template: the mapping itself.")
    keep = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="A voter on more than one row of the file: `later` keeps the later row (the "
        "default), `newest:COLUMN` the row with the newest date in COLUMN (a column mapped to a "
        "date field; a row without a date there loses, equal dates keep the later row). Sets the "
        "mapping's options `keep_repeated` and `newest_by`, over the template's or mapping's.",
    )
    dry_run = serializers.BooleanField(
        default=True,
        help_text="true (the default): a check that writes nothing; false: import for real.",
    )

    def validate_file(self, value):
        try:
            uploads.upload_check(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_messages(exc))
        return value

    def validate_template(self, value):
        value = (value or "").strip()
        if value:
            try:
                services.template_mapping(value)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(_messages(exc))
        return value

    def validate(self, attrs):
        if bool(attrs.get("template")) == ("mapping" in attrs):
            raise serializers.ValidationError(
                {"template": ["Give either a template name or a mapping (one of the two)."]}
            )
        return attrs


class ImportJobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    progress = serializers.IntegerField(help_text="Rows read so far.")
    total = serializers.IntegerField(help_text="Rows to read (0 while unknown).")
    url = serializers.SerializerMethodField(help_text="The job's live progress page.")

    def get_url(self, job) -> str:
        request = self.context.get("request")
        path = reverse("core:job_status", args=[job.pk])
        return request.build_absolute_uri(path) if request else path


class ImportBatchSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None)
    job = ImportJobSerializer(allow_null=True)
    cancelled = serializers.SerializerMethodField(
        help_text="Someone cancelled it: it stops (status failed, job cancelled) after the batch "
        "of rows it is on, keeping what it wrote; counts say how far it got."
    )
    links = serializers.SerializerMethodField()
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="created, updated, unchanged, rejected, rows (after the run; would-be "
        "numbers for a check); when not zero also values_rejected (values left out of imported "
        "rows), repeated (rows of a person left out for another row of theirs: the later one, or with `keep` newest, the one with the newest date), headers_skipped, "
        "moved (people moved to another address) and households_split.",
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "filename",
            "size",
            "sha256",
            "template",
            "mapping",
            "dry_run",
            "status",
            "counts",
            "job",
            "cancelled",
            "created_by",
            "created_at",
            "finished_at",
            "rolled_back_at",
            "links",
        ]
        read_only_fields = fields

    def get_cancelled(self, batch) -> bool:
        return batch.job is not None and batch.job.cancel_requested_at is not None

    def get_links(self, batch) -> dict[str, str]:
        request = self.context.get("request")

        def url(name, *args):
            path = reverse(name, args=args)
            return request.build_absolute_uri(path) if request else path

        return {
            "self": url("api:import-detail", batch.pk),
            "run": url("api:import-run", batch.pk),
            "cancel": url("api:import-cancel", batch.pk),
            "rejected": url("api:import-rejected", batch.pk),
            "screen": url("people:import_detail", batch.pk),
        }


class CSVRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``Accept: text/csv``; errors still go out as JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode() if data is not None else b""


@extend_schema_view(
    list=extend_schema(summary="List imports and checks, newest first"),
    retrieve=extend_schema(summary="One import: status, counts, job progress"),
)
class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imports of voter files and spreadsheets (capability ``people.import``)."""

    serializer_class = ImportBatchSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "people.import"
    write_capability = "people.import"
    parser_classes = [parsers.MultiPartParser, bounded.FormParser, bounded.JSONParser]
    filterset_fields = ["status", "dry_run"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.import_batch_list(self.request.user)

    def get_object(self):
        batch = selectors.import_batch_get(self.request.user, self.kwargs["pk"])
        if batch is None:
            raise exceptions.NotFound()
        self.check_object_permissions(self.request, batch)
        return batch

    def _answer(self, batch, code):
        batch = selectors.import_batch_get(self.request.user, batch.pk)
        data = ImportBatchSerializer(batch, context={"request": self.request}).data
        return Response(data, status=code, headers={"Location": data["links"]["self"]})

    @extend_schema(
        summary="Upload a file to check (dry run) or import",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            201: ImportBatchSerializer,
            400: OpenApiResponse(description="Bad file, template or mapping (error shape)."),
        },
        examples=[
            OpenApiExample(
                "With a template",
                value={"file": "(file)", "template": "us-voter-file", "dry_run": True},
                request_only=True,
            ),
            OpenApiExample(
                "A voter twice in the file: keep the newest registration",
                value={
                    "file": "(file)",
                    "mapping": '{"columns": {"VoterID": "external_id:us-oh-voter", '
                    '"Name": "person.full_name", "RegDate": {"target": '
                    '"person.registration_date", "format": "%m/%d/%Y"}}}',
                    "keep": "newest:RegDate",
                    "dry_run": True,
                },
                request_only=True,
            ),
        ],
    )
    def create(self, request):
        body = ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        upload = data["file"]
        with uploads.upload_on_disk(upload) as path:
            try:
                sheet, _rows = preview(path, 0, limits=import_limits())
            except ImportFileError as exc:
                raise serializers.ValidationError({"file": [str(exc)]})
            mapping = data.get("mapping")
            which = "mapping" if mapping is not None else "template"
            template = data.get("template") or ""
            if data.get("keep"):  # the template's or the mapping's, with this option
                try:
                    base = mapping if mapping is not None else services.template_mapping(template)
                    mapping, template, which = with_keep(base, data["keep"]), "", "keep"
                except DjangoValidationError as exc:
                    raise serializers.ValidationError({"keep": _messages(exc)})
            try:
                fitted = fit_mapping(
                    mapping if mapping is not None else services.template_mapping(template),
                    sheet.headers,
                )
                validate_mapping(fitted, sheet.headers)
                options_check(actor=request.user, mapping=fitted)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({which: _messages(exc)})
            try:
                batch = services.import_create(
                    actor=request.user,
                    path=path,
                    filename=upload.name,
                    mapping=mapping,
                    template=template,
                    dry_run=data["dry_run"],
                )
            except Conflict:
                raise  # 409 (api.errors): the same file is being imported right now
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"file": _messages(exc)})
        services.import_start(actor=request.user, batch=batch)
        return self._answer(batch, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Import for real a file that passed its check (or re-run a failed import)",
        request=None,
        responses={
            202: ImportBatchSerializer,
            409: OpenApiResponse(description="The check has not finished, or already ran."),
        },
    )
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        batch = self.get_object()
        real = services.import_again(actor=request.user, batch=batch)  # Conflict: 409
        services.import_start(actor=request.user, batch=real)
        return self._answer(real, status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Cancel a check or import that is waiting or running",
        description="One still waiting for a worker ends at once; a running one stops after "
        "the batch of rows it is on (a real import keeps what it wrote: roll it back on the "
        "screen, or run it again).",
        request=None,
        responses={
            202: ImportBatchSerializer,
            403: OpenApiResponse(description="Only its creator or an administrator may cancel."),
            409: OpenApiResponse(description="It is not running (finished, failed, cancelled)."),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        batch = services.import_cancel(actor=request.user, batch=self.get_object())
        return self._answer(batch, status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The rejected rows as the original file (its header and lines) plus a reason "
        "column, to fix and import again",
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, CSVRenderer],
        url_path="rejected",
    )
    def rejected(self, request, pk=None):
        batch = self.get_object()
        response = StreamingHttpResponse(
            selectors.rejected_rows_csv(batch), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="rejected-{batch.pk}.csv"'
        return response
