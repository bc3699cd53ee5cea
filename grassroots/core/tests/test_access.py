"""``core.access``: every model declares its scope; the strategies answer as documented."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser

from grassroots.core import access
from grassroots.core.exceptions import Forbidden


def test_every_grassroots_model_declares_its_scope():
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("grassroots.")
        and not isinstance(getattr(model, "access_scope", None), access.Scope)
    ]
    assert missing == [], f"models with no access_scope: {missing}"


def test_scoped_models_have_visible_to():
    for model in apps.get_models():
        if model.__module__.startswith("grassroots.") and model._meta.label != "accounts.User":
            assert hasattr(model.objects, "visible_to"), model._meta.label


def test_system_holds_every_capability_none_and_anonymous_hold_none():
    access.require(access.SYSTEM, "anything.at_all")
    for nobody in (None, AnonymousUser()):
        assert not access.can(nobody, "people.view")
        with pytest.raises(Forbidden):
            access.require(nobody, "people.view")


def test_require_checks_the_users_capabilities(users):
    access.require(users["volunteer"], "people.view")
    with pytest.raises(Forbidden):
        access.require(users["volunteer"], "people.merge")
    with pytest.raises(Forbidden):
        access.require(users["nobody"], "people.view")
