from __future__ import annotations

import django_filters as df
from django.core.exceptions import ValidationError
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.api import serializers as s
from grassroots.api.permissions import CapabilityPermission
from grassroots.core.filters import ScopedFilterSet
from grassroots.geography.models import Area
from grassroots.geography.selectors import area_visible_to
from grassroots.people import selectors, services
from grassroots.people.filters import PersonFilter
from grassroots.people.models import ContactPoint, Tag
from grassroots.people.validation import parse_external_id

PERSON_WRITE_FIELDS = [
    "given_name",
    "middle_name",
    "family_name",
    "native_name",
    "gender",
    "birth_date",
    "age",
    "age_as_of",
    "relation_type",
    "relative_name",
    "preferred_language",
    "support_score",
    "status",
    "do_not_contact",
    "source",
    "area",
    "serial_number",
    "name_suffix",
    "party",
    "registration_date",
    "voter_status",
]


class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People in the caller's areas. Out-of-scope people answer 404 like missing ones."""

    serializer_class = s.PersonSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "people.view"
    write_capability = "people.edit"
    filterset_class = PersonFilter
    ordering_fields = ["family_name", "given_name", "created_at", "support_score", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = selectors.person_visible_to(self.request.user)
        if self.request.method in ("GET", "HEAD"):
            return s.person_read_queryset(qs)
        return qs.select_related("area")  # a write works on the whole row

    def get_object(self):
        obj = super().get_object()
        if self.request.method in ("GET", "HEAD"):
            s.attach_related([obj])
        return obj

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return page if page is None else s.attach_related(page)

    def _read_back(self, pk):
        qs = s.person_read_queryset(selectors.person_visible_to(self.request.user))
        return s.PersonSerializer(s.attach_related([qs.get(pk=pk)])[0]).data

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        ext = []
        for raw in data.pop("external_ids_in", []):
            try:
                ext.append(parse_external_id(raw))
            except ValidationError as exc:
                raise ValidationError({"external_ids_in": exc.messages})
        phones = data.pop("phones", [])
        emails = data.pop("emails", [])
        try:
            serializer.instance = services.person_create(
                actor=self.request.user,
                data={k: v for k, v in data.items() if k in PERSON_WRITE_FIELDS},
                phones=phones,
                emails=emails,
                external_ids=ext,
                via="api",
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else None
            if errors and "external_ids" in errors:
                errors["external_ids_in"] = errors.pop("external_ids")
                raise ValidationError(errors)
            raise

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if set(data) - set(PERSON_WRITE_FIELDS):
            raise ValidationError(
                {k: ["Not writable here."] for k in set(data) - set(PERSON_WRITE_FIELDS)}
            )
        services.person_update(actor=self.request.user, person=serializer.instance, data=data)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response.data = self._read_back(kwargs["pk"])
        return response

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.data = self._read_back(response.data["id"])
        return response


class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.HouseholdSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "people.view"
    filterset_fields = {"area__code": ["exact"]}
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        return (
            selectors.household_visible_to(self.request.user)
            .select_related("address", "area")
            .annotate(n=Count("members"))
            .order_by("id")
        )


class ContactPointFilter(ScopedFilterSet):
    class Meta:
        model = ContactPoint
        fields = ["person", "channel", "status"]


class ContactPointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.ContactPointSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "people.view"
    write_capability = "people.edit"
    filterset_fields = ["person", "channel", "status"]

    def get_queryset(self):
        return ContactPoint.objects.filter(
            person__in=selectors.person_visible_to(self.request.user)
        ).order_by("id")

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if not isinstance(serializer, s.serializers.ListSerializer):
            serializer.fields["person"].queryset = selectors.person_visible_to(self.request.user)
        return serializer

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.contact_point_add(
            actor=self.request.user,
            person=d["person"],
            channel=d["channel"],
            value=d["value"],
            whatsapp=d.get("whatsapp", False),
            is_primary=d.get("is_primary", False),
            source=d.get("source", "") or "api",
        )


class TagViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.TagSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "people.view"
    write_capability = "people.edit"
    queryset = Tag.objects.order_by("name")
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def perform_create(self, serializer):
        serializer.instance = services.tag_get_or_create(
            actor=self.request.user, name=serializer.validated_data["name"]
        )

    @extend_schema(request=s.TagApplySerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def apply(self, request, slug=None):
        """Tag many people at once (only people in your areas are tagged)."""
        tag = self.get_object()
        body = s.TagApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = list(
            selectors.person_visible_to(request.user)
            .filter(pk__in=body.validated_data["people"])
            .values_list("id", flat=True)
        )
        missing = sorted(set(body.validated_data["people"]) - set(ids))
        if missing:
            raise ValidationError({"people": [f"Unknown people: {missing[:20]}"]})
        added = services.tag_apply(actor=request.user, tag=tag, people=ids)
        return Response({"tagged": len(ids), "added": added}, status=status.HTTP_200_OK)


class AreaFilter(ScopedFilterSet):
    parent = df.CharFilter(field_name="parent__code")
    kind = df.CharFilter(field_name="kind__code")
    q = df.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Area
        fields = ["parent", "kind", "q"]


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.AreaSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "geography.view"
    filterset_class = AreaFilter
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return (
            area_visible_to(self.request.user)
            .select_related("parent", "polling_station")
            .order_by("path")
        )
