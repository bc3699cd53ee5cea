from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers

from grassroots.geography.models import Area
from grassroots.people.models import ContactPoint, ExternalId, Household, Person, Tag, Tagging

# Field types whose ``to_representation`` depends on the value alone (not on the request or
# the serializer's context), so one bound instance can serve every request.
_CONTEXT_FREE = (
    drf_fields.BooleanField,
    drf_fields.CharField,
    drf_fields.ChoiceField,
    drf_fields.DateField,
    drf_fields.DateTimeField,
    drf_fields.DecimalField,
    drf_fields.FloatField,
    drf_fields.IntegerField,
    drf_fields.JSONField,
    drf_fields.ListField,
    drf_fields.ReadOnlyField,
    relations.PrimaryKeyRelatedField,
    relations.SlugRelatedField,
)


class CachedReadMixin:
    """Reading (``.data``) without building the serializer's fields for every object.

    DRF builds a ``ModelSerializer``'s fields from the model for every serializer instance —
    for a one-object answer that costs more than the object's query. The fields a read uses are
    built once per class (a prototype) and reused; a method field calls the live serializer, so
    ``context`` stays the request's. A class with a field whose output could depend on the
    request (a hyperlink, a file URL, a custom field) keeps DRF's own ``to_representation``.
    Writes (``is_valid``) build and validate fields as usual."""

    @classmethod
    def _read_plan(cls) -> list | None:
        plan = cls.__dict__.get("_cached_read_plan", False)
        if plan is False:
            plan = []
            for field in cls()._readable_fields:
                if isinstance(field, serializers.SerializerMethodField):
                    plan.append((field.field_name, None, field.method_name))
                elif isinstance(field, _CONTEXT_FREE) or (
                    isinstance(field, serializers.ListSerializer)
                    and isinstance(field.child, CachedReadMixin)
                ):
                    plan.append((field.field_name, field, None))
                else:
                    plan = None
                    break
            cls._cached_read_plan = plan
        return plan

    def to_representation(self, instance):
        plan = self._read_plan()
        if plan is None:
            return super().to_representation(instance)
        ret = {}
        for name, field, method in plan:
            if method is not None:
                ret[name] = getattr(self, method)(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except drf_fields.SkipField:
                continue
            check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
            ret[name] = None if check is None else field.to_representation(attribute)
        return ret


class PrefetchedListSerializer(serializers.ListSerializer):
    """A nested list read from ``<name>_list`` when the queryset prefetched it there
    (``Prefetch(..., to_attr=...)``: a plain list, no query set per row), else the relation."""

    def get_attribute(self, instance):
        rows = getattr(instance, f"{self.source}_list", None)
        return rows if rows is not None else super().get_attribute(instance)


class ContactPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactPoint
        fields = [
            "id",
            "person",
            "channel",
            "value",
            "phone_kind",
            "whatsapp",
            "status",
            "is_primary",
            "source",
            "created_at",
        ]
        read_only_fields = ["id", "phone_kind", "status", "created_at"]
        extra_kwargs = {"person": {"queryset": Person.objects.none()}}


class NestedContactPointSerializer(CachedReadMixin, serializers.ModelSerializer):
    class Meta:
        model = ContactPoint
        fields = ["id", "channel", "value", "phone_kind", "whatsapp", "status", "is_primary"]
        list_serializer_class = PrefetchedListSerializer


class AreaRefField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Area.objects.all(), **kwargs)
        self.error_messages["does_not_exist"] = "Unknown area code “{value}”."


