"""Forms for the organiser's event screens and the public sign-up form."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grassroots.events.models import Event, EventType, Shift
from grassroots.geography.widgets import AreaField
from grassroots.people.models import Tag
from grassroots.people.widgets import PersonField

DT_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
COMMON_ZONES = [
    "Asia/Kolkata", "Asia/Dhaka", "Europe/Rome", "Europe/London", "America/New_York",
    "America/Chicago", "America/Denver", "America/Los_Angeles", "UTC",
]  # fmt: skip

# The opt-ins offered with a sign-up: the exact words are stored with the consent.
OPT_INS = {
    "email": ("email", "campaign", _("Yes, email me news about the campaign.")),
    "sms": ("sms", "campaign", _("Yes, text me news about the campaign.")),
    "volunteer": ("email", "volunteering", _("Yes, ask me to volunteer by email.")),
}


def local_datetime(value, tz_name: str):
    """An aware datetime typed in the event's zone (the browser sends wall-clock time)."""
    if value is None:
        return None
    try:
        tz = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    return value.replace(tzinfo=None).replace(tzinfo=tz)


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    type = forms.ModelChoiceField(
        label=_("Type"), queryset=EventType.objects.all(), to_field_name="slug"
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, *italic*, lists and links. HTML is removed."),
    )
    visibility = forms.ChoiceField(label=_("Who can see it"), choices=Event.Visibility.choices)
    area = AreaField(label=_("Area"))
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        initial="Asia/Kolkata",
        widget=forms.TextInput(attrs={"list": "time-zones"}),
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DT_WIDGET, input_formats=DT_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DT_WIDGET, input_formats=DT_FORMATS)
    address = forms.CharField(
        label=pgettext_lazy("event location", "Address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    virtual_url = forms.URLField(
        label=_("Virtual meeting link"),
        required=False,
        assume_scheme="https",
        help_text=_("Shown only to people who signed up, on their own sign-up page."),
    )
    hosts = PersonField(
        label=_("Hosts"),
        multiple=True,
        help_text=_("Hosts may check people in and log their hours."),
    )
    contact_person = PersonField(label=_("Contact person"))
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = forms.IntegerField(
        label=_("Places in the first shift"),
        required=False,
        min_value=1,
        help_text=_("A shift covering the whole event is added with this many places."),
    )

    def __init__(self, *args, actor=None, creating=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].actor = actor
        self.fields["hosts"].actor = actor
        self.fields["contact_person"].actor = actor
        if not creating:
            del self.fields["capacity"]

    def service_data(self) -> dict:
        d = dict(self.cleaned_data)
        d.pop("capacity", None)
        d.pop("tags", None)
        d.pop("hosts", None)
        tz = d.get("time_zone") or "UTC"
        d["starts_at"] = local_datetime(d.get("starts_at"), tz)
        d["ends_at"] = local_datetime(d.get("ends_at"), tz)
        d["description"] = d.get("description") or ""
        return d


class ShiftForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DT_WIDGET, input_formats=DT_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DT_WIDGET, input_formats=DT_FORMATS)
    capacity = forms.IntegerField(label=_("Places"), min_value=1)


class ShiftCapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("Places"), min_value=1)


class SeriesForm(forms.Form):
    count = forms.IntegerField(label=_("Number of weeks"), min_value=2, max_value=52)


class RsvpForm(forms.Form):
    given_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    shift = forms.ModelChoiceField(
        label=_("Time"), queryset=Shift.objects.none(), widget=forms.RadioSelect, empty_label=None
    )
    opt_in = forms.MultipleChoiceField(
        label=_("Keep in touch"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(k, v[2]) for k, v in OPT_INS.items()],
    )
    # the honeypot: hidden from people (app.css), filled by bots
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = event.shifts.order_by("position", "starts_at")
        self.fields["shift"].label_from_instance = self.shift_label
        self.event = event

    def shift_choices(self, shifts) -> list[dict]:
        """The shifts as radio choices (written out by the template, not a widget)."""
        chosen = str(self["shift"].value() or "")
        return [
            {"pk": s.pk, "label": self.shift_label(s), "checked": str(s.pk) == chosen}
            for s in shifts
        ]

    def opt_in_choices(self) -> list[dict]:
        chosen = {str(v) for v in (self["opt_in"].value() or [])}
        return [
            {"value": k, "label": label, "checked": k in chosen}
            for k, label in self.fields["opt_in"].choices
        ]

    def shift_label(self, shift: Shift) -> str:
        from django.utils import formats
        from django.utils.timezone import localtime

        tz = zoneinfo.ZoneInfo(self.event.time_zone)
        start = localtime(shift.starts_at, tz)
        end = localtime(shift.ends_at, tz)
        label = f"{formats.date_format(start, 'D j M, H:i')}–{formats.time_format(end, 'H:i')}"
        if shift.is_full:
            label += " · " + str(_("full: join the waitlist"))
        return label


TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ReminderTimesForm(forms.Form):
    """Every event type's two reminder times on one screen: ``<slug>-day_before`` and
    ``<slug>-morning_of``."""

    def __init__(self, *args, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.types = list(types)
        for t in self.types:
            self.fields[f"{t.slug}-day_before"] = forms.TimeField(
                label=_("%(type)s: the day before at") % {"type": t.label},
                initial=t.reminder_day_before, widget=TIME_WIDGET,
                input_formats=["%H:%M", "%H:%M:%S"],
            )  # fmt: skip
            self.fields[f"{t.slug}-morning_of"] = forms.TimeField(
                label=_("%(type)s: on the day at") % {"type": t.label},
                initial=t.reminder_morning_of, widget=TIME_WIDGET,
                input_formats=["%H:%M", "%H:%M:%S"],
            )  # fmt: skip

    def rows(self):
        return [(t, self[f"{t.slug}-day_before"], self[f"{t.slug}-morning_of"]) for t in self.types]
