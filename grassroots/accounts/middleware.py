"""Enforce two-factor sign-in for users who enrolled a device or whose role requires one."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

# Only the sign-in steps themselves; the profile (API tokens) needs a verified session.
EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/2fa/",
    "/static/",
    "/healthz",
    "/i18n/",
    "/favicon",
)


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
        ):
            from django_otp import user_has_device

            has_device = user_has_device(user, confirmed=True)
            if has_device or user.requires_2fa():
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "error": {
                                "code": "two_factor_required",
                                "message": "Complete two-factor sign-in in the browser, "
                                "or use an API token."
                                if has_device
                                else "Set up two-factor sign-in in the browser first: "
                                "your role requires it.",
                            }
                        },
                        status=403,
                    )
                target = "accounts:otp_verify" if has_device else "accounts:otp_setup"
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


# Reachable while a new password is due: choosing it, signing out, the 2FA steps.
PASSWORD_EXEMPT_PREFIXES = (*EXEMPT_PREFIXES, "/accounts/password/")


class PasswordChangeRequiredMiddleware:
    """A user an admin asked to choose a new password (``User.must_change_password``) is sent
    to the password change form until they have (after two-factor sign-in, which runs first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(PASSWORD_EXEMPT_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "code": "password_change_required",
                            "message": "Choose a new password in the browser first.",
                        }
                    },
                    status=403,
                )
            return redirect(reverse("accounts:password_change"))
        return self.get_response(request)


class UserLanguageMiddleware:
    """Speak the signed-in user's own language (``User.preferred_language``) on every request.

    Runs after the authentication middleware; ``LocaleMiddleware`` has already picked a
    language from the cookie or the browser, which stays in force for anonymous visitors and
    for users who never chose one. The cookie is kept in step, so the sign-in page after
    signing out still speaks the user's language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        user = getattr(request, "user", None)
        code = ""
        if user is not None and user.is_authenticated:
            code = user.preferred_language or ""
            if code and code in dict(settings.LANGUAGES):
                translation.activate(code)
                request.LANGUAGE_CODE = code
            else:
                code = ""
        response = self.get_response(request)
        if code and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != code:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                code,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
