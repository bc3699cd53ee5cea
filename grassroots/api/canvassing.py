"""``/api/v1/canvass-efforts/``, ``/api/v1/turfs/``, ``/api/v1/doors/``, ``/api/v1/visits/`` and
``POST /api/v1/canvass-sync/``.

The same services as the screens: reading needs ``canvassing.view``, creating and changing an
effort ``canvassing.manage``; every row is cut to the caller's areas (through its effort). An
upload (``canvass-sync``) takes the canvassing app's own event format — ``{"events": [...]}``,
each event with a client-made ``id`` — and answers per event (applied / duplicate / retry /
rejected): sending the same events again changes nothing (ADR 0022)."""

from __future__ import annotations

from contextlib import contextmanager

import django_filters as df
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from grassroots.api.fields import IdRelatedField, JSONField, UtcDateTimeFilter
from grassroots.api.permissions import CapabilityPermission
from grassroots.api.scoping import ScopedViewSetMixin
from grassroots.api.serializers import AreaRefField
from grassroots.canvassing import services, sync
from grassroots.canvassing.models import Door, Effort, Turf, Visit
from grassroots.core import access
from grassroots.core.filters import ScopedFilterSet
from grassroots.lists.models import PersonList, Segment
from grassroots.people.models import Person
from grassroots.surveys.models import Script

VIEW, MANAGE, CANVASS = services.VIEW, services.MANAGE, services.CANVASS


@contextmanager
def _service_errors():
    try:
        yield
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        ) from exc


