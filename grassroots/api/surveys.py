"""``/api/v1/scripts/``, ``/api/v1/result-codes/``, ``/api/v1/survey-responses/``.

Scripts and result codes are read (``surveys.view``), cut to the caller's areas. A survey
response is one contact attempt with its answers, recorded with ``surveys.record`` through the
same service as every channel: idempotent on ``attempt_key`` (a replay answers 200 with the
stored attempt), each bad answer reported in ``errors`` while the others are kept."""

from __future__ import annotations

import django_filters as df
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from grassroots.api.fields import IdRelatedField, JSONField
from grassroots.api.permissions import CapabilityPermission
from grassroots.api.scoping import ScopedViewSetMixin
from grassroots.core.filters import ScopedFilterSet
from grassroots.people.models import Person
from grassroots.surveys import services
from grassroots.surveys.models import Attempt, Block, Choice, ResultCode, Script
from grassroots.surveys.models import Response as Answer

VIEW, RECORD = "surveys.view", "surveys.record"


def _raise(exc: DjangoValidationError):
    raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class ChoiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Choice
        fields = ["id", "value", "label", "translations", "goto", "tag", "consent_channel",
                  "consent_purpose", "consent_wording", "consent_wording_translations"]  # fmt: skip
        read_only_fields = fields


class BlockSerializer(serializers.ModelSerializer):
    choices = ChoiceSerializer(many=True, read_only=True)

    class Meta:
        model = Block
        fields = ["id", "position", "kind", "label", "text", "translations", "scale_min",
                  "scale_max", "writes_support_score", "choices"]  # fmt: skip
        read_only_fields = fields


class ScriptSerializer(serializers.ModelSerializer):
    blocks = BlockSerializer(many=True, read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Script
        fields = ["id", "name", "description", "status", "base_language", "languages", "area",
                  "blocks", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class ScriptFilter(ScopedFilterSet):
    status = df.ChoiceFilter(choices=Script.Status.choices)

    class Meta:
        model = Script
        fields = ["status"]


class ScriptViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Scripts with their blocks (text to read and questions) and choices, in order."""

    permission_classes = [CapabilityPermission]
    read_capability, write_capability = VIEW, None
    serializer_class = ScriptSerializer
    filterset_class = ScriptFilter
    queryset = (
        Script.objects.select_related("area")
        .prefetch_related("blocks__choices")
        .order_by("name", "id")
    )


class ResultCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResultCode
        fields = ["code", "name", "translations", "counts_as_contact", "person_status",
                  "hostile", "retry"]  # fmt: skip
        read_only_fields = fields


class ResultCodeViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """How a contact attempt can end (not home, moved, …), with its effect."""

    permission_classes = [CapabilityPermission]
    read_capability, write_capability = VIEW, None
    serializer_class = ResultCodeSerializer
    queryset = ResultCode.objects.filter(active=True).order_by("position", "code")
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"


class AnswerSerializer(serializers.ModelSerializer):
    choices = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Answer
        fields = ["question", "choices", "number", "text", "is_latest"]
        read_only_fields = fields


class AttemptSerializer(serializers.ModelSerializer):
    """Write: ``person``, ``script``, ``channel``, ``attempt_key``, ``answers`` (``{question id:
    value}``: a choice id or value, a list of them, a number, a text), optional ``result_code``
    and ``recorded_at``. Read: the attempt, its stored answers and the ``errors``."""

    serializer_related_field = IdRelatedField
    person = IdRelatedField(queryset=Person.objects.all())
    script = IdRelatedField(queryset=Script.objects.all())
    attempt_key = serializers.CharField(max_length=100)
    result_code = serializers.SlugRelatedField(
        slug_field="code", queryset=ResultCode.objects.filter(active=True), required=False,
        allow_null=True,
    )  # fmt: skip
    answers = serializers.DictField(
        child=JSONField(), write_only=True, required=False, allow_empty=True
    )
    responses = AnswerSerializer(many=True, read_only=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Attempt
        fields = ["id", "attempt_key", "person", "script", "channel", "source", "actor",
                  "recorded_at", "received_at", "result_code", "language", "answers",
                  "responses", "errors"]  # fmt: skip
        read_only_fields = ["id", "actor", "received_at", "language", "responses", "errors"]
        validators: list = []  # a replayed attempt answers the stored one (the service)
        extra_kwargs = {"attempt_key": {"validators": []}, "source": {"max_length": 100}}


class AttemptFilter(ScopedFilterSet):
    class Meta:
        model = Attempt
        fields = ["person", "script", "channel"]


class SurveyResponseViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Contact attempts with their answers (``?person=`` lists one person's). ``POST`` records
    one: 201 when stored, 200 when that ``attempt_key`` was stored before (nothing changes)."""

    permission_classes = [CapabilityPermission]
    read_capability, write_capability = VIEW, RECORD
    serializer_class = AttemptSerializer
    filterset_class = AttemptFilter
    queryset = (
        Attempt.objects.select_related("result_code", "actor")
        .prefetch_related("responses__choices")
        .order_by("-recorded_at", "-id")
    )

    @extend_schema(responses={201: AttemptSerializer, 200: AttemptSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        try:
            out = services.responses_record(
                actor=request.user, person=d["person"], script=d["script"],
                answers=d.get("answers") or {}, channel=d["channel"],
                attempt_key=d["attempt_key"], result_code=d.get("result_code"),
                recorded_at=d.get("recorded_at"), source=d.get("source") or "api",
            )  # fmt: skip
        except DjangoValidationError as exc:
            _raise(exc)
        attempt = self.get_queryset().get(pk=out.attempt.pk)
        code = status.HTTP_201_CREATED if out.created else status.HTTP_200_OK
        return Response(self.get_serializer(attempt).data, status=code)
