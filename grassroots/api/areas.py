"""``/api/v1/area-imports/``: set up the map from a file — upload an area tree (CSV of code,
name, kind, parent code; or GeoJSON boundaries) to check (a dry run, the default) or import,
as a job; read the job back for its progress and what it did or would do."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, serializers, status, viewsets
from rest_framework.response import Response

from grassroots.api import parsers as bounded
from grassroots.api.permissions import CapabilityPermission
from grassroots.core import jobs
from grassroots.core.models import Job
from grassroots.geography import area_import


class AreaImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv (code, name, kind, parent code) or .geojson.")
    dry_run = serializers.BooleanField(
        default=True, help_text="true (the default): say what would change; false: import."
    )
    kind = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Kind for rows without one."
    )
    parent = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Parent code for rows without one.",
    )
    code_column = serializers.CharField(required=False, allow_blank=True, max_length=100)
    name_column = serializers.CharField(required=False, allow_blank=True, max_length=100)
    kind_column = serializers.CharField(required=False, allow_blank=True, max_length=100)
    parent_code_column = serializers.CharField(required=False, allow_blank=True, max_length=100)


class AreaImportJobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    progress = serializers.IntegerField(help_text="Areas written so far.")
    total = serializers.IntegerField(help_text="Areas to write (0 while unknown).")
    dry_run = serializers.SerializerMethodField()
    result = serializers.JSONField(
        help_text="When finished: created, updated, moved, unchanged, new_kinds, problems "
        "[{line, unit, message}], problem_count, changes, written (or error)."
    )
    url = serializers.SerializerMethodField(help_text="This resource.")

    def get_dry_run(self, job) -> bool:
        return bool((job.params or {}).get("dry_run", True))

    def get_url(self, job) -> str:
        path = reverse("api:area-import-detail", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AreaImportViewSet(viewsets.ViewSet):
    """Area-tree imports (capability ``geography.edit``; rows outside the user's areas are
    reported as problems)."""

    permission_classes = [CapabilityPermission]
    read_capability = area_import.CAPABILITY
    write_capability = area_import.CAPABILITY
    parser_classes = [parsers.MultiPartParser, bounded.FormParser]

    @extend_schema(
        summary="Upload an area tree to check (dry run) or import",
        request={"multipart/form-data": AreaImportUploadSerializer},
        responses={
            202: AreaImportJobSerializer,
            400: OpenApiResponse(description="No file, or not a .csv/.geojson (error shape)."),
        },
    )
    def create(self, request):
        upload = AreaImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        d = dict(upload.validated_data)
        file = d.pop("file")
        dry_run = d.pop("dry_run")
        options = {k: v for k, v in d.items() if v}
        try:
            job = area_import.area_import_start_upload(
                actor=request.user, upload=file, dry_run=dry_run, options=options
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"file": list(exc.messages)}) from exc
        job.refresh_from_db()
        data = AreaImportJobSerializer(job, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})

    @extend_schema(
        summary="An area import: progress and result",
        responses=AreaImportJobSerializer,
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
    )
    def retrieve(self, request, pk=None):
        job = Job.objects.filter(pk=pk, kind=area_import.JOB_KIND).first() if _uuid(pk) else None
        if job is None or not jobs.job_visible(request.user, job):
            raise exceptions.NotFound()
        return Response(AreaImportJobSerializer(job, context={"request": request}).data)


def _uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
