from rest_framework import permissions


class CapabilityPermission(permissions.BasePermission):
    """``read_capability`` for safe methods, ``write_capability`` for the rest."""

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            cap = getattr(view, "read_capability", None)
        else:
            cap = getattr(view, "write_capability", None)
        return cap is not None and user.has_capability(cap)
