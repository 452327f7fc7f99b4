"""Pages of a rules-edition-2 ledger in Chromium (tests/projections/edition_2.py, served by `integritas
serve`): the open-cases question, and the unit pages of a designated unit with an open case and of a
unit whose WBK was revoked while it built toward WBBM. Both languages; every fictional unit carries its
badge; nothing the CSP blocks. Screenshots in test-artifacts/screenshots/edition-2-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser.conftest import Console, _require_browser, run_cli, screenshot, serve
from tests.projections import edition_2 as story


@dataclass(frozen=True)
class Site:
    url: str
    token: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _require_browser()
    ledger_dir = tmp_path_factory.mktemp("browser-edition-2") / "ledger"
    story.build(ledger_dir, story.edition_2_story)
    token = run_cli("tokens", "add", "--ledger", str(ledger_dir), "Browser auditor", "--role", "auditor")
    with serve(ledger_dir) as url:
        yield Site(url, token.strip().splitlines()[-1])


@pytest.fixture
def tab(browser: Any, site: Site, console: Console) -> Iterator[Any]:
    """A page of the session's Chromium (one Playwright per process) holding the site's read token."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": "integritas_token", "value": site.token, "url": site.url, "httpOnly": True, "sameSite": "Strict"}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    console.attach(page)
    try:
        yield page
    finally:
        context.close()


def _open(tab: Any, site: Site, path: str, lang: str) -> str:
    separator = "&" if "?" in path else "?"
    response = tab.goto(f"{site.url}{path}{separator}lang={lang}")
    assert response is not None and response.status == 200, path
    assert tab.locator("html").get_attribute("lang") == lang
    return str(tab.inner_text("body"))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_open_cases_question(tab: Any, site: Site, console: Console, lang: str) -> None:
    en = lang == "en"
    body = _open(tab, site, "/oversight/open-cases", lang)
    row = tab.locator("table tbody tr")
    assert row.count() == 1  # the closed case, and the unit that lost its predicate, are not listed
    text = row.first.inner_text()
    for expected in (
        f"Unit {story.DESIGNATED}",
        "fictional unit" if en else "unit fiktif",
        "Menuju WBK",  # the predicate's official name, in both languages
        "2023-01",
        "Investigation" if en else "Penyidikan",
        "An employee" if en else "Pegawai",
        "Kejaksaan Negeri Blora",
    ):
        assert expected in text, f"open-cases ({lang}) row does not show {expected!r}"
    assert ("Designated units with an open case" if en else "Unit berpredikat dengan perkara terbuka") in body
    assert "integritas views digest log --at-size" in body and "open-cases" in body
    screenshot(tab, f"edition-2-open-cases-{lang}")
    assert console.errors == [], console.errors


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_page_of_a_unit_whose_wbk_was_revoked(tab: Any, site: Site, console: Console, lang: str) -> None:
    en = lang == "en"
    body = _open(tab, site, f"/units/{story.REVOKED}", lang)
    assert ("fictional unit" if en else "unit fiktif") in tab.inner_text("h1")  # the badge
    for expected in (
        "Revoked" if en else "Dicabut",
        "Suspect named" if en else "Ditetapkan sebagai tersangka",
        story.BATCH_DECREE["number"],
        story.REVOCATION_DECREE["number"],
        "Designation" if en else "Penetapan",
        "Revocation" if en else "Pencabutan",
        "Barred until" if en else "Tidak boleh diusulkan sampai",
        "19 February 2025" if en else "19 Februari 2025",
        "Passed with notes" if en else "Lulus dengan catatan",
        "Surat pernyataan belum bermeterai",
        "Referred" if en else "Dilimpahkan",
        "Desk evaluation" if en else "Desk evaluasi",
        "Kejaksaan Negeri Blora",
    ):
        assert expected in body, f"unit {story.REVOKED} ({lang}) does not show {expected!r}"
    screenshot(tab, f"edition-2-unit-revoked-{lang}")
    assert console.errors == [], console.errors


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_page_of_a_designated_unit_with_an_open_case(tab: Any, site: Site, console: Console, lang: str) -> None:
    en = lang == "en"
    body = _open(tab, site, f"/units/{story.DESIGNATED}", lang)
    notes = tab.locator("section[aria-labelledby=notes-h]").inner_text()
    # The notes card names who signed: the holder of the key and the office it was registered for.
    assert "Kejaksaan Negeri Blora" in notes and "kajari" in notes
    assert ("Signed by" if en else "Ditandatangani oleh") in notes
    cases = tab.locator("section[aria-labelledby=cases-h]").inner_text()
    assert ("open" if en else "terbuka") in cases.lower() and "2023-01" in cases
    for expected in ("Menuju WBK", "Maintained" if en else "Terjaga", "Open cases" if en else "Perkara terbuka"):
        assert expected in body, f"unit {story.DESIGNATED} ({lang}) does not show {expected!r}"
    screenshot(tab, f"edition-2-unit-open-case-{lang}")
    assert console.errors == [], console.errors


def test_the_fictional_badge_on_every_page_naming_such_a_unit(tab: Any, site: Site) -> None:
    for path in ("/units", "/oversight/lapsed", "/oversight/barred", "/oversight/stalled?days=0", "/"):
        _open(tab, site, path, "en")
        links = tab.locator(f"a[href='/units/{story.LAPSED}']")
        if path == "/oversight/barred":
            links = tab.locator(f"a[href='/units/{story.REVOKED}']")
        assert links.count() >= 1, path
        cell = links.first.locator("xpath=..")
        assert "fictional unit" in cell.inner_text().lower(), path
    _open(tab, site, "/units", "en")
    real = tab.locator(f"a[href='/units/{story.BUILDING}']").first.locator("xpath=..")
    assert "fictional" not in real.inner_text().lower()  # a unit not named fiktif- has no badge


def test_the_proposals_question_per_cycle(tab: Any, site: Site, console: Console) -> None:
    body = _open(tab, site, "/oversight/proposals", "id")
    assert "Usulan per siklus" in body and "instansi buku besar ini" in body
    rows = tab.locator("table tbody tr")
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())] == ["2022", "2023"]
    cells = rows.first.locator("td")
    # Cycle 2022: quota 5, four proposals, one left; two designated, two lapsed.
    assert [cells.nth(i).inner_text() for i in (2, 3, 4, 5, 8)] == ["5", "4", "1", "2", "2"]
    screenshot(tab, "edition-2-proposals-id")
    assert console.errors == [], console.errors


def test_the_unmonitored_question_says_its_year(tab: Any, site: Site) -> None:
    body = _open(tab, site, "/oversight/unmonitored", "en")
    assert "Monitoring in 2023, the year of the log's last entry." in body
    assert "Nothing to show." in body  # the designated unit was monitored in 2023
    body = _open(tab, site, "/oversight/unmonitored?year=2024", "id")
    assert "Pemantauan tahun 2024." in body
    assert f"Unit {story.DESIGNATED}" in tab.locator("table tbody").inner_text()
    response = tab.goto(f"{site.url}/oversight/unmonitored?year=1999&lang=en")
    assert response is not None and response.status == 400  # out of range: a page naming the field
    assert "year: not a whole number" in tab.inner_text("body")
