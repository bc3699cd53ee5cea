"""``/api/v1/event-questions/``: a virtual town hall's question intake.

Read (``events.view``): the questions of the events one moderates (``events.manage``, the event
in one's areas) with their status and star; elsewhere only the public ones (approved, answered,
the town hall over). Ask (``POST``): a signed-up attendee (their volunteer profile's person has a
sign-up), or a moderator on behalf of a sign-up (``registration``). Moderate
(``POST …/{id}/moderate/`` with ``action``: approve, hide, star, unstar, answered, unanswered):
moderators. Through the town hall services the screens use."""

from __future__ import annotations

import django_filters as df
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from grassroots.api.fields import IdRelatedField
from grassroots.api.permissions import CapabilityPermission
from grassroots.api.scoping import ScopedViewSetMixin
from grassroots.core.exceptions import Conflict
from grassroots.core.filters import ScopedFilterSet
from grassroots.events.models import Event, Registration
from grassroots.events.townhall import services
from grassroots.events.townhall.models import EventQuestion

VIEW = "events.view"


def _raise(exc: DjangoValidationError):
    if isinstance(exc, Conflict):
        raise exc  # 409, mapped once by api/errors.py
    raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class QuestionSerializer(serializers.ModelSerializer):
    """``status``, ``starred`` and ``registration`` are shown to moderators only (null else)."""

    serializer_related_field = IdRelatedField
    event = IdRelatedField(queryset=Event.objects.all())
    registration = IdRelatedField(
        queryset=Registration.objects.all(), required=False, allow_null=True
    )
    text = serializers.CharField(max_length=services.MAX_LENGTH)

    class Meta:
        model = EventQuestion
        fields = ["id", "event", "registration", "author_name", "text", "status", "starred",
                  "answered_at", "created_at"]  # fmt: skip
        read_only_fields = ["id", "author_name", "status", "starred", "answered_at",
                            "created_at"]  # fmt: skip
        extra_kwargs = {"status": {"allow_null": True}, "starred": {"allow_null": True}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        moderates = self.context.get("moderates")
        if moderates is None or instance.event_id not in moderates(instance.event):
            data.update({"registration": None, "status": None, "starred": None})
        return data


class ModerateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=services.ACTIONS)


class QuestionFilter(ScopedFilterSet):
    status = df.ChoiceFilter(choices=EventQuestion.Status.choices)

    class Meta:
        model = EventQuestion
        fields = ["event", "status", "starred"]


class EventQuestionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Town hall questions: list, ask, moderate."""

    permission_classes = [CapabilityPermission]
    read_capability = write_capability = VIEW
    serializer_class = QuestionSerializer
    filterset_class = QuestionFilter
    queryset = EventQuestion.objects.order_by("event_id", "-starred", "created_at", "id")

    def get_queryset(self):
        base = super().get_queryset()
        visible = services.questions_visible(actor=self.request.user).values("pk")
        return base.filter(pk__in=visible).select_related("event")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        cache: dict[int, set[int]] = {}
        user = self.request.user

        def moderates(event):
            if event.pk not in cache:
                cache[event.pk] = {event.pk} if services.can_moderate(user, event) else set()
            return cache[event.pk]

        context["moderates"] = moderates
        return context

    @extend_schema(responses={201: QuestionSerializer})
    def create(self, request, *args, **kwargs):
        from grassroots.volunteers.selectors import my_profile

        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        event, registration = d["event"], d.get("registration")
        if registration is not None:  # asked on someone's behalf: moderators only
            if not services.can_moderate(request.user, event):
                raise PermissionDenied(_("Only moderators ask on someone's behalf."))
            if registration.event_id != event.pk:
                raise ValidationError({"registration": _("This sign-up is for another event.")})
        else:
            mine = my_profile(request.user)
            registration = services.registration_of(
                event=event, person_id=mine.person_id if mine else None
            )
            if registration is None:
                raise PermissionDenied(_("Only people signed up to the town hall may ask."))
        try:
            question = services.question_submit(registration=registration, text=d["text"])
        except DjangoValidationError as exc:
            _raise(exc)
        data = self.get_serializer(question).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ModerateSerializer, responses=QuestionSerializer)
    @action(detail=True, methods=["post"])
    def moderate(self, request, pk=None):
        question = self.get_object()
        serializer = ModerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            question = services.question_moderate(
                actor=request.user, question=question, action=serializer.validated_data["action"]
            )
        except DjangoValidationError as exc:
            _raise(exc)
        return Response(self.get_serializer(question).data)
