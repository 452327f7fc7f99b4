"""People and search in Chromium (issue 13): the search box in the header finds a person by name, the
directory links to a person's page, the signer question takes a name, all in Indonesian first and with
no script or style blocked; a phone sees the header box without the page growing wider than the screen."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Console, Demo, screenshot, token_cookie


def _a_unit_head(demo: Demo) -> dict[str, Any]:
    rows = demo.api("/v1/people?role=unit_head&limit=500")["data"]
    head: dict[str, Any] = next(r for r in rows if r["scope"] == ["dpmptsp"] and r["revoked"] is None)
    return head


def test_the_header_search_finds_a_person_and_their_page(page: Any, demo: Demo, console: Console) -> None:
    head = _a_unit_head(demo)
    page.goto(f"{demo.url}/units")
    page.fill("#q-header", head["name"].upper())
    page.press("#q-header", "Enter")
    page.wait_for_url("**/search?q=*")
    assert "Cari" in page.title()  # Indonesian first
    screenshot(page, "search")
    page.click(f'a[href="/people/{head["fingerprint"]}"]')
    page.wait_for_url(f"**/people/{head['fingerprint']}")
    text = page.inner_text("main")
    assert head["name"] in text and "Pakta integritas" in text and "masih berlaku" in text
    screenshot(page, "person")
    assert console.errors == []


def test_the_directory_and_a_signer_by_name(page: Any, demo: Demo, console: Console) -> None:
    page.goto(f"{demo.url}/people?role=regent&lang=en")
    text = page.inner_text("main")
    assert "People and keys" in text and text.count("revoked") >= 2  # two regents' keys were revoked
    screenshot(page, "people")
    head = _a_unit_head(demo)
    page.goto(f"{demo.url}/oversight/signer?lang=en")
    page.fill("#f-signer", head["name"])
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert head["name"] in page.inner_text("main") and "Signer activity" in page.title()
    assert console.errors == []


def test_the_header_search_on_a_phone(browser: Any, demo: Demo) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    context.add_cookies([token_cookie(demo, demo.token)])
    try:
        page = context.new_page()
        for path, name in (("/search?q=kecamatan", "search"), ("/people", "people")):
            page.goto(demo.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{path} is {overflow}px wider than a phone"
            screenshot(page, f"phone-{name}")
    finally:
        context.close()
