"""``/api/v1/message-templates/``, ``/api/v1/broadcasts/``, ``/api/v1/messages/``.

The same services as the screens: every message sent through the API passes the same
compliance layer. Reading and writing need ``messaging.send``; messages are cut to the people in
the caller's areas.
"""

from __future__ import annotations

import django_filters as df
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from grassroots.api.fields import IdField, IdRelatedField
from grassroots.api.permissions import CapabilityPermission
from grassroots.api.scoping import ScopedViewSetMixin
from grassroots.core.filters import ScopedFilterSet
from grassroots.core.ids import IdFilter
from grassroots.lists import selectors as list_selectors
from grassroots.messaging import services
from grassroots.messaging.broadcasts import services as broadcasts
from grassroots.messaging.models import Broadcast, Channel, Message, Purpose, Template
from grassroots.people.selectors import person_visible_to


def _django_errors(exc: DjangoValidationError):
    from rest_framework.exceptions import ValidationError

    raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class VariantSerializer(serializers.Serializer):
    language = serializers.CharField(max_length=10)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body = serializers.CharField()
    html = serializers.CharField(required=False, allow_blank=True)
    provider_template = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TemplateSerializer(serializers.ModelSerializer):
    variants = VariantSerializer(many=True)

    class Meta:
        model = Template
        fields = ["id", "name", "channel", "purpose", "default_language", "variants",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["variants"] = [
            {
                "language": v.language,
                "subject": v.subject,
                "body": v.body,
                "html": v.html,
                "provider_template": v.provider_template,
            }  # fmt: skip
            for v in instance.variants.all()
        ]
        return data


class TemplateViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [CapabilityPermission]
    read_capability = write_capability = "messaging.send"
    serializer_class = TemplateSerializer
    queryset = Template.objects.prefetch_related("variants").order_by("name", "id")

    def _save(self, serializer, template=None):
        d = serializer.validated_data
        try:
            return services.template_save(
                actor=self.request.user,
                template=template,
                name=d.get("name", template.name if template else ""),
                channel=d.get("channel", template.channel if template else ""),
                purpose=d.get("purpose", template.purpose if template else Purpose.CAMPAIGN),
                default_language=d.get(
                    "default_language", template.default_language if template else "en"
                ),
                variants=[dict(v) for v in d.get("variants", [])],
            )
        except DjangoValidationError as exc:
            _django_errors(exc)

    def perform_create(self, serializer):
        serializer.instance = self._save(serializer)

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer, serializer.instance)


class BroadcastSerializer(serializers.ModelSerializer):
    serializer_related_field = IdRelatedField
    stats = serializers.SerializerMethodField()

    class Meta:
        model = Broadcast
        fields = ["id", "name", "template", "template_b", "channel", "purpose", "segment",
                  "person_list", "account", "status", "scheduled_at", "expires_at", "track",
                  "ab_sample", "ab_metric", "ab_wait", "ab_winner", "recipients", "started_at",
                  "finished_at", "created_at", "stats"]  # fmt: skip
        read_only_fields = ["id", "channel", "purpose", "status", "ab_winner", "recipients",
                            "started_at", "finished_at", "created_at", "stats"]  # fmt: skip

    def get_stats(self, obj) -> dict:
        return broadcasts.broadcast_stats(obj) if obj.status != "draft" else {}


class BroadcastViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Create a draft, then ``POST …/{id}/start/`` (or pause, resume, cancel)."""

    permission_classes = [CapabilityPermission]
    read_capability = write_capability = "messaging.send"
    serializer_class = BroadcastSerializer
    queryset = Broadcast.objects.select_related("template").order_by("-created_at", "-id")

    def perform_create(self, serializer):
        d = serializer.validated_data
        user = self.request.user
        segment, person_list = d.get("segment"), d.get("person_list")
        if (
            segment is not None
            and not list_selectors.segment_visible_to(user).filter(pk=segment.pk).exists()
        ):
            raise NotFound("No such segment.")
        if (
            person_list is not None
            and not list_selectors.list_visible_to(user).filter(pk=person_list.pk).exists()
        ):
            raise NotFound("No such list.")
        try:
            serializer.instance = broadcasts.broadcast_create(
                actor=user,
                name=d.get("name", ""),
                template=d["template"],
                segment=segment,
                person_list=person_list,
                account=d.get("account"),
                scheduled_at=d.get("scheduled_at"),
                expires_at=d.get("expires_at"),
                track=d.get("track", False),
                template_b=d.get("template_b"),
                ab_sample=d.get("ab_sample", 20),
                ab_metric=d.get("ab_metric", "replied"),
                ab_wait=d.get("ab_wait", 60),
            )
        except DjangoValidationError as exc:
            _django_errors(exc)

    @extend_schema(
        request=None,
        responses=BroadcastSerializer,
        operation_id="v1_broadcasts_act",
        parameters=[
            OpenApiParameter(
                "verb", str, OpenApiParameter.PATH, enum=["start", "pause", "resume", "cancel"]
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"(?P<verb>start|pause|resume|cancel)")
    def act(self, request, pk=None, verb=None):
        broadcast = self.get_object()
        try:
            if verb == "start":
                broadcast = broadcasts.broadcast_start(actor=request.user, broadcast=broadcast)
            else:
                broadcast = broadcasts.broadcast_set_status(
                    actor=request.user, broadcast=broadcast, action=verb
                )
        except DjangoValidationError as exc:
            _django_errors(exc)
        return Response(BroadcastSerializer(broadcast).data)


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "uuid", "person", "channel", "direction", "purpose", "to_address",
                  "from_address", "subject", "body", "status", "status_code", "status_reason",
                  "held_until", "broadcast", "provider_id", "created_at", "sent_at",
                  "delivered_at", "opened_at", "clicked_at"]  # fmt: skip
        read_only_fields = fields


class SendSerializer(serializers.Serializer):
    person = IdField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    body = serializers.CharField(max_length=5000)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    purpose = serializers.ChoiceField(choices=Purpose.choices, default=Purpose.CAMPAIGN)


class MessageFilter(ScopedFilterSet):
    person = IdFilter(field_name="person_id")
    broadcast = IdFilter(field_name="broadcast_id")
    status = df.ChoiceFilter(choices=Message.Status.choices)

    class Meta:
        model = Message
        fields = ["person", "broadcast", "status"]


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Messages to and from the people in your areas (``?person=``, ``?broadcast=``,
    ``?status=``); ``POST …/send/`` sends one message through the compliance layer."""

    permission_classes = [CapabilityPermission]
    read_capability = write_capability = "messaging.send"
    serializer_class = MessageSerializer
    filterset_class = MessageFilter

    def get_queryset(self):
        return Message.objects.filter(
            person__in=person_visible_to(self.request.user).values("pk")
        ).order_by("-created_at", "-id")

    @extend_schema(request=SendSerializer, responses={201: MessageSerializer})
    @action(detail=False, methods=["post"])
    def send(self, request):
        data = SendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        person = person_visible_to(request.user).filter(pk=d["person"]).first()
        if person is None:
            raise NotFound("No such person.")
        try:
            message = services.message_send(
                actor=request.user,
                person=person,
                channel=d["channel"],
                body=d["body"],
                subject=d.get("subject", ""),
                purpose=d["purpose"],
            )
        except DjangoValidationError as exc:
            _django_errors(exc)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
