from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from grassroots.accounts import selectors, services, throttle
from grassroots.accounts.forms import (
    ApiTokenForm,
    LanguageForm,
    LoginForm,
    OTPTokenForm,
    RoleForm,
    UserAccessForm,
    UserCreateForm,
)
from grassroots.accounts.models import ApiToken, Role, User
from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.core.models import AuditEvent


def _safe_next(request, default="core:dashboard"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def otp_verify(request):
    if request.user.is_verified():
        return redirect(_safe_next(request))
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", _("That code is not valid. Check your phone's clock and retry."))
    return render(
        request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request, "")}
    )


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
def otp_setup(request):
    if (
        not request.user.is_verified()
        and TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    ):
        # A password alone must not replace an enrolled device: verify with it first.
        return redirect(
            f"{reverse('accounts:otp_verify')}?{urlencode({'next': _safe_next(request, '')})}"
        )
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        if services.totp_device_confirm(
            user=request.user, device=device, token=form.cleaned_data["token"]
        ):
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect(_safe_next(request))
        form.add_error("token", _("That code is not valid. Scan the code again and retry."))
    if device is None:
        device = services.totp_device_start(user=request.user)
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - generated SVG
            "secret": device.config_url.split("secret=")[1].split("&")[0],
            "next": _safe_next(request, ""),
        },
    )


class UserListView(CapabilityRequiredMixin, View):
    capability = "accounts.manage"

    def get(self, request):
        q = request.GET.get("q", "").strip()[:100]
        page = Paginator(selectors.user_list(search=q), 50).get_page(request.GET.get("page"))
        ctx = {"page": page, "q": q, "roles": selectors.role_list()}
        template = "accounts/user_list.html#rows" if request.htmx else "accounts/user_list.html"
        return render(request, template, ctx)


