"""Browser tests: pytest-playwright driving the system Chromium against pytest-django's live_server.

Run with ``pytest tests/e2e``. Needs ``apt-get install chromium`` (no ``playwright install``);
without it every test in this folder is skipped with a message saying so.

Notes
-----
* Playwright's sync API runs an asyncio loop in the main thread, so Django's ORM would refuse
  to run from test code ("You cannot call this from an async context"); hence
  ``DJANGO_ALLOW_ASYNC_UNSAFE``. Only the tests and the live server thread use the database.
* ``live_server`` makes every test here transactional: the database is flushed after each
  test, which also deletes the default roles created by a data migration. ``_default_roles``
  puts them back before the shared ``geo``/``users``/``people`` fixtures run.
* ``page`` is wrapped so that a broken page fails the test: JavaScript errors, static files
  (htmx, app.js, app.css) that fail to load, and a missing ``window.htmx`` on every full load.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# A loaded 2-core CI machine can take a few seconds for a swap; wait, do not flake.
expect.set_options(timeout=15_000)

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Without Chromium, skip every test in this folder (a conftest cannot skip itself)."""
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"Chromium not installed ({CHROMIUM}): apt-get install chromium")
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name):
    if browser_name not in (None, "chromium"):
        return browser_type_launch_args
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Desktop by default; the phone test passes its own viewport via the browser_context_args
    # marker (which pytest-playwright merges over this).
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}, "locale": "en-GB"}


@pytest.fixture(autouse=True)
def _default_roles(transactional_db):
    from grassroots.accounts.services import roles_ensure_defaults

    roles_ensure_defaults()


@pytest.fixture
def shots():
    """``shots(page, "01-dashboard")`` saves test-artifacts/e2e/01-dashboard.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name, *, full_page=True):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return shoot


class PageProblems:
    """What went wrong in the browser while a test ran."""

    def __init__(self):
        self.js_errors: list[str] = []
        self.console_errors: list[str] = []
        self.bad_static: list[str] = []
        self.no_htmx: list[str] = []
        self.dialogs: list[str] = []

    def assert_clean(self):
        problems = {
            "JavaScript errors": self.js_errors,
            "console errors": self.console_errors,
            "static files that failed to load": self.bad_static,
            "pages without htmx": self.no_htmx,
        }
        found = {k: v for k, v in problems.items() if v}
        assert not found, f"Browser problems: {found}"


# Expected 4xx answers (a 404 page, a form re-rendered with 400) log this; broken static files
# are caught by the response listener below instead.
_IGNORED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of 4")


@pytest.fixture
def page(page, live_server):
    """pytest-playwright's page, watched for broken scripts and styles, with ``page.problems``."""
    problems = PageProblems()
    page.problems = problems
    page.set_default_timeout(15_000)

    page.on("pageerror", lambda exc: problems.js_errors.append(str(exc)))

    def on_console(msg):
        if msg.type == "error" and not _IGNORED_CONSOLE.search(msg.text):
            problems.console_errors.append(msg.text)

    page.on("console", on_console)

    def on_response(response):
        if "/static/" in response.url and response.status >= 400:
            problems.bad_static.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    page.on(
        "requestfailed",
        lambda req: (
            problems.bad_static.append(f"failed {req.url}") if "/static/" in req.url else None
        ),
    )

    def on_dialog(dialog):  # dismissed, unless the test says it will confirm (accept_dialogs)
        problems.dialogs.append(f"{dialog.type}: {dialog.message}")
        if getattr(page, "accept_dialogs", False):
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)

    def on_load(p):
        # Every full load of an app page (one with the app's stylesheet, unlike Django's bare
        # "Not Found" page) must have htmx: a deferred script, so it has run before "load".
        try:
            ok = p.evaluate(
                """() => !document.querySelector('link[href*="grassroots/app.css"]')
                         || (typeof window.htmx === 'object' && !!window.htmx.version)"""
            )
        except Exception:  # navigated away meanwhile
            return
        if not ok:
            problems.no_htmx.append(p.url)

    page.on("load", on_load)
    yield page
    problems.assert_clean()


@pytest.fixture(scope="session")
def password(pytestconfig):
    """PASSWORD from the project's root conftest.py (all users in ``users`` share it)."""
    root_conftest = str(Path(pytestconfig.rootpath) / "conftest.py")
    for plugin in pytestconfig.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) == root_conftest:
            return plugin.PASSWORD
    raise RuntimeError(f"{root_conftest} is not loaded")


@pytest.fixture
def login(live_server, password):
    """``login(page, "manager")``: sign in through the real form; leaves the page on the dashboard."""

    def do(page, username):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
        page.wait_for_load_state("load")
        htmx = page.evaluate("() => window.htmx ? window.htmx.version : null")
        assert htmx, f"htmx did not load on {page.url}: {page.problems.bad_static}"
        return page

    return do
