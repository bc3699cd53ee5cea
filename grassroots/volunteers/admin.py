"""Reference data in the Django admin (there is no screen for it): skills, onboarding steps and
badges, with their name in each of the site's other languages as its own field."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from grassroots.volunteers.models import Badge, OnboardingStep, PointRule, Skill


def _other_languages() -> list[tuple[str, str]]:
    return [(code, label) for code, label in settings.LANGUAGES if code != "en"]


class _NamesFormBase(forms.ModelForm):
    """``names`` (``{language: name}``) as one text field per language; an empty field drops
    that language (the screens then show the name as entered)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.names or {}
        for code, _label in _other_languages():
            self.fields[f"name_{code}"].initial = current.get(code, "")

    def clean(self):
        data = super().clean()
        others = dict(_other_languages())
        names = {k: v for k, v in (self.instance.names or {}).items() if k not in others}
        for code in others:
            text = (data.get(f"name_{code}") or "").strip()
            if text:
                names[code] = text
        self.instance.names = names
        return data


NamesForm = type("NamesForm", (_NamesFormBase,), {
    f"name_{code}": forms.CharField(
        label=format_lazy(_("Name in {language}"), language=label), required=False,
        max_length=200,
    )
    for code, label in _other_languages()
})  # fmt: skip


class ReferenceAdmin(admin.ModelAdmin):
    form = NamesForm
    exclude = ["names"]
    search_fields = ["code", "name"]


@admin.register(Skill)
class SkillAdmin(ReferenceAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]


@admin.register(OnboardingStep)
class OnboardingStepAdmin(ReferenceAdmin):
    list_display = ["code", "name", "order"]


@admin.register(Badge)
class BadgeAdmin(ReferenceAdmin):
    list_display = ["code", "name", "threshold"]


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    list_display = ["source", "points"]
