"""``/api/v1/events/``, ``/api/v1/shifts/``, ``/api/v1/registrations/``.

The same services as the screens: reading needs ``events.view``, writing ``events.manage``;
every row is cut to the caller's areas. A registration created here matches the person by
email/phone (or takes a ``person`` id) and never exceeds the shift's capacity."""

from __future__ import annotations

from contextlib import contextmanager

import django_filters as df
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from grassroots.api.fields import IdRelatedField, SlugRefField, UtcDateTimeFilter
from grassroots.api.permissions import CapabilityPermission
from grassroots.api.scoping import ScopedViewSetMixin
from grassroots.api.serializers import AreaRefField
from grassroots.core.filters import ScopedFilterSet
from grassroots.events import services
from grassroots.events.models import Event, EventType, Registration, Shift
from grassroots.people.models import Person, Tag

VIEW, MANAGE = "events.view", "events.manage"


@contextmanager
def _service_errors():
    """A service's refusal as this API's 400 (its field errors, or its messages), in one place
    for every viewset here."""
    try:
        yield
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        ) from exc


class ShiftInlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shift
        fields = ["id", "starts_at", "ends_at", "capacity", "confirmed_count"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    serializer_related_field = IdRelatedField
    type = SlugRefField(slug_field="slug", queryset=EventType.objects.all())
    area = AreaRefField(required=False, allow_null=True)
    shifts = ShiftInlineSerializer(many=True, read_only=True)
    hosts = IdRelatedField(many=True, queryset=Person.objects.all(), required=False)
    tags = SlugRefField(many=True, slug_field="slug", queryset=Tag.objects.all(), required=False)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )

    class Meta:
        model = Event
        fields = ["id", "public_id", "title", "type", "description", "description_html",
                  "status", "visibility", "area", "address", "latitude", "longitude",
                  "virtual_url", "time_zone", "starts_at", "ends_at", "contact_person",
                  "hosts", "tags", "series", "shifts", "created_at"]  # fmt: skip
        read_only_fields = ["id", "public_id", "description_html", "status", "series", "shifts",
                            "created_at"]  # fmt: skip


class EventFilter(ScopedFilterSet):
    type = df.CharFilter(field_name="type__slug")
    status = df.ChoiceFilter(choices=Event.Status.choices)
    starts_after = UtcDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = UtcDateTimeFilter(field_name="starts_at", lookup_expr="lte")

    class Meta:
        model = Event
        fields = ["type", "status", "visibility"]


class EventViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Events; ``POST …/{id}/publish/`` and ``…/cancel/`` change their status."""

    permission_classes = [CapabilityPermission]
    read_capability, write_capability = VIEW, MANAGE
    serializer_class = EventSerializer
    filterset_class = EventFilter
    queryset = (
        Event.objects.select_related("type", "area")
        .prefetch_related("shifts", "hosts", "tags")
        .order_by("starts_at", "id")
    )
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        hosts, tags = data.pop("hosts", None), data.pop("tags", None)
        with _service_errors():
            serializer.instance = services.event_create(
                actor=self.request.user, data=data, hosts=hosts, tags=tags
            )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        hosts, tags = data.pop("hosts", None), data.pop("tags", None)
        with _service_errors():
            serializer.instance = services.event_update(
                actor=self.request.user, event=serializer.instance, data=data, hosts=hosts,
                tags=tags,
            )  # fmt: skip

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        event = services.event_publish(actor=request.user, event=self.get_object())
        return Response(self.get_serializer(event).data)

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        event = services.event_cancel(actor=request.user, event=self.get_object())
        return Response(self.get_serializer(event).data)


class ShiftSerializer(serializers.ModelSerializer):
    serializer_related_field = IdRelatedField
    capacity = serializers.IntegerField(min_value=1, max_value=1_000_000)

    class Meta:
        model = Shift
        fields = ["id", "event", "starts_at", "ends_at", "capacity", "confirmed_count"]
        read_only_fields = ["id", "confirmed_count"]

    def validate(self, attrs):
        starts = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts and ends and ends < starts:
            raise ValidationError({"ends_at": "The shift ends before it starts."})
        if self.instance is not None and "event" in attrs and attrs["event"] != self.instance.event:
            raise ValidationError({"event": "A shift cannot move to another event."})
        return attrs


class ShiftFilter(ScopedFilterSet):
    class Meta:
        model = Shift
        fields = ["event"]


class ShiftViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Shifts (timeslots) of events; lowering ``capacity`` below ``confirmed_count`` is 400."""

    permission_classes = [CapabilityPermission]
    read_capability, write_capability = VIEW, MANAGE
    serializer_class = ShiftSerializer
    filterset_class = ShiftFilter
    queryset = Shift.objects.order_by("event_id", "position", "starts_at", "id")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        d = serializer.validated_data
        with _service_errors():
            serializer.instance = services.shift_add(
                actor=self.request.user, event=d["event"], starts_at=d["starts_at"],
                ends_at=d["ends_at"], capacity=d["capacity"],
            )  # fmt: skip

    def perform_update(self, serializer):
        d = serializer.validated_data
        with _service_errors():
            serializer.instance = services.shift_update(
                actor=self.request.user, shift=serializer.instance,
                starts_at=d.get("starts_at"), ends_at=d.get("ends_at"),
                capacity=d.get("capacity"),
            )  # fmt: skip