class UserCreateView(CapabilityRequiredMixin, View):
    capability = "accounts.manage"

    def get(self, request):
        return render(
            request,
            "accounts/user_form.html",
            {"form": UserCreateForm(initial={"is_active": True})},
        )

    def post(self, request):
        form = UserCreateForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                user = services.user_create(
                    actor=request.user,
                    username=d["username"],
                    password=d["password"],
                    email=d["email"],
                    first_name=d["first_name"],
                    last_name=d["last_name"],
                    roles=d["roles"],
                    scope_all=d["scope_all"],
                    scope_areas=d["scope_areas"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("User %(name)s created.") % {"name": user.username})
                return redirect("accounts:user_list")
        return render(request, "accounts/user_form.html", {"form": form}, status=400)


class UserEditView(CapabilityRequiredMixin, View):
    capability = "accounts.manage"
    ACTIONS = {
        "require_password_change": (
            services.user_password_change_require,
            gettext_lazy("The user will be asked to choose a new password at the next sign-in."),
        ),
        "unlock": (services.user_sign_in_unlock, gettext_lazy("Sign-in unlocked.")),
        "remove_2fa_exemption": (
            services.user_two_factor_exemption_remove,
            gettext_lazy("Exemption removed: the roles' two-factor requirement now applies."),
        ),
    }

    def _get_user(self, pk):
        return get_object_or_404(User.objects.prefetch_related("roles", "scope_areas"), pk=pk)

    def _ctx(self, user, form):
        return {
            "subject": user,
            "form": form,
            "has_2fa": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "locked_until": throttle.account_lock(user.get_username()),
        }

    def get(self, request, pk):
        user = self._get_user(pk)
        form = UserAccessForm(
            initial={
                "roles": list(user.roles.all()),
                "scope_all": user.scope_all,
                "scope_areas": list(user.scope_areas.all()),
                "is_active": user.is_active,
            }
        )
        return render(request, "accounts/user_edit.html", self._ctx(user, form))

    def post(self, request, pk):
        user = self._get_user(pk)
        if request.POST.get("action") == "reset_2fa":
            services.totp_devices_remove(actor=request.user, user=user)
            messages.success(request, _("Two-factor devices removed."))
            return redirect("accounts:user_edit", pk=user.pk)
        if request.POST.get("action") in self.ACTIONS:
            service, done = self.ACTIONS[request.POST["action"]]
            service(actor=request.user, user=user)
            messages.success(request, done)
            return redirect("accounts:user_edit", pk=user.pk)
        form = UserAccessForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.user_update_access(
                    actor=request.user,
                    user=user,
                    roles=d["roles"],
                    scope_all=d["scope_all"],
                    scope_areas=d["scope_areas"],
                    is_active=d["is_active"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Access for %(name)s saved.") % {"name": user.username})
                return redirect("accounts:user_list")
        return render(request, "accounts/user_edit.html", self._ctx(user, form), status=400)


class RoleListView(CapabilityRequiredMixin, View):
    capability = "accounts.manage"

    def get(self, request):
        roles = selectors.role_list().prefetch_related("users")
        return render(request, "accounts/role_list.html", {"roles": roles})


class RoleEditView(CapabilityRequiredMixin, View):
    capability = "accounts.manage"

    def get(self, request, pk):
        role = get_object_or_404(Role, pk=pk)
        form = RoleForm(
            initial={
                "name": role.name,
                "capabilities": role.capabilities,
                "require_2fa": role.require_2fa,
            }
        )
        return render(request, "accounts/role_edit.html", {"role": role, "form": form})

    def post(self, request, pk):
        role = get_object_or_404(Role, pk=pk)
        form = RoleForm(request.POST)
        if form.is_valid():
            try:
                services.role_update(
                    actor=request.user,
                    role=role,
                    name=form.cleaned_data["name"],
                    capabilities=form.cleaned_data["capabilities"],
                    require_2fa=form.cleaned_data["require_2fa"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Role saved."))
                return redirect("accounts:role_list")
        return render(request, "accounts/role_edit.html", {"role": role, "form": form}, status=400)


class AuditLogView(CapabilityRequiredMixin, View):
    capability = "audit.view"

    def get(self, request):
        qs = AuditEvent.objects.all()
        action = request.GET.get("action", "").strip()[:64]
        actor = request.GET.get("actor", "").strip()[:150]
        if action:
            qs = qs.filter(action__startswith=action)
        if actor:
            qs = qs.filter(actor_label__iexact=actor)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        ctx = {"page": page, "action": action, "actor": actor}
        template = "accounts/audit_list.html#rows" if request.htmx else "accounts/audit_list.html"
        return render(request, template, ctx)


@require_POST
def set_language(request):
    """Django's language switch; for a signed-in user the choice is also their own language
    (``User.preferred_language``), used at every sign-in on any device."""
    response = i18n_views.set_language(request)
    code = services.language_supported(request.POST.get("language"))
    if code and request.user.is_authenticated:
        services.user_language_set(actor=request.user, user=request.user, language=code)
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (old password, new one twice, the validators) in our layout;
    also where a user an admin asked to choose a new password is sent."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        user = services.user_password_set(
            actor=self.request.user,
            user=form.user,
            password=form.cleaned_data["new_password1"],
        )
        update_session_auth_hash(self.request, user)  # stay signed in
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by email. The answer is the same whether or not an account has that
    address (nothing tells who has an account); Django signs the link (it stops working after
    ``PASSWORD_RESET_TIMEOUT`` and once the password has changed, so it works once)."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if not throttle.reset_request_allowed(throttle.client_ip(self.request)):
            return redirect(self.get_success_url())  # the same answer; nothing sent
        self.extra_email_context = {
            "campaign_name": settings.CAMPAIGN_NAME,
            "hours": _reset_hours(),
        }
        return super().form_valid(form)


def _reset_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "hours": _reset_hours()}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        services.user_password_set(
            actor=self.user,
            user=self.user,
            password=form.cleaned_data["new_password1"],
            reset=True,
        )
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        return redirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class ProfileView(CapabilityRequiredMixin, View):
    """The signed-in user's own page: 2FA status and personal API tokens."""

    def _ctx(self, request, form, new_secret=None, language_form=None):
        return {
            "form": form,
            "language_form": language_form
            or LanguageForm(initial={"language": request.user.preferred_language}),
            "tokens": ApiToken.objects.filter(user=request.user),
            "has_2fa": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
            "new_secret": new_secret,
            "can_api": request.user.has_capability("api.use"),
        }

    def get(self, request):
        return render(request, "accounts/profile.html", self._ctx(request, ApiTokenForm()))

    def post(self, request):
        action = request.POST.get("action")
        if action == "language":
            return self._set_language(request)
        if action == "revoke":
            token = ApiToken.objects.filter(user=request.user, pk=request.POST.get("token")).first()
            if token is None:
                raise Http404
            services.api_token_revoke(actor=request.user, token=token)
            messages.success(request, _("Token revoked."))
            return redirect("accounts:profile")
        if not request.user.has_capability("api.use"):
            raise Http404
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            _token, secret = services.api_token_create(
                actor=request.user, name=form.cleaned_data["name"]
            )
            return render(
                request, "accounts/profile.html", self._ctx(request, ApiTokenForm(), secret)
            )
        return render(request, "accounts/profile.html", self._ctx(request, form), status=400)

    def _set_language(self, request):
        form = LanguageForm(request.POST)
        if not form.is_valid():
            ctx = self._ctx(request, ApiTokenForm(), language_form=form)
            return render(request, "accounts/profile.html", ctx, status=400)
        code = form.cleaned_data["language"]
        services.user_language_set(actor=request.user, user=request.user, language=code)
        if code:
            translation.activate(code)  # the confirmation in the language just chosen
        messages.success(request, _("Language saved."))
        response = redirect("accounts:profile")
        if not code:  # back to the browser's language: forget the switcher's cookie too
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
