"""``/api/v1/segments/``, ``/api/v1/lists/`` and ``/api/v1/segment-filters/``.

The same definitions as the builder (see ``grassroots/lists/compiler.py``), the same counts:
a segment's count through the API equals the count on screen for the same user. Reading needs
``people.view``; creating, changing, freezing and deleting need ``lists.manage``. Private
segments and lists of other users answer 404; people are always cut to the caller's areas.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from grassroots.api import serializers as s
from grassroots.api.fields import IdListField, JSONField
from grassroots.api.permissions import CapabilityPermission
from grassroots.lists import selectors, services
from grassroots.lists.models import PersonList, Segment, Visibility
from grassroots.lists.registry import filters


class SegmentSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", default=None, read_only=True)
    definition = JSONField(
        help_text="Steps of add/remove/narrow groups; see /api/v1/segment-filters/."
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PRIVATE)

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "definition",
            "visibility",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner", "created_at", "updated_at"]


class ListSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", default=None, read_only=True)
    person_ids = IdListField(write_only=True, required=False, max_length=100_000)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PRIVATE)

    class Meta:
        model = PersonList
        fields = [
            "id", "name", "description", "source", "segment", "definition", "frozen_at", "size",
            "visibility", "owner", "created_at", "updated_at", "person_ids",
        ]  # fmt: skip
        read_only_fields = [
            "id", "source", "segment", "definition", "frozen_at", "size", "owner", "created_at",
            "updated_at",
        ]  # fmt: skip


class CountSerializer(serializers.Serializer):
    people = serializers.IntegerField()
    households = serializers.IntegerField()


class DefinitionSerializer(serializers.Serializer):
    definition = JSONField()


class PeopleIdsSerializer(serializers.Serializer):
    person_ids = IdListField(max_length=100_000)


class AddedSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="People added (in your areas, not yet members).")
    skipped = serializers.IntegerField(
        help_text="Ids not added: already members, missing or outside your areas."
    )


class RemovedSerializer(serializers.Serializer):
    removed = serializers.IntegerField(help_text="Members removed.")


def _members(request, view, qs):
    qs = s.person_read_queryset(qs).order_by("id")
    page = s.attach_related(view.paginate_queryset(qs))
    return view.get_paginated_response(s.PersonSerializer(page, many=True).data)


class SegmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SegmentSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "people.view"
    write_capability = "lists.manage"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.segment_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.segment_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.segment_update(
            actor=self.request.user, segment=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.segment_delete(actor=self.request.user, segment=instance)

    @extend_schema(responses=CountSerializer)
    @action(detail=True, methods=["get"])
    def count(self, request, pk=None):
        """People and households in the segment (within your areas)."""
        segment = self.get_object()
        return Response(selectors.segment_counts(actor=request.user, definition=segment.definition))

    @extend_schema(request=DefinitionSerializer, responses=CountSerializer)
    @action(detail=False, methods=["post"], url_path="preview")
    def preview(self, request):
        """Count an unsaved definition (what the builder's live count does). Needs only
        ``people.view``: nothing is written."""
        body = DefinitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(
            selectors.segment_counts(
                actor=request.user, definition=body.validated_data["definition"]
            )
        )

    @extend_schema(responses=s.PersonSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        segment = self.get_object()
        return _members(
            request,
            self,
            selectors.segment_people(actor=request.user, definition=segment.definition),
        )

    @extend_schema(request=None, responses={201: ListSerializer})
    @action(detail=True, methods=["post"])
    def freeze(self, request, pk=None):
        """Freeze the segment to a list: who is in it now, and when."""
        segment = self.get_object()
        person_list = services.list_freeze(actor=request.user, segment=segment)
        return Response(ListSerializer(person_list).data, status=status.HTTP_201_CREATED)

    def get_permissions(self):
        if self.action == "preview":
            self.write_capability = "people.view"  # a count writes nothing
        return super().get_permissions()


class ListViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ListSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "people.view"
    write_capability = "lists.manage"

    def get_queryset(self):
        return selectors.list_visible_to(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.list_create(
            actor=self.request.user,
            source=PersonList.Source.UPLOAD if data.get("person_ids") else PersonList.Source.MANUAL,
            **data,
        )

    def perform_destroy(self, instance):
        services.list_delete(actor=self.request.user, person_list=instance)

    @extend_schema(responses=s.PersonSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        return _members(
            request, self, selectors.list_people(actor=request.user, person_list=self.get_object())
        )

    @extend_schema(request=PeopleIdsSerializer, responses=AddedSerializer)
    @action(detail=True, methods=["post"], url_path="add")
    def add_people(self, request, pk=None):
        body = PeopleIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.list_add_people(
            actor=request.user,
            person_list=self.get_object(),
            person_ids=body.validated_data["person_ids"],
        )
        return Response(result)

    @extend_schema(request=PeopleIdsSerializer, responses=RemovedSerializer)
    @action(detail=True, methods=["post"], url_path="remove")
    def remove_people(self, request, pk=None):
        body = PeopleIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        removed = services.list_remove_people(
            actor=request.user,
            person_list=self.get_object(),
            person_ids=body.validated_data["person_ids"],
        )
        return Response({"removed": removed})


class SegmentFiltersView(APIView):
    """Every filter a segment may use, with its parameters (kind, choices, limits)."""

    permission_classes = [CapabilityPermission]
    read_capability = "people.view"

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request):
        return Response([f.describe(request.user) for f in filters])
