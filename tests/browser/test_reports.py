"""Printed reports in Chromium (issue 14): a report printed to PDF (`page.pdf()`, print media) shows no
navigation, header tools, forms or buttons and carries the log size, digest and its command; an
ordinary page prints without its navigation too. The feed link of an oversight page opens in a feed
reader with the token sent by HTTP Basic authentication."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path
from typing import Any

import feedparser
import httpx
from pypdf import PdfReader

from tests.browser.conftest import SCREENSHOTS, Console, Demo, screenshot

# Words of the navigation, header tools, forms and buttons only (not of a label a report may print).
NAVIGATION = ("Ikhtisar", "Langsung ke isi", "Periksa bundel", "Lupakan token", "Masuk sebagai", "Terapkan", "Cetak")


def printed_text(page: Any, name: str) -> str:
    """The page printed to PDF by Chromium (print media, A4), kept beside the screenshots, as text."""
    pdf = page.pdf(format="A4", print_background=False)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    Path(SCREENSHOTS / f"{name}.pdf").write_bytes(pdf)
    page.emulate_media(media="print")  # and the top of the printed page, to look at
    page.screenshot(path=str(SCREENSHOTS / f"{name}-print.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 1400})
    page.emulate_media(media="screen")
    text = "\n".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages)
    return unicodedata.normalize("NFKC", text)  # the font's ligatures ("ﬁ") as letters


def test_a_unit_report_prints_without_navigation_and_carries_its_digests(
    page: Any, demo: Demo, console: Console
) -> None:
    page.goto(f"{demo.url}/units/fiktif-dinas-a/report?lang=id")
    assert page.locator("button[data-print]").is_visible()  # on screen, a button to print
    screenshot(page, "report-unit-fiktif-dinas-a")
    digests = page.locator(".stamp code.hash").all_inner_texts()
    commands = page.locator(".stamp pre.cli").all_inner_texts()
    assert len(digests) == 3 and len(commands) == 2  # the root hash, then the status's and the history's digests
    text = printed_text(page, "report-unit-fiktif-dinas-a")
    flat = re.sub(r"\s+", "", text)
    for word in NAVIGATION:
        assert word not in text, word
    assert "Laporan: Dinas Contoh A (unit fiktif)" in text
    assert "6.495" in text  # the log size
    for digest in digests:
        assert digest in flat, digest  # a hash may wrap across lines on paper
    for command in commands:
        assert re.sub(r"\s+", "", command) in flat
    assert console.errors == []


def test_an_oversight_report_prints_its_filters_rows_and_digest(page: Any, demo: Demo, console: Console) -> None:
    page.goto(f"{demo.url}/oversight/stalled?days=1000&lang=en")
    page.click("text=Printable report")
    page.wait_for_url("**/oversight/stalled/report?days=1000&lang=en")
    digest = page.locator(".stamp .digest code.hash").inner_text()
    text = printed_text(page, "report-oversight-stalled")
    words = " ".join(text.split())  # a name may wrap inside a table cell
    assert "Report: Stalled units" in words
    assert "Dinas Perpustakaan dan Kearsipan" in words  # stalled in building since 2019
    assert "Stalled for at least (days) 1000" in words  # the filter, in words
    assert digest in re.sub(r"\s+", "", text)
    for word in ("Overview", "Check a bundle", "Forget token", "Signed in as", "Apply", "Download CSV", "Print\n"):
        assert word not in text, word
    assert console.errors == []


def test_every_page_prints_without_its_navigation(page: Any, demo: Demo) -> None:
    page.goto(f"{demo.url}/units/dpupr?lang=id")
    on_screen = page.inner_text("body")
    assert "Periksa bundel" in on_screen and "Terapkan" in on_screen
    text = printed_text(page, "print-unit-dpupr")
    assert "Riwayat" in text
    for word in ("Periksa bundel", "Ikhtisar", "Terapkan", "Lupakan token", "Unduh CSV"):
        assert word not in text, word
    assert re.search(r"/records/\d+", text), "a record's address is printed beside its link"


def test_the_feed_link_of_an_oversight_page_opens_in_a_feed_reader_with_basic_auth(page: Any, demo: Demo) -> None:
    page.goto(f"{demo.url}/oversight/failed-reviews?lang=en")
    href = page.locator("a", has_text="Atom feed").get_attribute("href")
    assert href == "/feeds/oversight/failed-reviews.atom?lang=en"  # no token in it
    assert httpx.get(demo.url + href, timeout=10).status_code == 401
    response = httpx.get(demo.url + href, auth=("kajari", demo.overseer_token), timeout=10)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo and feed.entries
    record = feed.entries[0].link
    assert re.fullmatch(re.escape(demo.url) + r"/records/\d+", record)
    assert "Failed reviews" in feed.feed.title or "review" in feed.feed.title.lower()
    page.goto(record)
    assert page.locator("h1").inner_text().startswith("Record")
