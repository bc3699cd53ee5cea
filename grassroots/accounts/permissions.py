"""View-level capability checks. Scope (which rows) is applied in selectors, not here."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404


def require_capability(user, capability: str) -> None:
    if not user.is_authenticated:
        raise PermissionDenied
    if not user.has_capability(capability):
        raise PermissionDenied


class CapabilityRequiredMixin(LoginRequiredMixin):
    """Log in first; then a missing capability answers 403 (or 404 with ``hide_forbidden``)."""

    capability: str = ""
    hide_forbidden = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.capability and not request.user.has_capability(self.capability):
            if self.hide_forbidden:
                raise Http404
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
