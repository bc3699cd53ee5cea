"""Forms of the area screens: an area, an election, an area-tree import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.geography.models import AreaKind, Election
from grassroots.geography.widgets import AreaField


class AreaForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    native_name = forms.CharField(label=_("Name in native script"), max_length=200, required=False)
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_("Unique, as files name it, e.g. IN-WB-AC158-P012 or US-CA-SF-P1101."),
    )
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=AreaKind.objects.all())
    parent = AreaField(
        label=_("Inside"),
        help_text=_(
            "The area it belongs to. Moving an area moves everything inside it, with its people."
        ),
    )
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].actor = actor


class ElectionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Election.Kind.choices)
    date = forms.DateField(label=_("Polling date"), widget=forms.DateInput(attrs={"type": "date"}))
    polls_close = forms.TimeField(
        label=_("Polls close"), initial="18:00", widget=forms.TimeInput(attrs={"type": "time"})
    )
    area = AreaField(label=_("Area"), required=True, help_text=_("Where it is held."))
    code = forms.SlugField(
        label=_("Code"),
        max_length=64,
        help_text=_("Unique; a voter file's vote columns name it, e.g. ge2024."),
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].actor = actor


class AreaImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV with columns code, name, kind, parent code — or GeoJSON boundaries whose "
            "properties name them."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Check only (a dry run: say what would change, write nothing)"),
        required=False,
        initial=True,
    )
    kind = forms.CharField(
        label=_("Kind for every area without one"),
        max_length=100,
        required=False,
        help_text=_("E.g. part, precinct — when the file has no kind column."),
    )
    parent = AreaField(
        label=_("Parent for every area without one"),
        help_text=_("E.g. the constituency whose parts the file holds."),
    )
    code_column = forms.CharField(label=_("Column with the code"), max_length=100, required=False)
    name_column = forms.CharField(label=_("Column with the name"), max_length=100, required=False)
    kind_column = forms.CharField(label=_("Column with the kind"), max_length=100, required=False)
    parent_code_column = forms.CharField(
        label=_("Column with the parent code"), max_length=100, required=False
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].actor = actor

    def options(self) -> dict[str, str]:
        d = self.cleaned_data
        out = {
            k: d[k].strip()
            for k in ("kind", "code_column", "name_column", "kind_column", "parent_code_column")
            if (d.get(k) or "").strip()
        }
        if d.get("parent") is not None:
            out["parent"] = d["parent"].code
        return out
