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
from grassroots.people.imports.mapping import fit_mapping, validate_mapping
from grassroots.people.imports.options import options_check
from grassroots.people.imports.reader import ImportFileError, preview
from grassroots.people.models import ImportBatch


def _messages(exc: DjangoValidationError) -> list[str]:
    return list(exc.messages)


@extend_schema_field(
    {
        "type": "string",
        "description": "A mapping as JSON text (see the user guide, Imports → the mapping), "
        'e.g. {"columns": {"First": "person.given_name", "Voter ID": "external_id:voter"}}',
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
    links = serializers.SerializerMethodField()
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="created, updated, unchanged, rejected, rows (after the run; would-be "
        "numbers for a check); when not zero also values_rejected (values left out of imported "
        "rows), repeated (earlier rows of a person replaced by a later one), headers_skipped, "
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
            "created_by",
            "created_at",
            "finished_at",
            "rolled_back_at",
            "links",
        ]
        read_only_fields = fields

    def get_links(self, batch) -> dict[str, str]:
        request = self.context.get("request")

        def url(name, *args):
            path = reverse(name, args=args)
            return request.build_absolute_uri(path) if request else path

        return {
            "self": url("api:import-detail", batch.pk),
            "run": url("api:import-run", batch.pk),
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
        ],
    )
    def create(self, request):
        body = ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        upload = data["file"]
        with uploads.upload_on_disk(upload) as path:
            try:
                sheet, _rows = preview(path, 0)
            except ImportFileError as exc:
                raise serializers.ValidationError({"file": [str(exc)]})
            mapping = data.get("mapping")
            which = "mapping" if mapping is not None else "template"
            try:
                fitted = fit_mapping(
                    mapping if mapping is not None else services.template_mapping(data["template"]),
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
                    template=data.get("template") or "",
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
