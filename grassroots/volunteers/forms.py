"""Forms for the volunteer screens: they parse and keep what was typed; services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.geography.models import Area
from grassroots.geography.widgets import AreaField
from grassroots.people.widgets import PersonField
from grassroots.volunteers.models import (
    HoursEntry,
    Skill,
    StaffRecord,
    Team,
    VolunteerProfile,
    part_labels,
    slot_choices,
    weekday_labels,
)


def availability_choices() -> list[tuple[str, str]]:
    days = dict(weekday_labels())
    parts = dict(part_labels())
    return [(s, f"{days[s.split('-')[0]]} · {parts[s.split('-')[1]]}") for s in slot_choices()]


class SkillChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class SignupForm(forms.Form):
    """The public volunteer sign-up (no login)."""

    given_name = forms.CharField(label=_("First name"), max_length=100)
    family_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    skills = SkillChoiceField(
        label=_("What can you help with?"), queryset=Skill.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    availability = forms.MultipleChoiceField(
        label=_("When are you usually free?"), choices=availability_choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    interests = forms.CharField(
        label=_("Anything else you would like to do?"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    area = forms.ModelChoiceField(
        label=_("Where would you like to help?"), queryset=Area.objects.none(), required=False,
    )  # fmt: skip
    consent_email = forms.BooleanField(required=False)
    consent_sms = forms.BooleanField(required=False)
    website = forms.CharField(required=False, label=_("Leave this empty"))  # the honeypot

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].queryset = Skill.objects.order_by("kind", "name")
        from grassroots.volunteers.selectors import public_signup_areas

        self.fields["area"].queryset = public_signup_areas()


class ProfileForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=VolunteerProfile.Status.choices)
    skills = SkillChoiceField(
        label=_("Skills and languages"), queryset=Skill.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    availability = forms.MultipleChoiceField(
        label=_("Availability"), choices=availability_choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"), queryset=Team.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    interests = forms.CharField(
        label=_("Interests"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    emergency_name = forms.CharField(label=_("Emergency contact"), required=False, max_length=150)
    emergency_phone = forms.CharField(label=_("Emergency phone"), required=False, max_length=30)
    recruited_by_id = PersonField(label=_("Recruited by"))

    def __init__(self, *args, teams=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recruited_by_id"].actor = actor
        self.fields["skills"].queryset = Skill.objects.order_by("kind", "name")
        self.fields["teams"].queryset = teams if teams is not None else Team.objects.none()


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    instructions = forms.CharField(
        label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    slots = forms.IntegerField(label=_("People needed"), min_value=1, max_value=500, initial=1)
    skills = SkillChoiceField(
        label=_("Skills needed"), queryset=Skill.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].queryset = Skill.objects.order_by("kind", "name")


class HoursForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        decimal_places=2,
        max_digits=5,
    )
    description = forms.CharField(label=_("What was done"), required=False, max_length=300)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    parent = forms.ModelChoiceField(
        label=_("Part of"), queryset=Team.objects.none(), required=False
    )

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = teams if teams is not None else Team.objects.none()


class TeamLeadersForm(forms.Form):
    leaders = PersonField(label=_("Leaders"), multiple=True)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leaders"].actor = actor


class StaffForm(forms.Form):
    person_id = PersonField(label=_("Person"), required=True)
    role_title = forms.CharField(label=_("Role title"), max_length=150)
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("End date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    pay_type = forms.ChoiceField(label=_("Pay type"), choices=StaffRecord.PayType.choices)
    manager_id = PersonField(label=_("Manager"))
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person_id"].actor = actor
        self.fields["manager_id"].actor = actor


HOURS_STATUS = HoursEntry.Status


# --- editing tasks and teams (kept at the end: see the task board and team list) -----------


class TaskEditForm(TaskForm):
    """The task form with its area (the area picker, resolved among the actor's areas)."""

    area = AreaField(label=_("Area"))

    field_order = ["title", "instructions", "due_date", "area", "slots", "skills"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].actor = actor


class TeamEditForm(TeamForm):
    """Rename a team, move it (under another team or to the top) or change its area."""

    area = AreaField(label=_("Area"), help_text=_("Left empty, the team keeps the area it has."))

    def __init__(self, *args, actor=None, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].actor = actor
        if team is not None:
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(pk=team.pk)
        self.fields["parent"].empty_label = _("— none (a top-level team) —")
