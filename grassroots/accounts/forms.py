from __future__ import annotations

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from grassroots.accounts.capabilities import ALL, all_capabilities
from grassroots.accounts.models import Role, User
from grassroots.core.registry import Registry


class ThrottleMessageMixin:
    """Say in words why a throttled sign-in was refused, and for how long (the username typed
    stays in the form)."""

    def get_invalid_login_error(self):
        refusal = getattr(self.request, "login_refusal", None)
        if refusal is None:
            return super().get_invalid_login_error()
        seconds = refusal.wait_seconds(timezone.now())
        if refusal.locked:
            minutes = math.ceil(seconds / 60)
            message = ngettext(
                "Too many failed attempts; sign-in is locked for a while. "
                "Try again in %(n)d minute.",
                "Too many failed attempts; sign-in is locked for a while. "
                "Try again in %(n)d minutes.",
                minutes,
            ) % {"n": minutes}
        else:
            message = ngettext(
                "Too many failed attempts; try again in %(n)d second.",
                "Too many failed attempts; try again in %(n)d seconds.",
                seconds,
            ) % {"n": seconds}
        return forms.ValidationError(message, code="throttled")


class AdminLoginForm(ThrottleMessageMixin, AdminAuthenticationForm):
    """``/django-admin/login/``: the same throttle, the same words."""


class LoginForm(ThrottleMessageMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit() or len(token) != 6:
            raise forms.ValidationError(_("Enter the 6 digits your authenticator app shows."))
        return token


def _area_model():
    return User._meta.get_field("scope_areas").related_model


# The area picker lives in geography, above accounts (ARCHITECTURE §3.2): geography's
# ``AppConfig.ready`` registers a factory ``() -> Widget`` for choosing several areas, and the
# scope field uses it; without one, codes are typed in a text box.
area_widgets = Registry()


class AreaCodesField(forms.CharField):
    """Areas by code (the area picker's chips, or typed one per line or comma-separated):
    scales to 60,000 booths."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": "WB-AC158-P012, US-CA-12-P0003"})

    def __deepcopy__(self, memo):
        # per form instance (the field itself is built when this module is imported, before
        # geography registers its picker)
        result = super().__deepcopy__(memo)
        factory = next(iter(area_widgets), None)
        if factory is not None and isinstance(result.widget, forms.Textarea):
            result.widget = factory()
        return result

    def to_python(self, value):
        if isinstance(value, dict):  # the picker: chosen codes, and what is typed
            value = ", ".join([*value.get("codes", []), value.get("text", "")])
        value = super().to_python(value) or ""
        codes = [c.strip() for c in value.replace("\n", ",").split(",") if c.strip()]
        if len(codes) > 1000:
            raise forms.ValidationError(_("At most 1,000 areas per user."))
        area_model = _area_model()
        found = {a.code: a for a in area_model.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown area code: %(codes)s") % {"codes": ", ".join(unknown[:10])}
            )
        return [found[c] for c in dict.fromkeys(codes)]

    def prepare_value(self, value):
        if isinstance(value, list | tuple) and isinstance(self.widget, forms.Textarea):
            return ", ".join(getattr(a, "code", str(a)) for a in value)
        return value


class UserAccessForm(forms.Form):
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"),
        queryset=Role.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    scope_all = forms.BooleanField(label=_("Whole campaign"), required=False)
    scope_areas = AreaCodesField(
        label=_("Areas (codes)"),
        required=False,
        help_text=_("The user sees these areas and everything inside them."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("scope_all") and not data.get("scope_areas") and data.get("roles"):
            self.add_error(
                "scope_areas",
                _("Give the user at least one area, or tick “Whole campaign”."),
            )
        return data


class UserCreateForm(UserAccessForm):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Letters, digits and @ . + - _ only.")},
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput, min_length=8, max_length=128
    )
    field_order = ["username", "first_name", "last_name", "email", "password"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("A user with that username already exists."))
        return username


def capability_choices() -> list[tuple[str, str]]:
    """Everything, then every capability the installed apps declare (collected at run time)."""
    return [(ALL, _("Everything"))] + [(k, f"{k} — {v}") for k, v in all_capabilities().items()]


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    capabilities = forms.MultipleChoiceField(
        label=_("Capabilities"),
        choices=capability_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    require_2fa = forms.BooleanField(label=_("Require two-factor sign-in"), required=False)


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


def language_choices():
    from django.conf import settings
    from django.utils.translation import get_language_info

    return [("", _("The browser’s language"))] + [
        (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
    ]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=language_choices,
        required=False,
        help_text=_("The screens speak it whenever you sign in, on any device."),
    )
