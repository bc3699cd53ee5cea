"""``/api/v1/volunteers/``, ``/api/v1/volunteer-tasks/``, ``/api/v1/volunteer-hours/``.

The same services and scope as the screens: organisers (``volunteers.view``) read the
volunteers, tasks and hours in their areas; anyone reads their own and their teams' (a booth
volunteer: only their own). Creating tasks and assigning need ``volunteers.manage``; hours are
logged by the volunteer (their own, ``volunteers.self``) or an organiser, and approved or
rejected by an organiser.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters as df
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.api.fields import IdRelatedField, SlugRefField
from grassroots.api.permissions import CapabilityPermission
from grassroots.api.scoping import ScopedViewSetMixin
from grassroots.core.filters import ScopedFilterSet
from grassroots.geography.models import Area
from grassroots.volunteers import services
from grassroots.volunteers.models import HoursEntry, Skill, Task, VolunteerProfile


class VolunteerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.full_name", read_only=True)
    skills = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    teams = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = VolunteerProfile
        fields = ["id", "person", "name", "status", "skills", "availability", "interests",
                  "teams", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class VolunteerFilter(ScopedFilterSet):
    status = df.ChoiceFilter(choices=VolunteerProfile.Status.choices)

    class Meta:
        model = VolunteerProfile
        fields = ["status"]


class VolunteerViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Volunteers in your areas (``?status=prospect|active|inactive``)."""

    permission_classes = [CapabilityPermission]
    read_capability = "volunteers.view"
    serializer_class = VolunteerSerializer
    filterset_class = VolunteerFilter
    queryset = (
        VolunteerProfile.objects.select_related("person")
        .prefetch_related("skills", "teams")
        .order_by("id")
    )


class TaskSerializer(serializers.ModelSerializer):
    area = IdRelatedField(queryset=Area.objects.all(), required=False, allow_null=True)
    skills = SlugRefField(
        slug_field="code", many=True, queryset=Skill.objects.all(), required=False
    )
    assignees = serializers.SerializerMethodField()
    slots = serializers.IntegerField(min_value=1, max_value=500, default=1)
    title = serializers.CharField(max_length=200)
    instructions = serializers.CharField(max_length=10000, required=False, allow_blank=True)

    class Meta:
        model = Task
        fields = ["id", "title", "instructions", "due_date", "area", "skills", "slots", "status",
                  "assignees", "created_at"]  # fmt: skip
        read_only_fields = ["id", "status", "assignees", "created_at"]

    def get_assignees(self, obj) -> list[int]:
        return [a.volunteer_id for a in obj.assignments.all()]


class AssignBestSerializer(serializers.Serializer):
    n = serializers.IntegerField(min_value=1, max_value=100)


class TaskViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Volunteer tasks you may see; ``POST …/{id}/assign-best/`` assigns the best N suggested
    volunteers (skills, area, availability, current load)."""

    permission_classes = [CapabilityPermission]
    read_capability = "volunteers.self"
    write_capability = "volunteers.manage"
    serializer_class = TaskSerializer
    queryset = Task.objects.prefetch_related("skills", "assignments").order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = services.task_create(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=AssignBestSerializer, responses=TaskSerializer,
                   operation_id="v1_volunteer_tasks_assign_best")  # fmt: skip
    @action(detail=True, methods=["post"], url_path="assign-best")
    def assign_best(self, request, pk=None):
        task = self.get_object()
        data = AssignBestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.task_assign_best(actor=request.user, task=task, n=data.validated_data["n"])
        task = self.get_queryset().get(pk=task.pk)
        return Response(TaskSerializer(task).data)


class HoursSerializer(serializers.ModelSerializer):
    volunteer = IdRelatedField(queryset=VolunteerProfile.objects.all())
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.25"), max_value=Decimal("24")
    )
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)

    class Meta:
        model = HoursEntry
        fields = ["id", "volunteer", "date", "hours", "description", "status", "source",
                  "created_at"]  # fmt: skip
        read_only_fields = ["id", "status", "source", "created_at"]


class HoursFilter(ScopedFilterSet):
    status = df.ChoiceFilter(choices=HoursEntry.Status.choices)

    class Meta:
        model = HoursEntry
        fields = ["status"]


class HoursViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Volunteer hours you may see (``?status=pending|approved|rejected``); log hours with
    ``POST``; ``POST …/{id}/approve/`` or ``…/reject/`` (an organiser, not for oneself)."""

    permission_classes = [CapabilityPermission]
    read_capability = write_capability = "volunteers.self"
    serializer_class = HoursSerializer
    filterset_class = HoursFilter
    queryset = HoursEntry.objects.order_by("-date", "-id")

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.hours_log(
            actor=self.request.user, profile=d["volunteer"], date=d["date"], hours=d["hours"],
            description=d.get("description", ""),
        )  # fmt: skip

    @extend_schema(
        request=None, responses=HoursSerializer, operation_id="v1_volunteer_hours_decide",
        parameters=[OpenApiParameter("verb", str, OpenApiParameter.PATH,
                                     enum=["approve", "reject"])],
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path=r"(?P<verb>approve|reject)")
    def decide(self, request, pk=None, verb=None):
        entry = services.hours_decide(
            actor=request.user, entry=self.get_object(), approve=verb == "approve"
        )
        return Response(HoursSerializer(entry).data, status=status.HTTP_200_OK)
