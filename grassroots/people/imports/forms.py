"""Import forms: the upload, and the mapping step (column → field, transforms, constants,
match rules, save as template). ``MappingForm.mapping`` is the JSON of ``mapping.py``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.geography.models import AreaKind
from grassroots.people.imports.mapping import (
    DATE_FORMATS,
    REPEATABLE_TARGETS,
    SAME_TARGET,
    VOTED,
    fit_mapping,
    target_of,
    validate_mapping,
)
from grassroots.people.imports.templates import BUILTIN, template_name_check
from grassroots.people.imports.uploads import upload_check
from grassroots.people.models import CustomField, ImportTemplate

# Targets that take a name after them (``external_id:epic``); the chooser offers the prefix
# and a box for the name.
KEYED = ("external_id:", "custom:", "vote:")
DATE_TARGETS = {"person.birth_date", "person.age_as_of", "person.registration_date"}
PHONE_TARGETS = {"phone", "mobile", "whatsapp"}
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")


def target_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The chooser's options, grouped as a person reads them (labels translated now)."""
    return [
        (
            _("Person"),
            [
                ("person.given_name", _("First name")),
                ("person.middle_name", _("Middle name")),
                ("person.family_name", _("Last name")),
                ("person.full_name", _("Full name (split into first and last)")),
                ("person.native_name", _("Name in native script")),
                ("person.gender", _("Gender")),
                ("person.birth_date", _("Date of birth")),
                ("person.birth_year", _("Year of birth")),
                ("person.birth_month", _("Month of birth")),
                ("person.birth_day", _("Day of birth")),
                ("person.age", _("Age")),
                ("person.age_as_of", _("Date the age was given")),
                ("person.relation_type", _("Relation (F/H/M/W/O)")),
                ("person.relative_name", _("Relative's name")),
                ("person.serial_number", _("Serial number on the roll")),
                ("person.support_score", _("Support score (1–5)")),
                ("person.status", _("Status (active/moved/deceased)")),
                ("person.preferred_language", _("Preferred language")),
                ("person.source", _("Source")),
                ("person.name_suffix", _("Name suffix (Jr, Sr, III)")),
                ("person.party", _("Party registration")),
                ("person.registration_date", _("Registration date")),
                ("person.voter_status", _("Voter status")),
            ],
        ),
        (
            _("Address"),
            [
                ("address.house_number", _("House number")),
                ("address.street", _("Street")),
                ("address.line2", _("Address line 2 (unit)")),
                ("address.locality", _("Locality / section")),
                ("address.city", _("City")),
                ("address.district", _("District")),
                ("address.region", _("State / region")),
                ("address.postal_code", _("Postal code")),
                ("address.country", _("Country (2 letters)")),
                ("address.latitude", _("Latitude")),
                ("address.longitude", _("Longitude")),
                ("household.key", _("Household id")),
            ],
        ),
        (
            _("Contact point"),
            [
                ("phone", _("Phone")),
                ("mobile", _("Mobile phone")),
                ("whatsapp", _("WhatsApp number")),
                ("email", _("Email")),
            ],
        ),
        (_("External id"), [("external_id:", _("External id (name its kind)"))]),
        (_("Custom field"), [("custom:", _("Custom field (name its key)"))]),
        (
            _("Area"),
            [
                ("area.code", _("Area code")),
                ("area.ac", _("Constituency number (builds the area code)")),
                ("area.part", _("Part number (builds the area code)")),
            ],
        ),
        (_("Vote history"), [("vote:", _("Voted in (name the election)"))]),
    ]


def target_choices() -> list:
    return [("ignore", _("— ignore this column —")), *target_groups()]


def constant_choices() -> list:
    """Constants fill plain fields (keyed targets need a column)."""
    groups = [
        (g, [(v, label) for v, label in opts if v not in KEYED]) for g, opts in target_groups()
    ]
    return [("", "—"), *[(g, opts) for g, opts in groups if opts]]


