from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.settings import api_settings

from grassroots.api.fields import IdListField, IdRelatedField, SlugRefField
from grassroots.geography.models import Area
from grassroots.people.models import ContactPoint, Household, Person, Tag
from grassroots.people.selectors import person_related

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
                    plan.append((field.field_name, None, field.method_name, None, None))
                elif isinstance(field, _CONTEXT_FREE) or (
                    isinstance(field, serializers.ListSerializer)
                    and isinstance(field.child, CachedReadMixin)
                ):
                    # A plain attribute (DRF's own lookup, minus its checks) when the field
                    # reads one; anything unusual goes through ``field.get_attribute``.
                    simple = (
                        type(field).get_attribute is drf_fields.Field.get_attribute
                        and len(field.source_attrs) == 1
                    )
                    plan.append(
                        (
                            field.field_name,
                            field,
                            None,
                            field.source_attrs[0] if simple else None,
                            _converter(field),
                        )
                    )
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
        mapping = isinstance(instance, dict)
        for name, field, method, attr, convert in plan:
            if method is not None:
                ret[name] = getattr(self, method)(instance)
                continue
            try:
                if attr is None:
                    attribute = field.get_attribute(instance)
                else:
                    try:
                        attribute = instance[attr] if mapping else getattr(instance, attr)
                    except (KeyError, AttributeError):
                        attribute = field.get_attribute(instance)  # DRF's default/skip rules
                    if callable(attribute):
                        attribute = field.get_attribute(instance)
            except drf_fields.SkipField:
                continue
            check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
            ret[name] = None if check is None else convert(attribute)
        return ret


def _converter(field):
    """``field.to_representation``, or a shortcut with the same output for the values a database
    gives (a ``str`` for a text field, an ``int`` for an integer...): DRF's own method checks
    for every value what the field's type settles once. Anything else goes to the field."""
    own = field.to_representation
    kind = type(field).to_representation
    if kind is drf_fields.CharField.to_representation:
        return str
    if kind is drf_fields.IntegerField.to_representation:
        return int
    if kind is drf_fields.BooleanField.to_representation:
        return lambda value: value if value.__class__ is bool else own(value)
    if kind is drf_fields.ChoiceField.to_representation and all(
        key == value for key, value in field.choice_strings_to_values.items()
    ):  # the stored value is the value shown
        return lambda value: value if value.__class__ is str else own(value)
    if kind is drf_fields.DateField.to_representation and _iso(field, "DATE_FORMAT"):
        return lambda value: value.isoformat() if value.__class__ is date else own(value)
    if (
        kind is drf_fields.DateTimeField.to_representation
        and type(field).enforce_timezone is drf_fields.DateTimeField.enforce_timezone
        and _iso(field, "DATETIME_FORMAT")
        and not hasattr(field, "timezone")
        and settings.USE_TZ
    ):

        def aware_datetime(value):
            if value.__class__ is not datetime or value.tzinfo is None:
                return own(value)
            text = value.astimezone(timezone.get_current_timezone()).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return aware_datetime
    return own


def _iso(field, setting: str) -> bool:
    fmt = getattr(field, "format", getattr(api_settings, setting))
    return isinstance(fmt, str) and fmt.lower() == ISO_8601


class AttachedListSerializer(serializers.ListSerializer):
    """A nested list read from ``instance.related`` when the caller attached it there
    (``attach_related``: one query for a whole page), else from the relation."""

    def get_attribute(self, instance):
        related = getattr(instance, "related", None)
        if related is not None:
            return getattr(related, self.source)
        return super().get_attribute(instance)


class ContactPointSerializer(serializers.ModelSerializer):
    serializer_related_field = IdRelatedField

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
        list_serializer_class = AttachedListSerializer


class AreaRefField(SlugRefField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Area.objects.all(), **kwargs)
        self.error_messages["does_not_exist"] = "Unknown area code “{value}”."


class PersonSerializer(CachedReadMixin, serializers.ModelSerializer):
    area = AreaRefField(required=False, allow_null=True)
    age = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=125)
    current_age = serializers.IntegerField(
        source="display_age",
        read_only=True,
        allow_null=True,
        help_text="Today's age (from the birth date, or the age given as of a date); null when "
        "unknown.",
    )
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
        related = getattr(obj, "related", None)
        if related is not None:
            return related.external_ids
        return [f"{e.namespace}:{e.value}" for e in obj.external_ids.all()]

    def get_tags(self, obj) -> list[str]:
        related = getattr(obj, "related", None)
        if related is not None:
            return related.tags
        return [t.tag.slug for t in obj.taggings.all()]


# The person columns a PersonSerializer reads: its fields that are columns, plus ``born_estimate``
# (``current_age`` reads it); the rest (the name keys, the vote summary) stay in the database.
# Derived, so a field added to the serializer is read with the person, not one query per row.
_PERSON_COLUMN_NAMES = {f.name for f in Person._meta.concrete_fields}
PERSON_READ_COLUMNS = (
    *(name for name in PersonSerializer.Meta.fields if name in _PERSON_COLUMN_NAMES),
    "born_estimate",
)


def person_read_queryset(qs: QuerySet[Person]) -> QuerySet[Person]:
    """The person columns a PersonSerializer reads, with the area's code (not its boundary).
    Give the fetched people to ``attach_related`` before serializing them."""
    return qs.select_related("area").only(*PERSON_READ_COLUMNS, "area__code")


def attach_related(people) -> list[Person]:
    """Attach every person's contact points, identifiers and tags, read in one query
    (``people.selectors.person_related``), for PersonSerializer."""
    people = list(people)
    related = person_related([p.pk for p in people])
    for person in people:
        person.related = related[person.pk]
    return people


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
    # Not the SlugField's ASCII pattern: slugs keep the tag name's script ("ভোটার").
    slug = serializers.CharField(
        read_only=True,
        help_text="The tag's name as lowercase letters (any script), digits, _ and -; unique. "
        "Names the tag in URLs and in a person's tags.",
    )

    class Meta:
        model = Tag
        fields = ["id", "name", "slug", "color", "description"]
        read_only_fields = ["id", "slug"]


class AreaSerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    parent = SlugRefField(
        slug_field="code", read_only=True, allow_null=True, help_text="null for a top area."
    )
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
    people = IdListField(min_length=1, max_length=10000)