class RegistrationSerializer(serializers.ModelSerializer):
    serializer_related_field = IdRelatedField
    person = IdRelatedField(queryset=Person.objects.all(), required=False)
    given_name = serializers.CharField(max_length=100, required=False, write_only=True)
    family_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, write_only=True
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, write_only=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, write_only=True)

    class Meta:
        model = Registration
        fields = ["id", "shift", "event", "person", "status", "waitlist_position", "attendance",
                  "checked_in_at", "source", "created_at", "given_name", "family_name",
                  "email", "phone"]  # fmt: skip
        read_only_fields = ["id", "event", "status", "waitlist_position", "attendance",
                            "checked_in_at", "source", "created_at"]  # fmt: skip
        validators: list = []  # a repeated sign-up answers the existing one (the service)


class AttendanceSerializer(serializers.Serializer):
    attendance = serializers.ChoiceField(choices=Registration.Attendance.choices)


class RegistrationFilter(ScopedFilterSet):
    status = df.ChoiceFilter(choices=Registration.Status.choices)

    class Meta:
        model = Registration
        fields = ["event", "shift", "person", "status"]


class RegistrationViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Sign-ups (RSVPs). Create with ``person`` (an id) or contact details (``given_name`` and
    ``email`` or ``phone``: matched to an existing person, else a new one). A repeated sign-up
    answers 200 with the existing registration; a full shift puts them on the waitlist.
    ``POST …/{id}/cancel/`` cancels and promotes the first on the waitlist."""

    permission_classes = [CapabilityPermission]
    read_capability, write_capability = VIEW, MANAGE
    serializer_class = RegistrationSerializer
    filterset_class = RegistrationFilter
    queryset = Registration.objects.order_by("created_at", "id")

    @extend_schema(responses={201: RegistrationSerializer, 200: RegistrationSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        contact = None
        if d.get("person") is None:
            contact = services.Contact(
                given_name=d.get("given_name", ""), family_name=d.get("family_name", ""),
                email=d.get("email", ""), phone=d.get("phone", ""),
            )  # fmt: skip
        with _service_errors():
            signup = services.registration_create(
                actor=request.user, shift=d["shift"], person=d.get("person"), contact=contact,
                source={"via": "api"},
            )  # fmt: skip
        data = self.get_serializer(signup.registration).data
        return Response(data, status=status.HTTP_201_CREATED if signup.created else 200)

    @extend_schema(request=None, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        reg = services.registration_cancel(actor=request.user, registration=self.get_object())
        return Response(self.get_serializer(reg).data)

    # --- attendance (events-engage) ---------------------------------------------------------

    @extend_schema(request=AttendanceSerializer, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        """Mark attended / no_show / unknown, as the check-in screen does: the first "attended"
        adds an event interaction on the person's timeline; each change publishes
        ``attendance.recorded``."""
        from grassroots.events.checkin import services as checkin

        reg = self.get_object()
        serializer = AttendanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _service_errors():
            reg = checkin.attendance_mark(
                actor=request.user,
                registration=reg,
                attendance=serializer.validated_data["attendance"],
            )
        return Response(self.get_serializer(reg).data)
