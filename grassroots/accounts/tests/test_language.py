"""A user's own language: chosen once (switcher or profile), spoken at every sign-in on any
device; and the password change on the profile page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from grassroots.accounts.models import User
from grassroots.testing.users import PASSWORD, make_user

pytestmark = pytest.mark.django_db
PROFILE = reverse("accounts:profile")
PASSWORD_CHANGE = reverse("accounts:password_change")


@pytest.fixture
def asha(db):
    return make_user("asha", "volunteer")


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def html_lang(response) -> str:
    body = response.content.decode()
    return body.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_switcher_saves_the_language_and_a_new_sign_in_elsewhere_speaks_it(asha):
    phone = signed_in(asha)
    r = phone.post("/i18n/setlang/", {"language": "bn", "next": "/"})
    assert r.status_code == 302
    assert User.objects.get(pk=asha.pk).preferred_language == "bn"
    phone.post(reverse("accounts:logout"))
    # the sign-in page after signing out still speaks Bengali (the cookie follows the user)
    assert html_lang(phone.get(reverse("accounts:login"))) == "bn"

    laptop = Client()  # another device: no cookie, an English browser
    assert html_lang(laptop.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")) == "en"
    r = laptop.post(
        reverse("accounts:login"),
        {"username": "asha", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 302
    r = laptop.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(r) == "bn"
    assert "সাইন আউট করুন" in r.content.decode()
    assert laptop.cookies[settings.LANGUAGE_COOKIE_NAME].value == "bn"


def test_anonymous_switch_changes_no_user(asha):
    client = Client()
    r = client.post("/i18n/setlang/", {"language": "hi", "next": "/"})
    assert r.status_code == 302
    assert html_lang(client.get(reverse("accounts:login"))) == "hi"
    assert User.objects.get(pk=asha.pk).preferred_language == ""


def test_switch_to_an_unknown_language_changes_nothing(asha):
    client = signed_in(asha)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert User.objects.get(pk=asha.pk).preferred_language == ""


def test_profile_sets_and_clears_the_language(asha):
    client = signed_in(asha)
    body = client.get(PROFILE).content.decode()
    assert 'id="id_language"' in body and '<option value="bn">বাংলা<' in body
    r = client.post(PROFILE, {"action": "language", "language": "hi"})
    assert r.status_code == 302
    assert User.objects.get(pk=asha.pk).preferred_language == "hi"
    r = client.get(PROFILE)
    assert html_lang(r) == "hi"
    assert "भाषा सहेजी गई।" in r.content.decode()  # the confirmation, in the new language

    r = client.post(PROFILE, {"action": "language", "language": "klingon"})
    assert r.status_code == 400
    assert User.objects.get(pk=asha.pk).preferred_language == "hi"

    r = client.post(PROFILE, {"action": "language", "language": ""})
    assert r.status_code == 302
    assert User.objects.get(pk=asha.pk).preferred_language == ""
    assert html_lang(client.get(PROFILE, HTTP_ACCEPT_LANGUAGE="it")) == "it"


def test_password_change_keeps_the_user_signed_in(asha):
    client = signed_in(asha)
    r = client.get(PASSWORD_CHANGE)
    assert r.status_code == 200
    assert 'name="old_password"' in r.content.decode()

    r = client.post(
        PASSWORD_CHANGE,
        {
            "old_password": "wrong",
            "new_password1": "a-new-pw-4567",
            "new_password2": "a-new-pw-4567",
        },
    )
    assert r.status_code == 200  # re-rendered with the error, nothing changed
    assert 'id="id_old_password_error"' in r.content.decode() or "incorrect" in r.content.decode()
    assert User.objects.get(pk=asha.pk).check_password(PASSWORD)

    r = client.post(
        PASSWORD_CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-pw-4567",
            "new_password2": "a-new-pw-4567",
        },
    )
    assert r.status_code == 302 and r["Location"] == PROFILE
    assert User.objects.get(pk=asha.pk).check_password("a-new-pw-4567")
    assert client.get(PROFILE).status_code == 200  # still signed in


def test_password_change_needs_a_signed_in_user():
    r = Client().get(PASSWORD_CHANGE)
    assert r.status_code == 302 and reverse("accounts:login") in r["Location"]


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("hi", ["पुराना पासवर्ड", "कम से कम 8 अक्षर", "अपना पासवर्ड बदलें"]),
        ("bn", ["পুরনো পাসওয়ার্ড", "অন্তত 8 অক্ষর", "আপনার পাসওয়ার্ড বদলান"]),
    ],
)
def test_password_change_page_speaks_the_users_language(asha, code, words):
    """Django's own password labels and rules, which its hi/bn catalogues leave in English."""
    asha.preferred_language = code
    asha.save()
    body = signed_in(asha).get(PASSWORD_CHANGE).content.decode()
    for word in words:
        assert word in body
    for english in ("Old password", "at least 8 characters", "too similar", "commonly used"):
        assert english not in body
