"""The read token: a page with entry contents asks for it once, a form keeps it in an HttpOnly,
SameSite=Strict cookie, and the contents show; public pages need none."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser.conftest import Demo, screenshot


def test_token_form_sets_a_cookie_and_shows_contents(anonymous: Any, demo: Demo) -> None:
    page = anonymous
    response = page.goto(f"{demo.url}/units/dpmptsp")
    assert response is not None and response.status == 401
    assert page.locator("h1").inner_text().startswith("Token baca diperlukan")
    assert "Dinas Penanaman Modal" not in page.inner_text("main")
    screenshot(page, "token-form-id")

    page.fill("#token", "itg_not-a-real-token")
    page.click("form.token-form button[type=submit]")
    assert "Token tidak berlaku" in page.inner_text("main")

    page.fill("#token", demo.token)
    page.click("form.token-form button[type=submit]")
    page.wait_for_url(f"{demo.url}/units/dpmptsp")
    assert "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu" in page.inner_text("h1")
    assert "Browser auditor" in page.inner_text("header")

    cookie = next(c for c in page.context.cookies() if c["name"] == "integritas_token")
    assert cookie["value"] == demo.token
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert "integritas_token" not in page.evaluate("document.cookie")  # scripts never see it

    # Forgetting it asks again.
    page.click("header form button")
    page.goto(f"{demo.url}/units/dpmptsp")
    assert page.locator("form.token-form").is_visible()


def test_public_pages_need_no_token(anonymous: Any, demo: Demo) -> None:
    for path in ("/log", "/verify"):
        response = anonymous.goto(demo.url + path)
        assert response is not None and response.status == 200, path
    for path in ("/log/trust.json", "/tlog/checkpoint", "/v1/entries/5/proof"):
        assert anonymous.request.get(demo.url + path).status == 200, path
    assert anonymous.request.get(demo.url + "/log/trust.json").json() == demo.trust
    for path in ("/", "/units", "/records/5", "/records/5/entry", "/oversight/stalled.csv", "/log/export"):
        response = httpx.get(demo.url + path, timeout=10)
        assert response.status_code == 401, path
        assert "text/html" in response.headers["content-type"]


def test_export_needs_an_auditor_or_operator(demo: Demo) -> None:
    cookies = {"integritas_token": demo.overseer_token}
    assert httpx.get(demo.url + "/log/export", cookies=cookies, timeout=10).status_code == 403
    assert httpx.get(demo.url + "/units/dpupr", cookies=cookies, timeout=10).status_code == 200  # overseers read
    with httpx.stream("GET", demo.url + "/log/export", cookies={"integritas_token": demo.token}, timeout=30) as r:
        assert r.status_code == 200 and r.headers["content-type"] == "application/gzip"


def test_token_form_refuses_another_site(demo: Demo) -> None:
    response = httpx.post(
        demo.url + "/token",
        data={"token": demo.token, "next": "/"},
        headers={"Origin": "https://evil.example"},
        timeout=10,
    )
    assert response.status_code == 403 and "set-cookie" not in response.headers
    response = httpx.post(demo.url + "/token", data={"token": demo.token, "next": "//evil.example/"}, timeout=10)
    assert response.status_code == 303 and response.headers["location"] == "/"
