"""403, 404 and 500 answer with the app's layout, in the user's language, with a way back
(issue 13, item 26); a private segment answers 404 like every other out-of-scope object."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path, reverse
from django.utils import translation

from grassroots import urls as project_urls
from grassroots.accounts.tests.factories import UserFactory
from grassroots.lists.tests.factories import SegmentFactory
from grassroots.testing.markup import assert_accessible_markup


def _boom(request):
    raise RuntimeError("a bug")


# The project's URLs plus one that fails, with the project's 500 handler.
urlpatterns = [path("boom/", _boom), *project_urls.urlpatterns]
handler500 = project_urls.handler500


def _layout(html):
    assert 'href="/static/grassroots/app.css"' in html or "grassroots/app.css" in html
    assert '<main id="main">' in html
    assert "Go back" in html or "history.back()" in html
    assert_accessible_markup(html)


def test_404_in_the_layout_with_a_way_back(client_for, users):
    r = client_for(users["manager"]).get("/no/such/page/")
    html = r.content.decode()
    assert r.status_code == 404
    _layout(html)
    assert "This page is not here" in html
    assert f'href="{reverse("core:dashboard")}"' in html
    assert 'aria-label="Main"' in html  # the navigation is there too


def test_404_for_someone_signed_out_offers_sign_in(client):
    r = client.get("/no/such/page/", follow=False)
    # pages behind login redirect; an unknown address is a 404 for everyone
    assert r.status_code == 404
    assert reverse("accounts:login") in r.content.decode()


def test_403_in_the_layout(client_for, users):
    r = client_for(users["nobody"]).get(reverse("people:person_list"))
    assert r.status_code == 403
    html = r.content.decode()
    _layout(html)
    assert "Your role does not allow this" in html


def test_error_pages_are_translated(client_for, users):
    c = client_for(users["manager"])
    for lang in ("hi", "bn", "it"):
        c.cookies["django_language"] = lang
        r = c.get("/no/such/page/")
        html = r.content.decode()
        assert f'<html lang="{lang}">' in html
        with translation.override(lang):
            from django.utils.translation import gettext

            heading = gettext("This page is not here")
        assert heading != "This page is not here", f"no {lang} translation"
        assert heading in html


@pytest.mark.urls(__name__)
def test_500_in_the_layout(users):
    c = Client(raise_request_exception=False)
    c.force_login(users["manager"])
    r = c.get("/boom/")
    assert r.status_code == 500
    html = r.content.decode()
    assert "Something went wrong on our side" in html
    assert "a bug" not in html  # no traceback or message from the code


def test_a_private_segment_answers_404_like_a_missing_one(client_for, users, geo):
    # a colleague with the same role and area: not theirs to see, so not there
    segment = SegmentFactory(owner=users["manager"], name="Quiet plans")
    data_manager = UserFactory(
        username="dm", role="data_manager", areas=[geo["ac"]]
    )  # may view, print, export
    c = client_for(data_manager)
    urls = [
        reverse("lists:segment_edit", args=[segment.pk]),
        reverse("lists:segment_export", args=[segment.pk]),
        f"/segments/{segment.pk}/walk-list.pdf",
        f"/segments/{segment.pk}/call-list.csv",
    ]
    missing = [u.replace(str(segment.pk), "987654") for u in urls]
    for url, gone in zip(urls, missing, strict=True):
        r, r_gone = c.get(url), c.get(gone)
        assert r.status_code == r_gone.status_code == 404, url
        assert "Quiet plans" not in r.content.decode()
    for action in ("freeze", "delete"):
        r = c.post(reverse("lists:segment_action", args=[segment.pk, action]))
        assert r.status_code == 404, action
