"""Public pages in a real browser, checked with axe-core (WCAG 2.1 A and AA): "How scores
are computed" and a public profile, read without logging in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.survey.profile_pages.public_world import SECRET, build_public_world


@pytest.fixture
def public_page(browser, live_server, seeded):
    world = build_public_world()
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  bypass_csp=True)  # only so that axe-core can be injected
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page, world
    context.close()


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]]


def test_a_reader_goes_from_the_public_list_to_a_profile_and_the_method(public_page):
    page, world = public_page
    page.goto("/public/profiles")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Thailand — v2 survey").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thailand")
    expect(page.get_by_role("row", name="Overall").first).to_contain_text("fewer than 3 members (n=4)")
    expect(page.get_by_text(SECRET)).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_role("link", name="How scores are computed").first.click()
    expect(page.get_by_role("heading", name="How scores are computed")).to_be_visible()
    expect(page.get_by_role("heading", name="Operational capacity of investigators and prosecutors")
           ).to_be_visible()
    assert axe_violations(page) == []
