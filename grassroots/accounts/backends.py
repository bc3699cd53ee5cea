"""The password backend: Django's ``ModelBackend`` behind the sign-in throttle.

Every password sign-in goes through ``django.contrib.auth.authenticate`` and so through here:
the app's form and ``/django-admin/login/`` alike. A refused attempt sets
``request.login_refusal`` (a ``throttle.Refusal``) for the form to say why and for how long.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from grassroots.accounts import throttle


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get("username")
        if username is None or password is None:
            return None
        ip = throttle.client_ip(request)
        refusal = throttle.check(username, ip)
        if refusal is not None:
            throttle.record_failure(username, ip)
            if request is not None:
                request.login_refusal = refusal
            raise PermissionDenied  # stops here: the password is not checked
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttle.record_failure(username, ip)
            refusal = throttle.check(username, ip)  # this failure may have started a lock
            if refusal is not None and refusal.locked and request is not None:
                request.login_refusal = refusal
        else:
            throttle.clear_account(username)
        return user
