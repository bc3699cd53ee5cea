from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.core.ids import IdField, parse_ids
from grassroots.core.phones import normalize_email, normalize_phone
from grassroots.geography.widgets import AreaField
from grassroots.people.models import (
    Consent,
    ContactPoint,
    CustomField,
    ExternalId,
    Interaction,
    Person,
)
from grassroots.people.validation import clean_birth, clean_external_id, clean_name


class PersonForm(forms.Form):
    """Parses input; the rules (names, dates, scores) live in ``services``."""

    given_name = forms.CharField(label=_("Given name"), max_length=300)
    middle_name = forms.CharField(label=_("Middle name"), max_length=300, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=300, required=False)
    native_name = forms.CharField(label=_("Name in native script"), max_length=600, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Person.Gender.choices, required=False)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a real date (YYYY-MM-DD).")},
    )
    age = forms.IntegerField(label=_("Age"), required=False, min_value=0, max_value=125)
    age_as_of = forms.DateField(
        label=_("Age as of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    relation_type = forms.ChoiceField(
        label=_("Relation"), choices=Person.Relation.choices, required=False
    )
    relative_name = forms.CharField(label=_("Relative's name"), max_length=400, required=False)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        required=False,
        choices=[
            ("", "—"),
            ("en", "English"),
            ("hi", "हिन्दी"),
            ("bn", "বাংলা"),
            ("it", "Italiano"),
            ("es", "Español"),
            ("ur", "اردو"),
            ("ta", "தமிழ்"),
            ("te", "తెలుగు"),
        ],
    )
    support_score = forms.TypedChoiceField(
        label=_("Support score"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "—"),
            (1, _("1 · strong support")),
            (2, _("2 · lean support")),
            (3, _("3 · undecided")),
            (4, _("4 · lean oppose")),
            (5, _("5 · strong oppose")),
        ],
    )
    status = forms.ChoiceField(label=_("Status"), choices=Person.Status.choices, initial="active")
    do_not_contact = forms.BooleanField(label=_("Do not contact"), required=False)
    area = AreaField(
        label=_("Area"),
        help_text=_("The booth/part or precinct: type its name (any script) or code."),
    )
    serial_number = forms.IntegerField(
        label=_("Serial no. in part"), required=False, min_value=1, max_value=100000
    )
    source = forms.CharField(label=_("Source"), max_length=100, required=False)

    def clean(self):
        """Run the service's field rules here too, so every mistake shows in one round."""
        data = super().clean()
        for name in ("given_name", "middle_name", "family_name", "native_name", "relative_name"):
            if name in data and not self.has_error(name):
                field = Person._meta.get_field(name)
                try:
                    data[name] = clean_name(
                        data[name] or "",
                        str(self.fields[name].label),
                        field.max_length,
                        required=(name == "given_name"),
                    )
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        try:
            clean_birth(data.get("birth_date"), data.get("age"), data.get("age_as_of"))
        except forms.ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name in self.fields and not self.has_error(name):
                    self.add_error(name, messages)
        return data


def actor_form(form: forms.Form, actor) -> forms.Form:
    """Give the form's area pickers the user, so typed names resolve inside their areas."""
    for field in form.fields.values():
        if isinstance(field, AreaField):
            field.actor = actor
    return form


# Identifier kinds offered on the Add person screen (others already in use are added).
ID_NAMESPACES = [
    ("epic", _("EPIC (Indian voter id)")),
    ("voter", _("State voter id")),
]


def id_namespace_choices() -> list[tuple[str, str]]:
    known = dict(ID_NAMESPACES)
    used = ExternalId.objects.order_by().values_list("namespace", flat=True).distinct()[:50]
    return [*ID_NAMESPACES, *((ns, ns) for ns in sorted(set(used) - set(known)))]


