"""The Content-Security-Policy in a real browser: inline code is blocked and the check in
conftest.py reports it; the app's own behaviour (htmx, Alpine's CSP build, app.js) runs."""

from __future__ import annotations

from playwright.sync_api import expect


def wait_for_reports(page, n=1):
    for _ in range(200):  # until the page's reports have reached the test (not a timing check)
        if len(page.problems.csp) >= n:
            return
        page.wait_for_timeout(25)


def test_inline_script_is_blocked_and_reported(page, live_server, login, users):
    login(page, "manager")
    page.evaluate(
        """() => {
          document.addEventListener("securitypolicyviolation", () => { window.__seen = (window.__seen || 0) + 1; });
          const s = document.createElement("script");
          s.textContent = "window.__injected = 1";
          document.body.appendChild(s);
        }"""
    )
    page.wait_for_function("() => window.__seen >= 1")
    wait_for_reports(page)
    assert page.evaluate("() => window.__injected === undefined")
    reported = list(page.problems.csp)
    assert any("script-src" in r for r in reported), reported
    # what this test caused on purpose must not fail it
    page.problems.csp.clear()
    page.problems.console_errors.clear()


def test_the_api_docs_run_under_the_policy(page, live_server, login, users):
    login(page, "manager")
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Grassroots API")
    assert not page.problems.csp, page.problems.csp
    # Swagger UI is a third party's page: its accessibility is not what this test checks
    page.goto(f"{live_server.url}/")
    page.evaluate("() => window.__grAxeIdle && window.__grAxeIdle()")
    page.problems.a11y[:] = [a for a in page.problems.a11y if "/api/docs/" not in a]
