from __future__ import annotations

from rest_framework import serializers

from grassroots.api.fields import IdListField, IdRelatedField
from grassroots.geography.models import Area
from grassroots.people.models import ContactPoint, Household, Person, Tag


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


class NestedContactPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactPoint
        fields = ["id", "channel", "value", "phone_kind", "whatsapp", "status", "is_primary"]


class AreaRefField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Area.objects.all(), **kwargs)
        self.error_messages["does_not_exist"] = "Unknown area code “{value}”."


class PersonSerializer(serializers.ModelSerializer):
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
        return [f"{e.namespace}:{e.value}" for e in obj.external_ids.all()]

    def get_tags(self, obj) -> list[str]:
        return [t.tag.slug for t in obj.taggings.all()]


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
    parent = serializers.SlugRelatedField(
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