class PersonCreateForm(PersonForm):
    """Add a person: who they are, where they live (joining the household at that door, or a
    new one), their phone, email and an identifier (kind + value)."""

    house_number = forms.CharField(label=_("House no."), max_length=50, required=False)
    street = forms.CharField(label=_("Street / road"), max_length=200, required=False)
    locality = forms.CharField(label=_("Locality / section"), max_length=200, required=False)
    city = forms.CharField(label=_("City / village"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    household = IdField(required=False, widget=forms.HiddenInput)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    id_namespace = forms.ChoiceField(label=_("Kind of identifier"), required=False, choices=[])
    id_value = forms.CharField(
        label=_("Identifier"),
        max_length=100,
        required=False,
        help_text=_("As printed, e.g. an EPIC number WKH1234566."),
    )

    ADDRESS_FIELDS = ("house_number", "street", "locality", "city", "postal_code")
    # On the screen (a phone at the door first): who, where, how to reach them; the rest folded.
    SECTIONS = (
        (
            _("Who"),
            (
                "given_name",
                "family_name",
                "native_name",
                "gender",
                "age",
                "birth_date",
                "relation_type",
                "relative_name",
            ),
        ),
        (_("Where"), ("area", *ADDRESS_FIELDS, "serial_number")),
        (_("Contact and identifier"), ("phone", "email", "id_namespace", "id_value")),
    )

    def sections(self):
        """``[(title, [bound fields], folded)]``: the sections above, then every other visible
        field (fields added later land there too) folded under "More details"."""
        placed = {name for _title, names in self.SECTIONS for name in names}
        out = [
            (title, [self[n] for n in names if n in self.fields], False)
            for title, names in self.SECTIONS
        ]
        rest = [f for f in self.visible_fields() if f.name not in placed]
        if rest:
            out.append((_("More details"), rest, not any(f.errors for f in rest)))
        return out

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_namespace"].choices = id_namespace_choices()

    def address(self) -> dict[str, str]:
        return {
            k: (self.cleaned_data.get(k) or "").strip()
            for k in self.ADDRESS_FIELDS
            if (self.cleaned_data.get(k) or "").strip()
        }

    def external_ids(self) -> list[tuple[str, str]]:
        value = (self.cleaned_data.get("id_value") or "").strip()
        if not value:
            return []
        namespace = self.cleaned_data.get("id_namespace") or "epic"
        if ":" in value and value.split(":", 1)[0].lower() == namespace:
            value = value.split(":", 1)[1]  # "epic:ABC…" typed into the value: fine too
        return [clean_external_id(namespace, value)]

    def clean_id_value(self):
        value = (self.cleaned_data.get("id_value") or "").strip()
        if value:
            namespace = self.data.get(self.add_prefix("id_namespace")) or "epic"
            if ":" in value and value.split(":", 1)[0].lower() == namespace:
                value = value.split(":", 1)[1]
            clean_external_id(namespace, value)
        return value

    # Checked here too so every mistake shows in one round (the service checks again).
    def clean_phone(self):
        value = self.cleaned_data.get("phone", "")
        if value:
            normalize_phone(value)
        return value

    def clean_email(self):
        value = self.cleaned_data.get("email", "")
        if value:
            normalize_email(value)
        return value


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )


class TagForm(forms.Form):
    name = forms.CharField(label=_("Tag"), max_length=60)


class ContactPointForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactPoint.Channel.choices)
    value = forms.CharField(label=_("Phone or email"), max_length=254)
    whatsapp = forms.BooleanField(label=_("WhatsApp-capable"), required=False)


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Consent.Channel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    status = forms.ChoiceField(label=_("Answer"), choices=Consent.Status.choices)
    lawful_basis = forms.ChoiceField(label=_("Lawful basis"), choices=Consent.Basis.choices)
    source = forms.CharField(
        label=_("How it was given"),
        max_length=100,
        help_text=_("e.g. doorstep, web form, phone call"),
    )
    wording = forms.CharField(
        label=_("Wording shown"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InteractionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Interaction.Channel.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Interaction.Direction.choices)
    outcome = forms.CharField(label=_("Outcome"), max_length=50, required=False)
    detail = forms.CharField(
        label=_("Detail"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BulkTagForm(forms.Form):
    # Not "tag": the rest of the POST is the list's filters, which have a "tag" filter.
    tag_name = forms.CharField(label=_("Tag"), max_length=60)
    ids = forms.CharField(required=False)
    all_matching = forms.BooleanField(required=False)

    def clean_ids(self):
        raw = self.cleaned_data.get("ids") or ""
        ids, bad = parse_ids(x for x in raw.split(",") if x.strip())
        if bad:
            raise forms.ValidationError(_("Invalid selection."))
        return ids[:100000]


def custom_field_formfield(field: CustomField) -> forms.Field:
    T = CustomField.Type
    label = field.display_label
    common = {"label": label, "required": False, "help_text": field.help_text}
    if field.type == T.NUMBER:
        return forms.DecimalField(**common)
    if field.type == T.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if field.type == T.BOOLEAN:
        return forms.NullBooleanField(**common)
    if field.type == T.CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in field.choices], **common)
    if field.type == T.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in field.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    return forms.CharField(max_length=1000, **common)
