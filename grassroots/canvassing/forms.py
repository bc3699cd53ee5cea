"""Forms of the organiser's canvassing screens (the effort form; turf actions post plain fields).

The forms parse and keep what was typed; the services validate (their ``Invalid`` errors are
shown next to the fields they name)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.canvassing.models import Effort
from grassroots.geography.widgets import AreaField
from grassroots.lists.models import PersonList, Segment
from grassroots.surveys.models import Script

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EffortForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    script = forms.ModelChoiceField(
        label=_("Script"),
        queryset=Script.objects.none(),
        empty_label=_("Choose a script"),
        required=False,
        help_text=_("What canvassers read and ask at each door (active scripts)."),
    )
    segment = forms.ModelChoiceField(
        label=_("Segment"),
        queryset=Segment.objects.none(),
        required=False,
        empty_label=_("No segment"),
        help_text=_("Who to canvass: a segment (read when the turfs are cut) or a list."),
    )
    person_list = forms.ModelChoiceField(
        label=_("List"),
        queryset=PersonList.objects.none(),
        required=False,
        empty_label=_("No list"),
    )
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE)
    areas = AreaField(
        label=_("Areas"),
        multiple=True,
        help_text=_("Only the audience's people in these areas (empty: all of them)."),
    )
    target_size = forms.IntegerField(
        label=_("Doors per turf"), initial=40, min_value=1, max_value=10000
    )
    measure = forms.ChoiceField(
        label=_("Count turf size in"), choices=Effort.Measure.choices, initial="units"
    )
    respect_areas = forms.BooleanField(
        label=_("Keep each turf inside one booth / precinct"), required=False, initial=True
    )
    checkout_days = forms.IntegerField(
        label=_("Check turfs out for (days)"), initial=3, min_value=1, max_value=365
    )
    stop_time = forms.TimeField(
        label=_("Stop canvassing at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_(
            "Local time. After it the app stops new knocks for the day (empty: no stop time)."
        ),
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].actor = actor
        self.fields["script"].queryset = (
            Script.objects.visible_to(actor).filter(status=Script.Status.ACTIVE).order_by("name")
        )
        self.fields["segment"].queryset = Segment.objects.visible_to(actor).order_by("name")
        self.fields["person_list"].queryset = PersonList.objects.visible_to(actor).order_by("name")

    @staticmethod
    def initial_for(effort: Effort) -> dict:
        return {
            "name": effort.name,
            "description": effort.description,
            "script": effort.script_id,
            "segment": effort.segment_id,
            "person_list": effort.person_list_id,
            "starts_on": effort.starts_on,
            "ends_on": effort.ends_on,
            "areas": list(effort.areas.all()),
            "target_size": effort.target_size,
            "measure": effort.measure,
            "respect_areas": effort.respect_areas,
            "checkout_days": effort.checkout_days,
            "stop_time": effort.stop_time,
        }

    def service_data(self) -> dict:
        return dict(self.cleaned_data)
