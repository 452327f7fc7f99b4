"""Every page loads in Chromium with the expected content for named demo units, in both languages,
with no script or style blocked by the CSP, rendered in under a second; screenshots of the main pages."""

from __future__ import annotations

import re
import shlex
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Console, Demo, run_cli, screenshot

CSP = "default-src 'none'; script-src 'self'; style-src 'self'"


def designation_index(demo: Demo) -> int:
    """The leaf index of the minister's designation of DPMPTSP (the 2021 batch decree; its last stage change)."""
    return int(demo.api("/v1/units/dpmptsp")["data"]["stage_index"])


def expected_pages(demo: Demo, lang: str) -> list[tuple[str, str, list[str]]]:
    """(path, screenshot name, texts the page must show) for each page, in `lang`."""
    designated = designation_index(demo)
    en = lang == "en"
    return [
        (
            "/",
            "overview",
            [
                "Overview" if en else "Ikhtisar",
                "Units by stage" if en else "Unit menurut tahap",
                "6,495" if en else "6.495",
            ],
        ),
        (
            "/units?predicate=wbk&sort=name",
            "units",
            [
                "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
                "Dinas Kependudukan dan Pencatatan Sipil",
                "Designated" if en else "Ditetapkan",
            ],
        ),
        (
            "/units/dpmptsp",
            "unit-dpmptsp",
            ["Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "Designated" if en else "Ditetapkan", "WBK"],
        ),
        (
            "/units/fiktif-dinas-a",  # an invented unit: its WBK revoked in 2025, barred from proposals
            "unit-fiktif-dinas-a",
            [
                "Dinas Contoh A (unit fiktif)",
                "Barred until" if en else "Tidak boleh diusulkan sampai",
                "16 June 2027" if en else "16 Juni 2027",
                "Finding" if en else "Temuan",
                "Witness attestations" if en else "Kesaksian pencanangan",
            ],
        ),
        (
            f"/records/{designated}",
            "record",
            [
                f"Record {designated}" if en else f"Catatan {designated}",
                "Stage changed" if en else "Tahap berubah",
                "Minister" if en else "Menteri PANRB",
                "8 December 2021, 10:00 WIB" if en else "8 Desember 2021 10.00 WIB",
                "Inclusion proof" if en else "Bukti inklusi",
            ],
        ),
        (
            "/oversight/stalled",
            "oversight-stalled",
            ["Stalled units" if en else "Unit yang tertahan", "Dinas Perpustakaan dan Kearsipan"],
        ),
        (
            "/oversight/pact-gaps",
            "oversight-pact-gaps",
            ["Pact gaps" if en else "Kekurangan pakta", "Dinas Contoh B (unit fiktif)", "50.0%" if en else "50,0%"],
        ),
        (
            "/oversight/remediation",
            "oversight-remediation",
            ["Open remediation" if en else "Perbaikan terbuka", "Dinas Contoh B (unit fiktif)"],
        ),
        (
            "/oversight/failed-reviews",
            "oversight-failed-reviews",
            [
                "Failed reviews" if en else "Penilaian tidak lulus",
                "Dinas Contoh B (unit fiktif)",
            ],
        ),
        (
            "/log",
            "log",
            [demo.trust["verifier_key"], "Verify offline with the command line" if en else "Verifikasi luring"],
        ),
        ("/verify", "verify", ["Check a record bundle offline" if en else "Periksa bundel catatan secara luring"]),
    ]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_pages_show_named_units_in_both_languages(page: Any, demo: Demo, console: Console, lang: str) -> None:
    for path, name, texts in expected_pages(demo, lang):
        separator = "&" if "?" in path else "?"
        response = page.goto(f"{demo.url}{path}{separator}lang={lang}")
        assert response is not None and response.status == 200, path
        assert response.headers["content-security-policy"].startswith(CSP), path
        assert page.locator("html").get_attribute("lang") == lang
        body = page.inner_text("body")
        for text in texts:
            assert text in body, f"{path} ({lang}) does not show {text!r}"
        screenshot(page, f"{name}-{lang}")
    assert console.errors == [], console.errors


def test_units_filter_and_sort(page: Any, demo: Demo) -> None:
    page.goto(f"{demo.url}/units?lang=en")
    page.select_option("#f-stage", "declared")
    page.click("form.filters button[type=submit]")
    rows = page.locator("table.units tbody tr")
    assert rows.count() == 1
    assert "Kecamatan Contoh (unit fiktif)" in rows.first.inner_text()

    page.goto(f"{demo.url}/units?sort=coverage")
    first = page.locator("table.units tbody tr").first.inner_text()
    assert "Dinas Contoh B (unit fiktif)" in first  # the lowest coverage, 50 %
    # 51 units, 25 a page: the third page holds the last one.
    page.goto(f"{demo.url}/units")
    assert "1–25" in page.inner_text(".pager")
    page.click(".pager a[rel=next]")
    assert page.locator("table.units tbody tr").count() == 25
    page.click(".pager a[rel=next]")
    assert page.locator("table.units tbody tr").count() == 1


def test_unit_history_paginates(page: Any, demo: Demo) -> None:
    page.goto(f"{demo.url}/units/rsud-soetijono")
    assert page.locator("ol.timeline li").count() == 50
    page.click(".pager a[rel=next]")
    assert re.search(r"51–100", page.inner_text(".pager"))
    first = page.locator("ol.timeline li .idx a").first
    index = first.inner_text().lstrip("#")
    first.click()
    page.wait_for_url(f"**/records/{index}")


def test_language_switch_is_visible_and_remembered(anonymous: Any, demo: Demo) -> None:
    anonymous.goto(f"{demo.url}/log")
    assert anonymous.locator("h1").inner_text() == "Log"
    anonymous.click("text=English")
    assert anonymous.locator("h1").inner_text() == "The log"
    anonymous.goto(f"{demo.url}/verify")  # the cookie keeps the choice
    assert anonymous.locator("h1").inner_text() == "Check a record bundle offline"
    anonymous.click("text=Bahasa Indonesia")
    assert anonymous.locator("h1").inner_text() == "Periksa bundel catatan secara luring"


def test_oversight_filters_and_csv(page: Any, demo: Demo) -> None:
    page.goto(f"{demo.url}/oversight/stalled")
    page.fill("#f-days", "1000")
    page.click("form.filters button[type=submit]")
    body = page.inner_text("table")
    assert "Dinas Perpustakaan dan Kearsipan" in body  # stalled in building since 2019
    link = page.locator("a", has_text="Unduh CSV")
    href = link.get_attribute("href")
    assert href is not None and "days=1000" in href
    # The page's link carries its language: the file for people, in Indonesian (tests/api/test_reports_and_feeds.py).
    assert "lang=id" in href
    response = page.request.get(demo.url + href)
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    text = response.body().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Kode unit,Nama unit,Jenis,Tahap,")
    assert "dinpusip,Dinas Perpustakaan dan Kearsipan,Dinas,Pembangunan," in text
    # Without `lang`, the answer's own keys and values, for programs, as before.
    response = page.request.get(demo.url + href.replace("&lang=id", "").replace("lang=id", ""))
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    text = response.body().decode("utf-8-sig")
    assert text.splitlines()[0] == "unit,type,stage,since,days,last_activity"
    assert "dinpusip,dinas,building" in text

    page.goto(f"{demo.url}/oversight/signer")
    assert "sidik jari" in page.inner_text("main").lower()
    root = demo.trust["root_fingerprint"]
    page.goto(f"{demo.url}/oversight/signer?signer={root}&lang=en")
    assert "root key" in page.inner_text("main")


def test_a_pages_printed_command_recomputes_its_digest_in_another_process(page: Any, demo: Demo) -> None:
    """What a reader sees, copied as it is: the command under a page's digest, run against the same
    ledger by the command line in its own process, prints that digest."""
    page.goto(f"{demo.url}/oversight/stalled?days=30&on=2022-05-01&lang=en")
    page.click(".pager a[rel=next]")
    page.wait_for_url("**page=2**")  # the second page, with its filters
    shown = [
        (page.locator(".digest code.hash").inner_text(), page.locator(".digest pre.cli").inner_text()),
    ]
    assert "stalled --days 30 --on 2022-05-01 --offset 25 --limit 25" in shown[0][1]
    page.goto(f"{demo.url}/units?predicate=none&sort=progress&page=2&lang=en")
    shown.append((page.locator(".digest code.hash").inner_text(), page.locator(".digest pre.cli").inner_text()))
    assert "units --predicate none --sort progress --offset 25 --limit 25" in shown[1][1]
    screenshot(page, "units-digest-en")
    for digest, command in shown:
        words = shlex.split(command)
        assert words[:4] == ["integritas", "views", "digest", "log"]
        assert run_cli("views", "digest", str(demo.ledger_dir), *words[4:]).split()[0] == digest
    # The negative twin: the first page's digest is another.
    first = run_cli("views", "digest", str(demo.ledger_dir), *shlex.split(shown[0][1])[4:-4], "--limit", "25")
    assert first.split()[0] != shown[0][0]


def test_error_pages_are_pages(page: Any, demo: Demo, console: Console) -> None:
    response = page.goto(f"{demo.url}/units/no-such-unit")
    assert response is not None and response.status == 404
    assert "Unit no-such-unit tidak terdaftar." in page.inner_text("main")
    response = page.goto(f"{demo.url}/records/99999999?lang=en")
    assert response is not None and response.status == 404
    assert "Record 99999999 is not in the log" in page.inner_text("main")
    response = page.goto(f"{demo.url}/no/such/page?lang=id")
    assert response is not None and response.status == 404
    assert "Tidak ditemukan" in page.inner_text("h1")
    response = page.goto(f"{demo.url}/units?stage=nonsense")
    assert response is not None and response.status == 400
    # The API keeps its problem documents.
    problem = httpx.get(f"{demo.url}/v1/units/no-such-unit", timeout=10)
    assert problem.headers["content-type"] == "application/problem+json"
    assert console.errors == [] or all("404" in e or "400" in e for e in console.errors)


def test_keyboard_reaches_skip_link_and_navigation(page: Any, demo: Demo) -> None:
    page.goto(f"{demo.url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_phone_layout(browser: Any, demo: Demo) -> None:
    from tests.browser.conftest import token_cookie

    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    context.add_cookies([token_cookie(demo, demo.token)])
    try:
        page = context.new_page()
        for path, name in (("/", "overview"), ("/units/fiktif-dinas-a", "unit-fiktif-dinas-a"), ("/units", "units")):
            page.goto(demo.url + path)
            # Nothing but the tables' own scrolling boxes is wider than the screen.
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{path} is {overflow}px wider than a phone"
            screenshot(page, f"phone-{name}")
    finally:
        context.close()


def test_every_page_renders_in_under_a_second(demo: Demo) -> None:
    headers = {"Authorization": f"Bearer {demo.token}"}
    paths = [path for path, _, _ in expected_pages(demo, "id")] + [
        "/units/rsud-soetijono?page=5",
        "/oversight/pact-gaps.csv",
        "/oversight",
    ]
    with httpx.Client(base_url=demo.url, headers=headers, timeout=10) as client:
        for path in paths:
            client.get(path)  # warm
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.elapsed.total_seconds() < 1.0, f"{path} took {response.elapsed.total_seconds():.2f}s"
