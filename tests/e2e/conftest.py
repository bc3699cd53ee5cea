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
* The Content-Security-Policy is watched: every ``securitypolicyviolation`` a document
  reports (a blocked inline script, event handler, ``eval``, inline style, or a file from
  elsewhere) fails the test with the directive and what was blocked (ADR 0015). Chromium's
  console message for it fails the test too (console errors).
* Accessibility is checked on every screen a test visits: axe-core (``node_modules/axe-core``,
  installed by ``npm ci``) is injected into every document and runs the WCAG 2.1 A/AA rules
  after each page load and after each HTMX swap; the page reports what it finds to the test,
  and a test with any violation fails (with the rule, the URL and the offending elements).
  Nothing to add in a test: using the ``page`` fixture is enough.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# A loaded 2-core CI machine can take a few seconds for a swap, and much longer with other work
# beside it (a load average of 20 was measured with the suite and two CPU hogs): every wait is
# for a state (expect, auto-waiting actions), never for a time, so a generous limit only makes a
# real failure slower to report, not a pass slower.
WAIT_MS = 30_000
expect.set_options(timeout=WAIT_MS)

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).resolve().parent
AXE_JS = HERE.parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 level A and AA (axe's tags); best practices and AAA are not failures.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


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


@pytest.fixture(scope="session", autouse=True)
def _duplicate_model_fitted():
    """Fit (or load) the duplicate model before the first browser test: on a fresh checkout the
    fit takes tens of seconds, and an import clicked in a browser test (tasks run immediately in
    tests, so its duplicate search runs inside the request) must not spend them in a click."""
    from grassroots.people.dedupe import scoring

    scoring.model()


@pytest.fixture(autouse=True)
def _default_roles(transactional_db):
    from grassroots.accounts.services import roles_ensure_defaults
    from grassroots.core.registry import reference_data

    roles_ensure_defaults()
    for ensure in reference_data:  # each app's data-migration rows, lost in the last flush
        ensure()
    yield
    # before the flush: let a request the page started (a live count, a poll) finish first
    from grassroots.testing import inflight

    inflight.wait_idle()


@pytest.fixture
def shots():
    """``shots(page, "01-dashboard")`` saves test-artifacts/e2e/01-dashboard.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name, *, full_page=True):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return shoot


# Runs in every document of the page (an init script, after axe itself): one axe run at "load"
# and one after each HTMX swap settles (runs never overlap: a request made during a run is done
# after it), each reported to the test through the exposed ``__grAxeReport`` binding.
_AXE_RUNNER = r"""
(() => {
  if (window.top !== window || !window.axe) return;
  const TAGS = %(tags)s;
  let running = null, again = false, timer = null;
  // What axe leaves to "needs review" or does not check: ids must be unique, and every id a
  // label or an aria-* reference names must exist (help and errors linked to their fields).
  const REFS = ["aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage"];
  function idrefs() {
    const nodes = [], byId = {};
    const html = (el) => el.outerHTML.slice(0, 200);
    document.querySelectorAll("[id]").forEach((el) => { (byId[el.id] = byId[el.id] || []).push(el); });
    Object.entries(byId).forEach(([id, els]) => {
      if (els.length > 1) nodes.push({target: "#" + id, html: html(els[1]), summary: "id used " + els.length + " times"});
    });
    document.querySelectorAll("label[for], [" + REFS.join("], [") + "]").forEach((el) => {
      const refs = el.matches("label[for]") ? [el.htmlFor] : [];
      REFS.forEach((a) => (el.getAttribute(a) || "").split(/\s+/).filter(Boolean).forEach((r) => refs.push(r)));
      refs.filter((r) => !document.getElementById(r)).forEach((r) =>
        nodes.push({target: el.tagName.toLowerCase(), html: html(el), summary: "names a missing id: " + r}));
    });
    return nodes.length ? [{id: "grassroots-idrefs", impact: "serious",
      help: "ids are unique and every id reference resolves", nodes: nodes.slice(0, 8)}] : [];
  }
  function run(reason) {
    if (running) { again = true; return running; }
    const url = location.href;
    running = window.axe.run(document, {runOnly: {type: "tag", values: TAGS}, resultTypes: ["violations"]})
      .then((r) => window.__grAxeReport({url, reason, violations: r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 8).map((n) => ({target: n.target.join(" "), html: n.html.slice(0, 200),
                                                summary: (n.failureSummary || "").slice(0, 300)}))})).concat(idrefs())}))
      .catch((e) => window.__grAxeReport({url, reason, error: String(e)}))
      .finally(() => { running = null; if (again) { again = false; run("again"); } });
    return running;
  }
  window.__grAxeCheck = (reason) => run(reason || "check");
  window.__grAxeIdle = async () => { while (running || timer) { await (running || new Promise((r) => setTimeout(r, 50))); } };
  window.addEventListener("load", () => run("load"));
  document.addEventListener("htmx:afterSettle", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; run("htmx swap"); }, 30);
  });
})();
"""


# Runs in every document: each violation of the page's Content-Security-Policy goes to the test.
_CSP_WATCH = r"""
document.addEventListener("securitypolicyviolation", (e) => {
  if (!window.__grCspReport) return;
  window.__grCspReport({url: location.href, directive: e.effectiveDirective || e.violatedDirective,
    blocked: e.blockedURI || "inline", source: e.sourceFile || "", line: e.lineNumber || 0,
    sample: e.sample || ""});
});
"""


class PageProblems:
    """What went wrong in the browser while a test ran."""

    def __init__(self):
        self.a11y: list[str] = []
        self.a11y_checked: list[str] = []
        self.js_errors: list[str] = []
        self.console_errors: list[str] = []
        self.bad_static: list[str] = []
        self.no_htmx: list[str] = []
        self.dialogs: list[str] = []
        self.csp: list[str] = []

    def assert_clean(self):
        problems = {
            "JavaScript errors": self.js_errors,
            "console errors": self.console_errors,
            "static files that failed to load": self.bad_static,
            "pages without htmx": self.no_htmx,
            "Content-Security-Policy violations": self.csp,
            "accessibility violations (axe-core, WCAG 2.1 A/AA)": self.a11y,
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
    page.set_default_timeout(WAIT_MS)
    page.set_default_navigation_timeout(2 * WAIT_MS)  # a full page under load: the slowest wait

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
        # A request the browser abandons because the page moved on (a web font still loading
        # when the test navigates) is not a broken file; a missing one answers 404 (above).
        lambda req: (
            problems.bad_static.append(f"failed {req.url}: {req.failure}")
            if "/static/" in req.url and req.failure != "net::ERR_ABORTED"
            else None
        ),
    )

    def on_dialog(dialog):  # dismissed, unless the test says it will confirm (accept_dialogs)
        problems.dialogs.append(f"{dialog.type}: {dialog.message}")
        if getattr(page, "accept_dialogs", False):
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)

    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` (or `make setup`)")

    def on_axe(source, report):
        where = f"{report['url']} (after {report['reason']})"
        problems.a11y_checked.append(where)
        if report.get("error"):
            problems.a11y.append(f"{where}: axe failed: {report['error']}")
        for v in report.get("violations", []):
            nodes = "; ".join(f"{n['target']} {n['html']} -- {n['summary']}" for n in v["nodes"])
            problems.a11y.append(f"{where}: {v['id']} ({v['impact']}) {v['help']}: {nodes}")

    page.expose_binding("__grAxeReport", on_axe)

    def on_csp(source, v):
        problems.csp.append(
            f"{v['url']}: {v['directive']} blocked {v['blocked']}"
            f" ({v['source']}:{v['line']}) {v['sample']}".strip()
        )

    page.expose_binding("__grCspReport", on_csp)
    page.add_init_script(script=_CSP_WATCH)
    page.add_init_script(script=AXE_JS.read_text(encoding="utf-8"))
    page.add_init_script(script=_AXE_RUNNER % {"tags": json.dumps(AXE_TAGS)})

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
    # The screen the test ended on is checked too (after any swap still settling).
    try:
        page.evaluate("() => window.__grAxeIdle && window.__grAxeIdle()")
        page.evaluate("() => window.__grAxeCheck && window.__grAxeCheck('end of test')")
    except Exception:  # the page is closed or not one of ours (about:blank)
        pass
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