def template_choices(blank: str | None = None) -> list[tuple[str, str]]:
    names = sorted({*BUILTIN, *ImportTemplate.objects.values_list("name", flat=True)})
    choices = [(n, n) for n in names]
    return [("", blank), *choices] if blank is not None else choices


def date_format_choices() -> list[tuple[str, str]]:
    sample = dt.date(1987, 2, 28)
    return [("", _("Recognise it (year first, then day first)"))] + [
        (f, f"{sample.strftime(f)}  ({f})") for f in DATE_FORMATS
    ]


def guess_date_format(values: list[str]) -> str:
    """The one format of DATE_FORMATS that reads every sample value, or "" (none or several:
    03/14/1961 can only be month first; 01/09/1994 could be either, so it is left to the
    person)."""
    values = [v.strip() for v in values if v and v.strip()]
    if not values:
        return ""
    fits = []
    for fmt in DATE_FORMATS:
        try:
            for v in values:
                dt.datetime.strptime(v, fmt)
        except ValueError:
            continue
        fits.append(fmt)
    return fits[0] if len(fits) == 1 else ""


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV, TSV, XLSX, or a .gz/.zip of one)"),
        # FileField itself refuses an empty upload before clean_file runs; say it our way.
        error_messages={"empty": gettext_lazy("The file is empty.")},
    )
    template = forms.ChoiceField(
        label=gettext_lazy("Start from a template"),
        choices=(),
        required=False,
        help_text=gettext_lazy(
            "You check the columns on the next step. Without a template the columns are "
            "guessed from their names."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices(blank=_("— none —"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        upload_check(f)
        return f


@dataclass
class ColumnRow:
    """One file column on the mapping screen: its bound fields and a few sample values."""

    index: int
    header: str
    samples: list[str]
    target: forms.BoundField
    key: forms.BoundField
    format: forms.BoundField
    order: forms.BoundField
    region: forms.BoundField
    as_of: forms.BoundField
    values: forms.BoundField
    election_date: forms.BoundField

    @property
    def errors(self) -> list[str]:
        return [
            e
            for f in (
                self.target,
                self.key,
                self.format,
                self.region,
                self.as_of,
                self.values,
                self.election_date,
            )
            for e in f.errors
        ]

    @property
    def initial_target(self) -> str:
        return self.target.value() or "ignore"

    # Which transforms apply to the chosen field (Alpine keeps these up to date as the choice
    # changes; the server renders the first state so nothing flashes and no-JS still works).
    @property
    def show_key(self) -> bool:
        return self.initial_target in KEYED

    @property
    def show_format(self) -> bool:
        return self.initial_target in DATE_TARGETS

    @property
    def show_order(self) -> bool:
        return self.initial_target == "person.full_name"

    @property
    def show_region(self) -> bool:
        return self.initial_target in PHONE_TARGETS

    @property
    def show_as_of(self) -> bool:
        return self.initial_target == "person.age"

    @property
    def show_values(self) -> bool:
        return self.initial_target != "ignore"

    @property
    def show_election_date(self) -> bool:
        return self.initial_target == "vote:"

    @property
    def key_list(self) -> str:
        return {"custom:": "keys-custom", "vote:": "keys-vote"}.get(self.initial_target, "keys-id")


OPTION_FIELDS = (
    "unknown_area",
    "new_areas_under",
    "new_area_kind",
    "unknown_election",
    "new_elections_in",
)
# The mark a vote-history translation is written with on the screen: "D = 1 DEM".
_MARK_OF = {(True, ""): "1", (False, ""): "0"}
for _mark, (_method, _voted) in VOTED.items():
    if len(_mark) == 1:
        _MARK_OF.setdefault((_voted, _method), _mark.upper())


def values_text(values: dict) -> str:
    """A value map as the screen shows it: one ``value = replacement`` a line; a vote
    translation as ``D = 1 DEM`` (the mark, then the ballot party)."""
    lines = []
    for key, new in values.items():
        if isinstance(new, dict):
            mark = _MARK_OF.get(
                (bool(new.get("voted", True)), new.get("method") or ""),
                "1" if new.get("voted", True) else "0",
            )
            new = f"{mark} {new.get('party') or ''}".strip()
        lines.append(f"{key} = {new if new is not None else ''}")
    return "\n".join(lines)


def parse_values(text: str, *, vote: bool) -> dict:
    """The screen's ``value = replacement`` lines as a value map (``ValidationError`` naming
    the line that is not one). For a vote column the replacement is a mark, optionally
    followed by the ballot party: ``D = 1 DEM``."""
    out: dict = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        key, sep, new = line.partition("=")
        key, new = key.strip(), new.strip()
        if not sep or not key:
            raise ValidationError(
                _("Line %(n)s: write “value in the file = what it means”, e.g. D = Democratic.")
                % {"n": n}
            )
        if vote and new:
            mark, _sep, party = new.partition(" ")
            if mark.casefold() not in VOTED:
                raise ValidationError(
                    _(
                        "Line %(n)s: “%(mark)s” is not a vote mark; write a mark (1 voted, 0 did "
                        "not, P/E/A/M for the method) and then the ballot's party, e.g. D = 1 DEM."
                    )
                    % {"n": n, "mark": mark}
                )
            if party.strip():
                method, voted = VOTED[mark.casefold()]
                new = {"voted": voted, "party": party.strip()[:30]}
                if method:
                    new["method"] = method
        out[key] = new
    return out


def split_spec(spec) -> dict:
    """A mapping entry → the chooser's initial values for its column."""
    target, opts = target_of(spec)
    out = {
        "target": target,
        "format": opts.get("format", ""),
        "region": opts.get("region", ""),
        "values": values_text(opts.get("values") or {}),
        "election_date": opts.get("election_date", ""),
        "election_name": opts.get("election_name", ""),
    }
    for prefix in KEYED:
        if target.startswith(prefix):
            out.update(target=prefix, key=target[len(prefix) :])
    if target == "person.full_name_last_first":
        out.update(target="person.full_name", order="last_first")
    return out


class MappingForm(forms.Form):
    """Dynamic: one group of fields per file column, ``c<i>_target`` etc."""

    default_region = forms.CharField(
        label=gettext_lazy("Phone numbers without a country code are from"),
        max_length=2,
        required=False,
        help_text=gettext_lazy("Two letters: IN, US, GB…"),
        widget=forms.TextInput(attrs={"size": 3, "autocapitalize": "characters"}),
    )
    area_code = forms.CharField(
        label=gettext_lazy("Area code pattern"),
        max_length=100,
        required=False,
        help_text=gettext_lazy(
            "Builds each row's area code from the constituency and part columns, "
            "e.g. IN-WB-AC{ac}-P{part:03d}."
        ),
    )
    unknown_area = forms.ChoiceField(
        label=gettext_lazy("A row whose area code is not in Grassroots"),
        choices=[
            ("reject", gettext_lazy("is rejected")),
            ("leave_empty", gettext_lazy("is imported without an area")),
            ("create", gettext_lazy("creates the area (a first load)")),
        ],
        required=False,
    )
    new_areas_under = forms.CharField(
        label=gettext_lazy("New areas go under the area with the code"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Each new area is named by its code; rename it later."),
    )
    new_area_kind = forms.ChoiceField(
        label=gettext_lazy("Kind of the new areas"), choices=(), required=False
    )
    unknown_election = forms.ChoiceField(
        label=gettext_lazy("A vote for an election not in Grassroots"),
        choices=[
            ("reject", gettext_lazy("rejects the row")),
            ("create", gettext_lazy("creates the election (a first load)")),
        ],
        required=False,
    )
    new_elections_in = forms.CharField(
        label=gettext_lazy("New elections are held in the area with the code"),
        max_length=64,
        required=False,
        help_text=gettext_lazy(
            "Empty: where the new areas go, or the top of the area tree. Give each election's "
            "date beside its column."
        ),
    )
    match = forms.MultipleChoiceField(
        label=gettext_lazy("A row is a person already here when they have"),
        choices=[
            ("external_id", gettext_lazy("the same identifier (voter id, EPIC…)")),
            (
                "name_birth",
                gettext_lazy("the same name and date of birth (and address, when given)"),
            ),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    keep_repeated = forms.ChoiceField(
        label=gettext_lazy("When a voter appears more than once in the file, keep"),
        choices=[
            ("later", gettext_lazy("the later row in the file")),
            ("newest", gettext_lazy("the row with the newest date in a column")),
        ],
        required=False,
    )
    newest_by = forms.ChoiceField(
        label=gettext_lazy("The date that decides is in the column"),
        choices=(),
        required=False,
        help_text=gettext_lazy(
            "A column mapped to a date (registration date, a custom date field…). A row with "
            "no date there loses to a row with one; on the same date the later row is kept."
        ),
    )
    save_as = forms.CharField(
        label=gettext_lazy("Save this mapping as a template named"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Optional. Lower-case letters, digits, - and _."),
    )
    description = forms.CharField(
        label=gettext_lazy("Template description"), max_length=255, required=False
    )
    const_count = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=50, required=False
    )

    def __init__(
        self,
        *args,
        headers: list[str],
        samples: dict[str, list[str]] | None = None,
        start_mapping: dict | None = None,
        suggestions: dict[str, str] | None = None,
        **kwargs,
    ):
        self.headers = headers
        self.samples = samples or {}
        # a template's "VoterID" is this file's "VOTER_ID" (case, spacing, common variants)
        start_mapping = fit_mapping(start_mapping or {}, headers)
        columns = start_mapping.get("columns") or {}
        options = start_mapping.get("options") or {}
        constants = [(k, v) for k, v in (start_mapping.get("constants") or {}).items()]
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("default_region", options.get("default_region", ""))
        initial.setdefault("area_code", options.get("area_code", ""))
        for name in OPTION_FIELDS:
            initial.setdefault(name, options.get(name, ""))
        initial.setdefault("match", options.get("match") or ["external_id", "name_birth"])
        initial.setdefault("keep_repeated", options.get("keep_repeated") or "later")
        initial.setdefault("newest_by", options.get("newest_by", ""))
        super().__init__(*args, **kwargs)
        self.fields["newest_by"].choices = [
            ("", _("— choose the column —")),
            *((h, h) for h in headers),
        ]
        self.fields["new_area_kind"].choices = [
            ("", _("— the booth/precinct kind —")),
            *AreaKind.objects.values_list("code", "name"),
        ]
        if self.is_bound:
            try:
                n_const = int(self.data.get("const_count", 0))
            except ValueError:
                n_const = 0
            n_const = max(0, min(n_const, 50))
        else:
            n_const = len(constants) + 3
            initial["const_count"] = n_const
        self.fields["const_count"].initial = n_const

        dates = date_format_choices()
        self._election_names: dict[int, str] = {}
        for i, header in enumerate(headers):
            spec = columns.get(header)
            if spec is None and suggestions and header in suggestions:
                spec = suggestions[header]
            start = split_spec(spec) if spec is not None else {"target": "ignore"}
            if start["target"] in DATE_TARGETS and not start.get("format"):
                start["format"] = guess_date_format(self.samples.get(header, []))
            if start["target"] == "person.age" and options.get("age_as_of"):
                start["as_of"] = options["age_as_of"]
            label = _("Field for column “%(header)s”") % {"header": header}
            self.fields[f"c{i}_target"] = forms.ChoiceField(
                label=label,
                choices=target_choices(),
                initial=start["target"],
                required=False,
                widget=forms.Select(attrs={"x-model": "t"}),
            )
            self.fields[f"c{i}_key"] = forms.CharField(
                label=_("Kind of id, key or election code"),
                max_length=60,
                required=False,
                initial=start.get("key", ""),
            )
            self.fields[f"c{i}_format"] = forms.ChoiceField(
                label=_("Date format"),
                choices=dates,
                required=False,
                initial=start.get("format", ""),
            )
            self.fields[f"c{i}_order"] = forms.ChoiceField(
                label=_("Name order"),
                choices=[
                    ("first_last", _("First Middle Last")),
                    ("last_first", _("Last, First Middle")),
                ],
                required=False,
                initial=start.get("order", "first_last"),
            )
            self.fields[f"c{i}_region"] = forms.CharField(
                label=_("Country of numbers without a code"),
                max_length=2,
                required=False,
                initial=start.get("region", ""),
                widget=forms.TextInput(attrs={"size": 3, "autocapitalize": "characters"}),
            )
            self.fields[f"c{i}_as_of"] = forms.DateField(
                label=_("Age as of"),
                required=False,
                initial=start.get("as_of", ""),
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields[f"c{i}_values"] = forms.CharField(
                label=_("Translate values"),
                required=False,
                max_length=2000,
                initial=start.get("values", ""),
                widget=forms.Textarea(attrs={"rows": 2, "cols": 24, "spellcheck": "false"}),
            )
            self.fields[f"c{i}_election_date"] = forms.DateField(
                label=_("Election date"),
                required=False,
                initial=start.get("election_date", ""),
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self._election_names[i] = start.get("election_name", "")
        for j in range(n_const):
            target, value = constants[j] if j < len(constants) else ("", "")
            self.fields[f"k{j}_target"] = forms.ChoiceField(
                label=_("Field"), choices=constant_choices(), required=False, initial=target
            )
            self.fields[f"k{j}_value"] = forms.CharField(
                label=_("Value"), max_length=200, required=False, initial=value
            )
        self.constant_count = n_const
        self.missing_columns = [h for h in columns if h not in headers]
        self.mapping: dict | None = None

    # --- for the template ---------------------------------------------------------------
    def column_rows(self) -> list[ColumnRow]:
        return [
            ColumnRow(
                index=i,
                header=h,
                samples=list(dict.fromkeys(self.samples.get(h, [])))[:3],
                target=self[f"c{i}_target"],
                key=self[f"c{i}_key"],
                format=self[f"c{i}_format"],
                order=self[f"c{i}_order"],
                region=self[f"c{i}_region"],
                as_of=self[f"c{i}_as_of"],
                values=self[f"c{i}_values"],
                election_date=self[f"c{i}_election_date"],
            )
            for i, h in enumerate(self.headers)
        ]

    def constant_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"k{j}_target"], self[f"k{j}_value"]) for j in range(self.constant_count)]

    # --- validation ---------------------------------------------------------------------
    def _newest_by(self, header: str, columns: dict, options: dict) -> None:
        """``keep_repeated = newest`` needs a column mapped to a date field."""
        if not header:
            self.add_error("newest_by", _("Choose the column whose date decides."))
            return
        spec = columns.get(header)
        target = spec if isinstance(spec, str) else (spec or {}).get("target", "")
        is_date = target in DATE_TARGETS or (
            target.startswith("custom:")
            and CustomField.objects.filter(key=target[7:], type=CustomField.Type.DATE).exists()
        )
        if not is_date:
            self.add_error(
                "newest_by",
                _("Map the column “%(header)s” to a date field, or choose another column.")
                % {"header": header},
            )
            return
        options["keep_repeated"] = "newest"
        options["newest_by"] = header

    @staticmethod
    def _region(value: str) -> str:
        value = (value or "").strip().upper()
        if value and value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError(
                _("“%(code)s” is not a country code (two letters, e.g. IN or US).")
                % {"code": value}
            )
        return value

    def clean_default_region(self):
        return self._region(self.cleaned_data.get("default_region", ""))

    def clean_area_code(self):
        pattern = (self.cleaned_data.get("area_code") or "").strip()
        if pattern:
            try:
                pattern.format(ac=1, part=1)
            except (ValueError, KeyError, IndexError):
                raise ValidationError(
                    _("Use {ac} and {part} in the pattern, e.g. IN-WB-AC{ac}-P{part:03d}.")
                )
        return pattern

    def clean_save_as(self):
        name = (self.cleaned_data.get("save_as") or "").strip()
        return template_name_check(name) if name else ""

    def clean(self):
        cd = super().clean()
        columns: dict[str, object] = {}
        options: dict[str, object] = {}
        taken: dict[str, int] = {}
        for i, header in enumerate(self.headers):
            target = cd.get(f"c{i}_target") or "ignore"
            if target == "ignore":
                continue
            if target in KEYED:
                key = (cd.get(f"c{i}_key") or "").strip().lower()
                if not KEY_PATTERN.match(key):
                    self.add_error(
                        f"c{i}_key",
                        _(
                            "Name it: lower-case letters, digits, - and _, starting with a "
                            "letter (e.g. epic, voter, us-2024-general)."
                        ),
                    )
                    continue
                target += key
            if target == "person.full_name" and cd.get(f"c{i}_order") == "last_first":
                target = "person.full_name_last_first"
            same = SAME_TARGET.get(target, target)
            if same in taken and same not in REPEATABLE_TARGETS:
                self.add_error(
                    f"c{i}_target",
                    _("Column “%(other)s” already goes to this field; choose one of the two.")
                    % {"other": self.headers[taken[same]]},
                )
                continue
            taken.setdefault(same, i)
            spec: dict[str, object] = {"target": target}
            if target in DATE_TARGETS and cd.get(f"c{i}_format"):
                spec["format"] = cd[f"c{i}_format"]
            if target in PHONE_TARGETS:
                try:
                    region = self._region(cd.get(f"c{i}_region", ""))
                except ValidationError as exc:
                    self.add_error(f"c{i}_region", exc)
                    continue
                if region:
                    spec["region"] = region
            if target == "person.age" and cd.get(f"c{i}_as_of"):
                options["age_as_of"] = cd[f"c{i}_as_of"].isoformat()
            try:
                values = parse_values(cd.get(f"c{i}_values") or "", vote=target.startswith("vote:"))
            except ValidationError as exc:
                self.add_error(f"c{i}_values", exc)
                continue
            if values:
                spec["values"] = values
            if target.startswith("vote:"):
                if cd.get(f"c{i}_election_date"):
                    spec["election_date"] = cd[f"c{i}_election_date"].isoformat()
                if self._election_names.get(i):
                    spec["election_name"] = self._election_names[i]
            columns[header] = spec if len(spec) > 1 else target
        constants: dict[str, str] = {}
        for j in range(self.constant_count):
            target = cd.get(f"k{j}_target") or ""
            value = (cd.get(f"k{j}_value") or "").strip()
            if target and not value:
                self.add_error(f"k{j}_value", _("Give the value, or clear the field."))
            elif value and not target:
                self.add_error(f"k{j}_target", _("Choose the field this value goes to."))
            elif target:
                if target in constants:
                    self.add_error(f"k{j}_target", _("This field already has a value above."))
                constants[target] = value
        if cd.get("default_region"):
            options["default_region"] = cd["default_region"]
        if cd.get("area_code"):
            options["area_code"] = cd["area_code"]
        elif "area.ac" in taken or "area.part" in taken:
            self.add_error(
                "area_code",
                _("Give the pattern that builds the area code from the constituency and part."),
            )
        for name in OPTION_FIELDS:
            value = (cd.get(name) or "").strip()
            if value and value != "reject":
                options[name] = value
        if options.get("unknown_area") == "create" and not options.get("new_areas_under"):
            self.add_error(
                "new_areas_under",
                _("Give the code of the area the new areas go under."),
            )
        if cd.get("keep_repeated") == "newest":
            self._newest_by(cd.get("newest_by") or "", columns, options)
        if not cd.get("match"):
            self.add_error(
                "match",
                _("Choose at least one, or every row would become a new person."),
            )
        else:
            options["match"] = list(cd["match"])
        mapping = {"columns": columns, "constants": constants, "options": options}
        if not self.errors:
            try:
                validate_mapping(mapping, self.headers)
            except ValidationError as exc:
                raise ValidationError(exc.messages)
        self.mapping = mapping
        return cd
