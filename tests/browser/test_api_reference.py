"""The API reference page in real Chromium: reached from the API tokens page, readable at
1280 and 390 px (no page wider than its viewport), clean under axe-core (WCAG 2.1 A/AA),
and nothing loaded from another site."""

from __future__ import annotations

import pytest

from .conftest import log_in

pytestmark = pytest.mark.browser
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}


def test_reference_page_from_the_tokens_page(browser, live_server, demo):
    from axe_playwright_python.sync_playwright import Axe

    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      base_url=live_server, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        elsewhere: list[str] = []
        page.on("request", lambda r, seen=elsewhere: seen.append(r.url)
                if not r.url.startswith(live_server) else None)
        log_in(page, "analyst@example.org", demo["analyst@example.org"])
        page.goto("/account/tokens/")
        page.get_by_role("link", name="API reference").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Authentication").is_visible()
        assert page.get_by_role("heading", name="GET /rounds/{round_id}/scores").is_visible()
        page.get_by_role("link", name="Deprecated field names").click()
        assert page.url.endswith("#deprecated-fields")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        violations = Axe().run(page, options=WCAG).response["violations"]
        assert [v["id"] for v in violations] == []
        assert elsewhere == []
        context.close()
