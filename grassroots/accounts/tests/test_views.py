"""Account screens: who may open and change what, sign-in auditing and two-factor sign-in."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from grassroots.accounts.models import ApiToken, Role, User
from grassroots.accounts.tests.test_services import current_code, wrong_code
from grassroots.core.models import AuditEvent
from grassroots.testing.users import PASSWORD, make_user

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:otp_verify")
SETUP = reverse("accounts:otp_setup")


def role(slug: str) -> Role:
    return Role.objects.get(slug=slug)


def roles_of(user) -> list[str]:
    return sorted(User.objects.get(pk=user.pk).roles.values_list("slug", flat=True))


def areas_of(user) -> list[str]:
    return sorted(User.objects.get(pk=user.pk).scope_areas.values_list("code", flat=True))


def assert_login_redirect(response, path):
    assert response.status_code == 302
    parts = urlsplit(response["Location"])
    assert parts.path == LOGIN
    assert parse_qs(parts.query)["next"] == [path]


def manage_pages(users):
    return {
        "user_list": reverse("accounts:user_list"),
        "user_create": reverse("accounts:user_create"),
        "user_edit": reverse("accounts:user_edit", args=[users["volunteer"].pk]),
        "role_list": reverse("accounts:role_list"),
        "role_edit": reverse("accounts:role_edit", args=[role("volunteer").pk]),
    }


PAGES = ["user_list", "user_create", "user_edit", "role_list", "role_edit"]
ALL_PAGES = [*PAGES, "audit_list", "profile", "otp_verify", "otp_setup"]


def page_url(name, users):
    urls = manage_pages(users)
    urls.update(
        {
            "audit_list": reverse("accounts:audit_list"),
            "profile": reverse("accounts:profile"),
            "otp_verify": VERIFY,
            "otp_setup": SETUP,
        }
    )
    return urls[name]


# --- authorisation matrix ---------------------------------------------------------------


@pytest.mark.parametrize("page", ALL_PAGES)
def test_anonymous_is_sent_to_login(users, client_for, page):
    url = page_url(page, users)
    assert_login_redirect(client_for(None).get(url), url)


@pytest.mark.parametrize("page", ["user_create", "user_edit", "role_edit", "profile"])
def test_anonymous_post_is_sent_to_login_and_changes_nothing(users, client_for, page):
    url = page_url(page, users)
    before = (
        User.objects.count(),
        roles_of(users["volunteer"]),
        ApiToken.objects.count(),
        role("volunteer").capabilities,
    )
    response = client_for(None).post(
        url,
        {
            "username": "intruder",
            "password": PASSWORD,
            "roles": [role("admin").pk],
            "scope_all": "on",
            "is_active": "on",
            "name": "x",
            "capabilities": ["*"],
        },
    )
    assert_login_redirect(response, url)
    assert (
        User.objects.count(),
        roles_of(users["volunteer"]),
        ApiToken.objects.count(),
        role("volunteer").capabilities,
    ) == before


@pytest.mark.parametrize("who", ["volunteer", "finance", "auditor", "manager", "nobody"])
@pytest.mark.parametrize("page", PAGES)
def test_users_without_accounts_manage_get_403(users, client_for, who, page):
    assert client_for(users[who]).get(page_url(page, users)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_admin_opens_every_management_page(users, client_for, page):
    response = client_for(users["admin"]).get(page_url(page, users))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "who, status",
    [
        ("volunteer", 403),
        ("finance", 403),
        ("nobody", 403),
        ("auditor", 200),
        ("manager", 200),
        ("admin", 200),
    ],
)
def test_audit_log_needs_audit_view(users, client_for, who, status):
    assert client_for(users[who]).get(reverse("accounts:audit_list")).status_code == status


@pytest.mark.parametrize("who", ["volunteer", "finance", "nobody", "admin"])
@pytest.mark.parametrize("page", ["profile", "otp_verify", "otp_setup"])
def test_own_account_pages_open_for_any_signed_in_user(users, client_for, who, page):
    assert client_for(users[who]).get(page_url(page, users)).status_code == 200


# --- forbidden writes change nothing ----------------------------------------------------


@pytest.mark.parametrize("who", ["volunteer", "finance"])
def test_forbidden_user_create_creates_nothing(users, client_for, who):
    before = User.objects.count()
    response = client_for(users[who]).post(
        reverse("accounts:user_create"),
        {
            "username": "sneaky",
            "password": PASSWORD,
            "roles": [role("admin").pk],
            "scope_all": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 403
    assert User.objects.count() == before
    assert not User.objects.filter(username="sneaky").exists()
    assert not AuditEvent.objects.filter(action="user.created", actor=users[who]).exists()


@pytest.mark.parametrize("who", ["volunteer", "finance"])
def test_forbidden_user_edit_changes_nothing(users, client_for, who):
    # Try to promote oneself to admin, campaign-wide.
    target = users[who]
    before = (roles_of(target), areas_of(target), User.objects.get(pk=target.pk).scope_all)
    response = client_for(target).post(
        reverse("accounts:user_edit", args=[target.pk]),
        {
            "roles": [role("admin").pk],
            "scope_all": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 403
    assert (roles_of(target), areas_of(target), User.objects.get(pk=target.pk).scope_all) == before
    assert not User.objects.get(pk=target.pk).has_capability("accounts.manage")
    assert not AuditEvent.objects.filter(
        action__in=["user.roles_changed", "user.scope_changed"]
    ).exists()


def test_forbidden_2fa_reset_keeps_the_device(users, client_for):
    device = TOTPDevice.objects.create(user=users["manager"], name="phone", confirmed=True)
    response = client_for(users["volunteer"]).post(
        reverse("accounts:user_edit", args=[users["manager"].pk]), {"action": "reset_2fa"}
    )
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEvent.objects.filter(action="user.2fa_reset").exists()


@pytest.mark.parametrize("who", ["volunteer", "finance"])
def test_forbidden_role_edit_changes_nothing(users, client_for, who):
    target = role(who)
    before = (target.name, target.capabilities, target.require_2fa)
    response = client_for(users[who]).post(
        reverse("accounts:role_edit", args=[target.pk]),
        {
            "name": "Superpowers",
            "capabilities": ["*"],
        },
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert (target.name, target.capabilities, target.require_2fa) == before
    assert not User.objects.get(pk=users[who].pk).has_capability("accounts.manage")
    assert not AuditEvent.objects.filter(action="role.changed").exists()


# --- allowed writes happen and are audited ----------------------------------------------


def test_admin_creates_a_user(geo, users, client_for):
    response = client_for(users["admin"]).post(
        reverse("accounts:user_create"),
        {
            "username": "mita",
            "first_name": "Mita",
            "email": "mita@example.org",
            "password": PASSWORD,
            "roles": [role("volunteer").pk],
            "scope_areas": "IN-WB-AC1-P002",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_list")
    mita = User.objects.get(username="mita")
    assert mita.check_password(PASSWORD)
    assert roles_of(mita) == ["volunteer"]
    assert areas_of(mita) == ["IN-WB-AC1-P002"]
    event = AuditEvent.objects.get(action="user.created", object_id=str(mita.pk))
    assert event.actor == users["admin"]


def test_user_create_with_taken_username_rerenders_and_creates_nothing(users, client_for):
    before = User.objects.count()
    response = client_for(users["admin"]).post(
        reverse("accounts:user_create"),
        {
            "username": "Volunteer",
            "password": PASSWORD,
            "roles": [role("volunteer").pk],
            "scope_all": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert User.objects.count() == before


def test_admin_changes_a_users_access(geo, users, client_for):
    volunteer = users["volunteer"]
    response = client_for(users["admin"]).post(
        reverse("accounts:user_edit", args=[volunteer.pk]),
        {"roles": [role("field_organiser").pk], "scope_areas": "IN-WB-AC1", "is_active": "on"},
    )
    assert response.status_code == 302
    assert roles_of(volunteer) == ["field_organiser"]
    assert areas_of(volunteer) == ["IN-WB-AC1"]
    event = AuditEvent.objects.get(action="user.roles_changed", object_id=str(volunteer.pk))
    assert event.actor == users["admin"]
    assert event.detail["roles"] == {"from": ["volunteer"], "to": ["field_organiser"]}
    assert event.detail["scope_areas"] == {"from": ["IN-WB-AC1-P001"], "to": ["IN-WB-AC1"]}


def test_user_edit_get_shows_current_access(users, client_for):
    response = client_for(users["admin"]).get(
        reverse("accounts:user_edit", args=[users["volunteer"].pk])
    )
    html = response.content.decode()
    assert "IN-WB-AC1-P001" in html
    assert f'value="{role("volunteer").pk}"' in html


def test_user_edit_unknown_area_code_changes_nothing(geo, users, client_for):
    volunteer = users["volunteer"]
    response = client_for(users["admin"]).post(
        reverse("accounts:user_edit", args=[volunteer.pk]),
        {"roles": [role("admin").pk], "scope_areas": "IN-WB-AC1-P002, XX-NOPE", "is_active": "on"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unknown area code" in html and "XX-NOPE" in html
    assert roles_of(volunteer) == ["volunteer"]
    assert areas_of(volunteer) == ["IN-WB-AC1-P001"]
    assert (
        not AuditEvent.objects.filter(object_id=str(volunteer.pk))
        .exclude(action="user.created")
        .exists()
    )


def test_user_edit_refuses_to_let_admin_lock_themself_out(users, client_for):
    boss = make_user("boss", "admin", scope_all=True)
    response = client_for(boss).post(
        reverse("accounts:user_edit", args=[boss.pk]),
        {
            "roles": [role("volunteer").pk],
            "scope_all": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    assert "cannot remove your own right to manage users" in response.content.decode()
    assert roles_of(boss) == ["admin"]


def test_admin_resets_2fa(users, client_for):
    TOTPDevice.objects.create(user=users["manager"], name="phone", confirmed=True)
    response = client_for(users["admin"]).post(
        reverse("accounts:user_edit", args=[users["manager"].pk]), {"action": "reset_2fa"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=users["manager"]).exists()
    assert AuditEvent.objects.get(action="user.2fa_reset").actor == users["admin"]


def test_admin_edits_a_role(users, client_for):
    target = role("volunteer")
    response = client_for(users["admin"]).post(
        reverse("accounts:role_edit", args=[target.pk]),
        {
            "name": "Booth volunteer",
            "capabilities": ["people.view", "people.note"],
            "require_2fa": "on",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.name, target.capabilities, target.require_2fa) == (
        "Booth volunteer",
        ["people.note", "people.view"],
        True,
    )
    event = AuditEvent.objects.get(action="role.changed", object_id=str(target.pk))
    assert event.actor == users["admin"]
    assert event.detail["require_2fa"] == {"from": False, "to": True}


def test_role_edit_rejects_unknown_capability(users, client_for):
    target = role("volunteer")
    response = client_for(users["admin"]).post(
        reverse("accounts:role_edit", args=[target.pk]),
        {
            "name": "Volunteer",
            "capabilities": ["people.view", "money.steal"],
        },
    )
    assert response.status_code == 400
    target.refresh_from_db()
    assert target.capabilities == [
        "geography.view",
        "people.view",
        "people.note",
        "people.add",
        "lists.print",
        "surveys.view",
        "surveys.record",
        "messaging.text",
        "events.view",
        "volunteers.self",
        "canvassing.canvass",
        "api.use",
    ]


def test_audit_log_lists_and_filters_events(users, client_for):
    client_for(users["admin"]).post(
        reverse("accounts:role_edit", args=[role("finance").pk]),
        {
            "name": "Treasurer",
            "capabilities": ["people.view"],
        },
    )
    auditor = client_for(users["auditor"])
    html = auditor.get(reverse("accounts:audit_list"), {"action": "role."}).content.decode()
    assert "role.changed" in html
    html = auditor.get(reverse("accounts:audit_list"), {"action": "api_token."}).content.decode()
    assert "role.changed" not in html


# --- profile: personal API tokens -------------------------------------------------------


def test_profile_creates_a_token_and_shows_the_secret_once(users, client_for):
    c = client_for(users["manager"])
    response = c.post(reverse("accounts:profile"), {"action": "create", "name": "laptop"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=users["manager"])
    html = response.content.decode()
    assert f"grt_{token.key_id}_" in html
    assert f"grt_{token.key_id}_" not in c.get(reverse("accounts:profile")).content.decode()


def test_profile_token_needs_api_use(users, client_for):
    response = client_for(users["nobody"]).post(
        reverse("accounts:profile"), {"action": "create", "name": "mine"}
    )
    assert response.status_code == 404
    assert not ApiToken.objects.exists()


def test_cannot_revoke_someone_elses_token(users, client_for):
    from grassroots.accounts import services

    token, _ = services.api_token_create(actor=users["manager"], name="t")
    response = client_for(users["admin"]).post(
        reverse("accounts:profile"), {"action": "revoke", "token": token.pk}
    )
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    response = client_for(users["manager"]).post(
        reverse("accounts:profile"), {"action": "revoke", "token": token.pk}
    )
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


# --- query counts -----------------------------------------------------------------------


@pytest.mark.parametrize("extra", [3, 30])
def test_user_list_query_count_does_not_grow_with_users(
    geo, users, client_for, django_assert_max_num_queries, extra
):
    for i in range(extra):
        make_user(f"vol{i:02d}", "volunteer", areas=[geo["p1"], geo["p2"]])
    c = client_for(users["admin"])
    # 9 queries today at any size; an N+1 on roles or areas adds at least one per user.
    with django_assert_max_num_queries(10):
        response = c.get(reverse("accounts:user_list"))
    assert response.status_code == 200
    rows = re.findall(r'href="/admin-area/users/(\d+)/"', response.content.decode())
    assert len(rows) == extra + len(users)


# --- sign-in ----------------------------------------------------------------------------


def test_wrong_password_is_audited_as_failed_login(users):
    c = Client()
    response = c.post(LOGIN, {"username": "volunteer", "password": "not-it"})
    assert response.status_code == 200
    assert "_auth_user_id" not in c.session
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None
    assert event.detail == {"username": "volunteer"}
    assert event.ip_address == "127.0.0.1"
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_correct_password_signs_in_and_is_audited(users):
    c = Client()
    response = c.post(LOGIN, {"username": "volunteer", "password": PASSWORD})
    assert response.status_code == 302
    assert c.session["_auth_user_id"] == str(users["volunteer"].pk)
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == users["volunteer"]
    assert not AuditEvent.objects.filter(action="auth.login_failed").exists()


def test_inactive_user_cannot_sign_in(users):
    User.objects.filter(pk=users["volunteer"].pk).update(is_active=False)
    c = Client()
    c.post(LOGIN, {"username": "volunteer", "password": PASSWORD})
    assert "_auth_user_id" not in c.session


def test_login_ignores_offsite_next(users):
    c = Client()
    response = c.post(
        LOGIN, {"username": "volunteer", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- two-factor sign-in -----------------------------------------------------------------


@pytest.fixture
def volunteer_needs_2fa(users):
    Role.objects.filter(slug="volunteer").update(require_2fa=True)
    return users["volunteer"]


def test_required_2fa_sends_user_to_setup_then_lets_them_in(volunteer_needs_2fa, client_for):
    user = volunteer_needs_2fa
    c = client_for(user)
    response = c.get("/people/")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fpeople%2F"

    page = c.get(response["Location"])
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert device.config_url.split("secret=")[1].split("&")[0] in page.content.decode()
    # Still locked out before confirming.
    assert c.get("/people/").status_code == 302

    response = c.post(SETUP, {"token": current_code(device), "next": "/people/"})
    assert response.status_code == 302
    assert response["Location"] == "/people/"
    assert c.get("/people/").status_code == 200
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert AuditEvent.objects.filter(action="user.2fa_enabled", actor=user).exists()


def test_setup_with_wrong_code_keeps_user_out(volunteer_needs_2fa, client_for):
    c = client_for(volunteer_needs_2fa)
    c.get(SETUP)
    device = TOTPDevice.objects.get(user=volunteer_needs_2fa, confirmed=False)
    response = c.post(SETUP, {"token": wrong_code(device), "next": "/people/"})
    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert c.get("/people/").status_code == 302


def test_users_without_2fa_requirement_or_device_are_not_stopped(users, client_for):
    assert client_for(users["volunteer"]).get("/people/").status_code == 200


@pytest.fixture
def manager_with_device(users):
    device = TOTPDevice.objects.create(user=users["manager"], name="phone", confirmed=True)
    return users["manager"], device


def password_login(username, next_url="/people/"):
    c = Client()
    response = c.post(LOGIN, {"username": username, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    return c, response


def test_enrolled_user_must_enter_code_after_password(manager_with_device, settings):
    user, device = manager_with_device
    c, response = password_login("manager")
    assert response["Location"] == "/people/"
    response = c.get("/people/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fpeople%2F"

    response = c.post(VERIFY, {"token": wrong_code(device), "next": "/people/"})
    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    assert c.get("/people/").status_code == 302

    # django-otp throttles retries after a failure (1 s, 2 s, 4 s…); not under test here.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    response = c.post(VERIFY, {"token": current_code(device), "next": "/people/"})
    assert response.status_code == 302
    assert response["Location"] == "/people/"
    assert c.get("/people/").status_code == 200


def test_verify_rejects_malformed_code(manager_with_device):
    c, _ = password_login("manager")
    response = c.post(VERIFY, {"token": "12ab56", "next": "/people/"})
    assert response.status_code == 200
    assert "Enter the 6 digits" in response.content.decode()
    assert c.get("/people/").status_code == 302


def test_unverified_session_on_api_gets_json_403(manager_with_device):
    c, _ = password_login("manager")
    response = c.get("/api/v1/people/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "two_factor_required"
    assert response.json()["error"]["message"]


def test_required_2fa_without_device_on_api_gets_json_403(volunteer_needs_2fa, client_for):
    response = client_for(volunteer_needs_2fa).get("/api/v1/areas/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "two_factor_required"


def test_health_and_sign_in_pages_stay_reachable_before_2fa(manager_with_device):
    c, _ = password_login("manager")
    assert c.get("/healthz").status_code == 200
    assert c.get(VERIFY).status_code == 200


# --- 2FA holes (see the report: each asserts the correct behaviour) ----------------------


def test_unverified_session_cannot_enrol_a_new_device_to_skip_2fa(manager_with_device):
    """Someone with only the password must not replace the owner's authenticator."""
    user, old_device = manager_with_device
    c, _ = password_login("manager")
    response = c.get(SETUP)
    if response.status_code == 200:
        new_device = TOTPDevice.objects.get(user=user, confirmed=False)
        c.post(SETUP, {"token": current_code(new_device), "next": "/people/"})
    assert c.get("/people/").status_code == 302, "password alone reached /people/"
    assert TOTPDevice.objects.filter(pk=old_device.pk, confirmed=True).exists()


def test_unverified_session_cannot_create_api_token(manager_with_device):
    """An API token is a way round 2FA, so minting one needs a verified session."""
    c, _ = password_login("manager")
    c.post(reverse("accounts:profile"), {"action": "create", "name": "backdoor"})
    assert not ApiToken.objects.filter(user__username="manager").exists()


def test_2fa_redirect_keeps_the_whole_next_url(manager_with_device):
    c, _ = password_login("manager")
    response = c.get("/people/", {"q": "Das", "sort": "name"})
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query == {"next": ["/people/?q=Das&sort=name"]}