class PersonSerializer(CachedReadMixin, serializers.ModelSerializer):
    area = AreaRefField(required=False, allow_null=True)
    age = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=125)
    current_age = serializers.IntegerField(source="display_age", read_only=True)
    external_ids = serializers.SerializerMethodField()
    contact_points = NestedContactPointSerializer(many=True, read_only=True)
    tags = serializers.SerializerMethodField()
    phones = serializers.ListField(
        child=serializers.CharField(max_length=40), write_only=True, required=False, max_length=10
    )
    emails = serializers.ListField(
        child=serializers.CharField(max_length=254), write_only=True, required=False, max_length=10
    )
    external_ids_in = serializers.ListField(
        child=serializers.CharField(max_length=140),
        write_only=True,
        required=False,
        max_length=10,
        help_text="namespace:value, e.g. epic:WKH1234566",
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "given_name",
            "middle_name",
            "family_name",
            "full_name",
            "native_name",
            "gender",
            "birth_date",
            "age",
            "age_as_of",
            "current_age",
            "relation_type",
            "relative_name",
            "preferred_language",
            "support_score",
            "status",
            "do_not_contact",
            "source",
            "name_suffix",
            "party",
            "registration_date",
            "voter_status",
            "household",
            "area",
            "serial_number",
            "external_ids",
            "contact_points",
            "tags",
            "last_contacted_at",
            "created_at",
            "updated_at",
            "phones",
            "emails",
            "external_ids_in",
        ]
        read_only_fields = [
            "id",
            "full_name",
            "household",
            "last_contacted_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            # Length and content are checked by the service, with the same messages as the UI.
            "given_name": {"max_length": None},
            "family_name": {"max_length": None},
            "middle_name": {"max_length": None},
            "native_name": {"max_length": None},
            "relative_name": {"max_length": None},
        }

    def get_external_ids(self, obj) -> list[str]:
        rows = getattr(obj, "external_ids_list", None)
        rows = obj.external_ids.all() if rows is None else rows
        return [f"{e.namespace}:{e.value}" for e in rows]

    def get_tags(self, obj) -> list[str]:
        rows = getattr(obj, "taggings_list", None)
        rows = obj.taggings.all() if rows is None else rows
        return [t.tag.slug for t in rows]


# The person columns a PersonSerializer reads (``born_estimate``: ``current_age``); the rest
# (the name keys, the vote summary) stay in the database.
PERSON_READ_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "given_name",
    "middle_name",
    "family_name",
    "full_name",
    "native_name",
    "gender",
    "birth_date",
    "age",
    "age_as_of",
    "born_estimate",
    "relation_type",
    "relative_name",
    "preferred_language",
    "support_score",
    "status",
    "do_not_contact",
    "source",
    "name_suffix",
    "party",
    "registration_date",
    "voter_status",
    "household",
    "area",
    "serial_number",
    "last_contacted_at",
)


def person_read_queryset(qs: QuerySet[Person]) -> QuerySet[Person]:
    """What a PersonSerializer shows, in four queries for any number of people: the person
    columns it reads with the area's code (not its boundary), then contact points, identifiers
    and tag slugs, each prefetched as a plain list (``to_attr``)."""
    return (
        qs.select_related("area")
        .only(*PERSON_READ_COLUMNS, "area__code")
        .prefetch_related(
            Prefetch(
                "contact_points",
                queryset=ContactPoint.objects.only(
                    "person", *NestedContactPointSerializer.Meta.fields
                ),
                to_attr="contact_points_list",
            ),
            Prefetch(
                "external_ids",
                queryset=ExternalId.objects.only("person", "namespace", "value"),
                to_attr="external_ids_list",
            ),
            Prefetch(
                "taggings",
                queryset=Tagging.objects.select_related("tag").only("person", "tag", "tag__slug"),
                to_attr="taggings_list",
            ),
        )
    )


class HouseholdSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    address = serializers.SerializerMethodField()
    latitude = serializers.FloatField(source="address.latitude", read_only=True, allow_null=True)
    longitude = serializers.FloatField(source="address.longitude", read_only=True, allow_null=True)
    member_count = serializers.IntegerField(source="n", read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "name",
            "address",
            "latitude",
            "longitude",
            "area",
            "member_count",
            "created_at",
        ]

    def get_address(self, obj) -> str:
        return obj.address.one_line() if obj.address_id else ""


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "slug", "color", "description"]
        read_only_fields = ["id", "slug"]


class AreaSerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    polling_station = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = [
            "id",
            "code",
            "name",
            "native_name",
            "kind",
            "parent",
            "depth",
            "latitude",
            "longitude",
            "polling_station",
        ]

    def get_polling_station(self, obj) -> dict | None:
        ps = getattr(obj, "polling_station", None)
        if ps is None:
            return None
        return {
            "part_number": ps.part_number,
            "name": ps.name,
            "address": ps.address,
            "electors_total": ps.electors_total,
        }


class TagApplySerializer(serializers.Serializer):
    people = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=10000
    )
