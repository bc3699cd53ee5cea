from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.core.phones import normalize_email, normalize_phone
from grassroots.geography.models import Area
from grassroots.people.models import Consent, ContactPoint, CustomField, Interaction, Person
from grassroots.people.validation import clean_birth, clean_name, parse_external_id


class AreaCodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["maxlength"] = 64

    def to_python(self, value):
        code = (super().to_python(value) or "").strip()
        if not code:
            return None
        if len(code) > 64:
            raise forms.ValidationError(_("An area code is at most 64 characters."))
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise forms.ValidationError(_("Unknown area code “%(code)s”.") % {"code": code[:64]})
        return area

    def prepare_value(self, value):
        if isinstance(value, Area):
            return value.code
        if isinstance(value, int):
            area = Area.objects.filter(pk=value).first()
            return area.code if area else ""
        return value


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
    area = AreaCodeField(
        label=_("Area code"), help_text=_("The booth/part or precinct, e.g. WB-AC158-P012.")
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


class PersonCreateForm(PersonForm):
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    external_id = forms.CharField(
        label=_("External id"),
        max_length=140,
        required=False,
        help_text=_("namespace:value, e.g. epic:WKH1234566"),
    )

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

    def clean_external_id(self):
        value = self.cleaned_data.get("external_id", "")
        if value:
            parse_external_id(value)
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
        try:
            ids = [int(x) for x in raw.split(",") if x.strip()]
        except ValueError:
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