class EffortSerializer(serializers.ModelSerializer):
    serializer_related_field = IdRelatedField
    script = IdRelatedField(queryset=Script.objects.all())
    segment = IdRelatedField(queryset=Segment.objects.all(), required=False, allow_null=True)
    person_list = IdRelatedField(queryset=PersonList.objects.all(), required=False, allow_null=True)
    areas = AreaRefField(many=True, required=False)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    target_size = serializers.IntegerField(
        min_value=services.MIN_TARGET, max_value=services.MAX_TARGET, required=False
    )
    checkout_days = serializers.IntegerField(
        min_value=1, max_value=services.MAX_CHECKOUT_DAYS, required=False
    )

    class Meta:
        model = Effort
        fields = ["id", "name", "description", "status", "script", "segment", "person_list",
                  "starts_on", "ends_on", "areas", "target_size", "measure", "respect_areas",
                  "checkout_days", "stop_time", "area", "built_at", "cut_at", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = ["id", "status", "area", "built_at", "cut_at", "created_at",
                            "updated_at"]  # fmt: skip


EFFORT_FIELDS = ["name", "description", "script", "segment", "person_list", "starts_on",
                 "ends_on", "target_size", "measure", "respect_areas", "checkout_days",
                 "stop_time"]  # fmt: skip


class EffortFilter(ScopedFilterSet):
    status = df.ChoiceFilter(choices=Effort.Status.choices)

    class Meta:
        model = Effort
        fields = ["status"]


class EffortViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Canvass efforts: a script, an audience (a segment or a list), dates, areas and the
    turf size. Building the doors and cutting turfs happen on the screens."""

    permission_classes = [CapabilityPermission]
    read_capability, write_capability = VIEW, MANAGE
    serializer_class = EffortSerializer
    filterset_class = EffortFilter
    queryset = (
        Effort.objects.select_related("area")
        .prefetch_related("areas")
        .order_by("-created_at", "-id")
    )
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        with _service_errors():
            serializer.instance = services.effort_create(
                actor=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer):
        effort = serializer.instance
        data = {name: getattr(effort, name) for name in EFFORT_FIELDS}
        data["areas"] = list(effort.areas.all())
        data.update(serializer.validated_data)
        with _service_errors():
            serializer.instance = services.effort_update(
                actor=self.request.user, effort=effort, **data
            )


class TurfSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    label = serializers.CharField(read_only=True)
    hull = JSONField(read_only=True)

    class Meta:
        model = Turf
        fields = ["id", "effort", "number", "name", "label", "kind", "status", "locked", "area",
                  "doors_count", "units_count", "walk_m", "centroid_lat", "centroid_lon",
                  "hull", "created_at"]  # fmt: skip
        read_only_fields = fields


class TurfFilter(ScopedFilterSet):
    status = df.ChoiceFilter(choices=Turf.Status.choices)

    class Meta:
        model = Turf
        fields = ["effort", "status"]


class TurfViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Turfs (``?effort=`` for one effort's), in walk-number order."""

    permission_classes = [CapabilityPermission]
    read_capability, write_capability = VIEW, None
    serializer_class = TurfSerializer
    filterset_class = TurfFilter
    queryset = Turf.objects.select_related("area").order_by("effort_id", "number")


class DoorSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Door
        fields = ["id", "effort", "turf", "position", "label", "house_number", "street", "area",
                  "latitude", "longitude", "located", "units", "unplaced_reason",
                  "added_in_field", "knocks", "last_result", "last_visit_at"]  # fmt: skip
        read_only_fields = fields


class DoorFilter(ScopedFilterSet):
    knocked = df.BooleanFilter(method="filter_knocked")

    class Meta:
        model = Door
        fields = ["effort", "turf"]

    def filter_knocked(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(knocks__gt=0) if value else qs.filter(knocks=0)


class DoorViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Doors (``?effort=``, ``?turf=``; ``?knocked=true|false``) in walk order."""

    permission_classes = [CapabilityPermission]
    read_capability, write_capability = VIEW, None
    serializer_class = DoorSerializer
    filterset_class = DoorFilter
    queryset = Door.objects.select_related("area").order_by(
        "effort_id", "turf_id", "position", "id"
    )


class VisitSerializer(serializers.ModelSerializer):
    """A visit; its ``person`` is given only when the reader may see that person (visits are
    scoped through their effort, people through their area)."""

    canvasser = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    result_code = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    errors = JSONField(read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "event_id", "effort", "turf", "door", "person", "canvasser", "device_id",
                  "result_code", "contacted", "attempt", "recorded_at", "device_time",
                  "received_at", "latitude", "longitude", "accuracy_m", "note",
                  "errors"]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        visible = self.context.get("visible_people")
        if data.get("person") is not None and visible is not None and data["person"] not in visible:
            data["person"] = None
        return data


class VisitFilter(ScopedFilterSet):
    since = UtcDateTimeFilter(
        field_name="received_at", lookup_expr="gte", help_text="Received at or after (ISO time)."
    )
    recorded_after = UtcDateTimeFilter(field_name="recorded_at", lookup_expr="gte")
    recorded_before = UtcDateTimeFilter(field_name="recorded_at", lookup_expr="lte")

    class Meta:
        model = Visit
        fields = ["effort", "turf", "contacted"]


class VisitViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Visits (one knock each), newest first; ``?effort=``, ``?since=`` (received since: poll
    with the time of your last read)."""

    permission_classes = [CapabilityPermission]
    read_capability, write_capability = VIEW, None
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    queryset = Visit.objects.select_related("canvasser", "result_code").order_by(
        "-recorded_at", "-id"
    )

    def get_serializer(self, *args, **kwargs):
        if args:
            one = isinstance(args[0], Visit)
            rows = [args[0]] if one else list(args[0])
            context = kwargs.setdefault("context", self.get_serializer_context())
            context["visible_people"] = access.visible_ids(
                Person, self.request.user, {v.person_id for v in rows if v.person_id}
            )
            if not one:
                args = (rows, *args[1:])
        return super().get_serializer(*args, **kwargs)


class SyncRequestSerializer(serializers.Serializer):
    events = serializers.ListField(
        child=serializers.DictField(child=JSONField()),
        max_length=sync.MAX_EVENTS,
        help_text="Door, person and visit events of the canvassing app (ids made by the "
        "client; see the guide).",
    )
    device = serializers.CharField(
        required=False, allow_blank=True, max_length=100,
        help_text="The uploading install's own id (kept with each visit).",
    )  # fmt: skip


class SyncResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(
        choices=[sync.APPLIED, sync.DUPLICATE, sync.RETRY, sync.REJECTED]
    )
    reason = serializers.CharField(required=False)
    visit = serializers.IntegerField(required=False)
    door = serializers.IntegerField(required=False)
    person = serializers.IntegerField(required=False)
    notes = JSONField(required=False)


class SyncResponseSerializer(serializers.Serializer):
    results = SyncResultSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    server_time = serializers.DateTimeField()


class CanvassSyncView(APIView):
    """Upload what canvassers recorded: ``{"events": [...]}`` → one result per event, in the
    order sent. Applied once each: a replayed or overlapping batch answers ``duplicate``."""

    permission_classes = [CapabilityPermission]
    read_capability, write_capability = None, CANVASS

    @extend_schema(request=SyncRequestSerializer, responses={200: SyncResponseSerializer})
    def post(self, request):
        body = SyncRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with _service_errors():
            answer = sync.sync(
                actor=request.user,
                events_in=body.validated_data["events"],
                device=body.validated_data.get("device", ""),
            )
        return Response(answer)
