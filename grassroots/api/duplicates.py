"""``/api/v1/duplicates/``: possible duplicates to review, and the decisions — merge (choosing
the surviving record and, per field group, whose value it keeps) or "not a duplicate";
``/api/v1/merges/``: merges, and undoing one.

Everything needs ``people.merge`` and sees only pairs whose two people are inside the caller's
areas (others answer 404). A decision on a pair already decided answers 409.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.api.fields import IdField
from grassroots.api.permissions import CapabilityPermission
from grassroots.people.dedupe import review
from grassroots.people.models import DuplicatePair, MergeRecord


class PairPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    native_name = serializers.CharField()
    age = serializers.IntegerField(source="display_age", allow_null=True)
    area = serializers.CharField(source="area.code", default=None, allow_null=True)


class DuplicatePairSerializer(serializers.ModelSerializer):
    low = PairPersonSerializer()
    high = PairPersonSerializer()
    reason_labels = serializers.SerializerMethodField()
    decided_by = serializers.CharField(source="decided_by.username", default=None)
    status = serializers.CharField(read_only=True, help_text="pending, distinct")

    class Meta:
        model = DuplicatePair
        fields = [
            "id",
            "score",
            "reasons",
            "reason_labels",
            "status",
            "low",
            "high",
            "created_at",
            "decided_by",
            "decided_at",
        ]

    def get_reason_labels(self, obj) -> list[str]:
        return review.reason_labels(obj.reasons)


class MergeInSerializer(serializers.Serializer):
    survivor = IdField(help_text="The id of the person to keep (one of the two).")
    values_from = serializers.DictField(
        child=IdField(),
        required=False,
        help_text="Per field group (given_name, family_name, birth, relative, household, area…), "
        "the id of the person whose value the kept record takes. By default its own.",
    )
    confirm_different_ids = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Merge although the two carry different identifiers of one namespace (two "
        "EPIC numbers): evidence against a match, refused (409) without this.",
    )


class MergeRecordSerializer(serializers.ModelSerializer):
    loser_name = serializers.SerializerMethodField()
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = MergeRecord
        fields = ["id", "survivor_id", "loser_id", "loser_name", "actor", "created_at", "undone_at"]

    def get_loser_name(self, obj) -> str:
        return review.loser_name(obj)


def _min_score(request) -> float | None:
    raw = request.query_params.get("min_score")
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise exceptions.ValidationError({"min_score": ["A number between 0 and 1."]}) from None
    if not 0 <= value <= 1:
        raise exceptions.ValidationError({"min_score": ["A number between 0 and 1."]})
    return value


def _decide(call):
    """A decision that cannot be made now raises ``review.DuplicateError`` (a ``Conflict``):
    ``api.errors`` answers 409."""
    return call()


class DuplicatePairViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Pairs of people who may be one, best score first (``status``: pending, distinct)."""

    serializer_class = DuplicatePairSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "people.merge"
    write_capability = "people.merge"

    def get_queryset(self):
        status_ = self.request.query_params.get("status", "pending")
        if self.action != "list":
            return review.pair_visible_to(self.request.user).select_related(
                "low__area", "high__area", "decided_by"
            )
        if status_ not in review.STATUSES:
            raise exceptions.ValidationError({"status": ["pending or distinct."]})
        return review.pair_list(
            actor=self.request.user, status=status_, min_score=_min_score(self.request)
        )

    @extend_schema(request=MergeInSerializer, responses={201: MergeRecordSerializer})
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        pair = self.get_object()
        data = MergeInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sides = {pair.low_id: "low", pair.high_id: "high"}
        survivor = sides.get(data.validated_data["survivor"])
        if survivor is None:
            raise exceptions.ValidationError({"survivor": ["One of the pair's two people."]})
        choices = {}
        for group, person_id in data.validated_data.get("values_from", {}).items():
            if group not in review.GROUPS_BY_KEY:
                raise exceptions.ValidationError({"values_from": [f"{group}: unknown field."]})
            if person_id not in sides:
                raise exceptions.ValidationError({"values_from": [f"{group}: not in this pair."]})
            choices[group] = sides[person_id]
        record = _decide(
            lambda: review.pair_merge(
                actor=request.user,
                pair=pair,
                survivor_side=survivor,
                choices=choices,
                confirm_different_ids=data.validated_data["confirm_different_ids"],
            )
        )
        return Response(MergeRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: DuplicatePairSerializer})
    @action(detail=True, methods=["post"])
    def distinct(self, request, pk=None):
        """Not a duplicate: never proposed again."""
        pair = self.get_object()
        pair = _decide(lambda: review.pair_mark_distinct(actor=request.user, pair=pair))
        return Response(DuplicatePairSerializer(pair).data)


class MergeRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Merges whose surviving person is inside the caller's areas, newest first."""

    serializer_class = MergeRecordSerializer
    permission_classes = [CapabilityPermission]
    read_capability = "people.merge"
    write_capability = "people.merge"

    def get_queryset(self):
        return review.merge_list(actor=self.request.user)

    @extend_schema(request=None, responses={200: MergeRecordSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Bring the merged-away person back with everything that was theirs."""
        record = self.get_object()
        _decide(lambda: review.merge_undo(actor=request.user, record=record))
        record.refresh_from_db()
        return Response(MergeRecordSerializer(record).data)
