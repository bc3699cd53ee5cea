from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from grassroots.accounts.selectors import api_token_authenticate


class TwoFactorRequired(exceptions.AuthenticationFailed):
    default_code = "two_factor_required"
    default_detail = (
        "This token's owner must enrol two-factor sign-in (their role requires it): "
        "sign in to the app in a browser and set up an authenticator app; the token then works."
    )


class HashedTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer grt_<id>_<secret>``; only a hash of the secret is stored."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, raw = header.partition(" ")
        if scheme not in ("Bearer", "Token"):
            return None
        token = api_token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        if not token.user.has_capability("api.use"):
            raise exceptions.AuthenticationFailed("This token's owner may no longer use the API.")
        if token.user.two_factor_pending():
            raise TwoFactorRequired()
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "grassroots.api.authentication.HashedTokenAuthentication"
    name = "BearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "grt_<id>_<secret>"}
