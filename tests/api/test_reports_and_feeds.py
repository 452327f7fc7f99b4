"""Reports, CSV files for people and Atom feeds (issue 14, items 3 and 4), over the demo ledger.

CSV files: the stated columns in each language, percentages, WIB times, names beside ids, no JSON in a
cell, and the log size, root and digests after the table (their commands recompute the digests).
Feeds: valid Atom (feedparser), entries linking to record pages, tag URIs as ids; a feed without a
token, with a revoked one, or of an unknown question or unit fails clearly. Adverse examples use the
demo's `fiktif-` units only.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient

from api.web.i18n import Translator
from ledger.store.personal import PersonalDataStore
from tests.api.api_builder import DemoLog, Tokens, bearer
from tests.api.test_answer_digests import offline_digest

WIB_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PERCENT = re.compile(r"^\d{1,3}[.,]\d%$")


def sheet(response: Any) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """Header, table rows and the rows after the empty line of a CSV answer."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    blank = rows.index([])
    return rows[0], rows[1:blank], rows[blank + 1 :]


def basic(token: str, user: str = "overseer") -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


def column(header: list[str], rows: list[list[str]], name: str) -> list[str]:
    position = header.index(name)
    return [row[position] for row in rows]


def no_json(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("{", "[")), cell


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "id",
            [
                "Kode unit",
                "Nama unit",
                "Jenis",
                "Instansi pengusul",
                "Tahap",
                "Tahap sejak",
                "Jalur",
                "Predikat",
                "Cakupan pakta",
                "Pakta berlaku",
                "Jumlah pegawai",
            ],
        ),
        (
            "en",
            [
                "Unit id",
                "Unit name",
                "Type",
                "Agency",
                "Stage",
                "Stage since",
                "Track",
                "Predicate",
                "Pact coverage",
                "Valid pacts",
                "Headcount",
            ],
        ),
    ],
)
def test_the_units_csv_has_its_columns_in_the_pages_language(
    views_ready: TestClient,
    demo: DemoLog,
    demo_tokens: Tokens,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    expected: list[str],
) -> None:
    response = views_ready.get(f"/units.csv?lang={lang}&type=dinas", headers=bearer(demo_tokens.auditor))
    header, rows, tail = sheet(response)
    assert header[: len(expected)] == expected
    assert header[-3].endswith("(WIB)")  # last activity: WIB time, kind, record
    units = dict(zip(column(header, rows, expected[0]), column(header, rows, expected[1]), strict=True))
    assert units["fiktif-dinas-a"] == "Dinas Contoh A (unit fiktif)"
    assert set(column(header, rows, expected[2])) == {Translator(lang).label("type", "dinas")} != {"dinas"}
    assert all(PERCENT.match(cell) for cell in column(header, rows, expected[8])), column(header, rows, expected[8])
    assert ("," if lang == "id" else ".") in column(header, rows, expected[8])[0]
    assert all(DAY.match(cell) for cell in column(header, rows, expected[5]))
    assert all(WIB_TIME.match(cell) for cell in column(header, rows, header[-3]) if cell)
    no_json(rows)
    label_size, label_root = ("Ukuran log", "Hash akar") if lang == "id" else ("Log size", "Root hash")
    assert tail[0] == [label_size, str(demo.size)]
    assert tail[1][0] == label_root and tail[1][1] == response.headers["integritas-root-hash"]
    [(label, digest, command)] = tail[2:]
    assert label == "Digest" and response.headers["integritas-digest"] == digest
    assert response.headers["integritas-log-size"] == str(demo.size)
    assert offline_digest(capsys, command, demo.directory) == digest
    # The negative twin: the command on a shorter prefix gives another digest.
    earlier = command.replace(f"--at-size {demo.size} ", f"--at-size {demo.size - 1} ")
    assert offline_digest(capsys, earlier, demo.directory) != digest


def test_a_times_in_wib_are_seven_hours_after_the_logs_utc(views_ready: TestClient, demo_tokens: Tokens) -> None:
    unit = views_ready.get("/v1/units/fiktif-dinas-a/history?order=newest&limit=1", headers=bearer(demo_tokens.auditor))
    newest = unit.json()["data"][0]
    header, rows, _ = sheet(
        views_ready.get("/units/fiktif-dinas-a/history.csv?lang=en", headers=bearer(demo_tokens.auditor))
    )
    assert rows[0][header.index("Record")] == str(newest["index"])
    utc = newest["at"]  # e.g. 2026-11-02T03:15:00Z
    hour = (int(utc[11:13]) + 7) % 24
    assert rows[0][header.index("Time (WIB)")].endswith(f"{hour:02d}:{utc[14:16]}")


def test_a_units_history_csv_is_newest_first_filtered_by_kind_with_signers_names(
    views_ready: TestClient, demo: DemoLog, demo_tokens: Tokens, capsys: pytest.CaptureFixture[str]
) -> None:
    header, rows, tail = sheet(
        views_ready.get("/units/fiktif-dinas-a/history.csv?lang=id", headers=bearer(demo_tokens.auditor))
    )
    assert header == [
        "Catatan",
        "Waktu (WIB)",
        "Jenis",
        "Aliran",
        "Kode unit",
        "Nama unit",
        "Penanda tangan",
        "Peran",
        "Sidik jari",
        "Rincian",
    ]
    indices = [int(cell) for cell in column(header, rows, "Catatan")]
    assert indices == sorted(indices, reverse=True) and len(indices) > 50
    assert all(WIB_TIME.match(cell) for cell in column(header, rows, "Waktu (WIB)"))
    assert set(column(header, rows, "Nama unit")) == {"Dinas Contoh A (unit fiktif)"}
    assert all(column(header, rows, "Penanda tangan")), "every signer is named"
    no_json(rows)
    for _, digest, command in (row for row in tail if row[0] == "Digest"):
        assert "--order newest" in command
        assert offline_digest(capsys, command, demo.directory) == digest

    header, rows, _ = sheet(
        views_ready.get(
            "/units/fiktif-dinas-a/history.csv?lang=en&kind=oversight.noted", headers=bearer(demo_tokens.auditor)
        )
    )
    assert rows and set(column(header, rows, "Kind")) == {"Oversight note"}
    # A kind that does not exist is a clear 400, not an empty file.
    refused = views_ready.get("/units/fiktif-dinas-a/history.csv?kind=gossip", headers=bearer(demo_tokens.auditor))
    assert refused.status_code == 400
    unknown = views_ready.get("/units/kec-atlantis/history.csv", headers=bearer(demo_tokens.auditor))
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("lang", "unit_id", "unit_name", "checks"),
    [("id", "Kode unit", "Nama unit", "Syarat yang tidak terpenuhi"), ("en", "Unit id", "Unit name", "Failing checks")],
)
def test_an_oversight_csv_in_the_pages_language_names_units_and_flattens_lists(
    views_ready: TestClient, demo_tokens: Tokens, lang: str, unit_id: str, unit_name: str, checks: str
) -> None:
    header, rows, _ = sheet(
        views_ready.get(f"/oversight/failed-reviews.csv?lang={lang}", headers=bearer(demo_tokens.auditor))
    )
    assert header[:2] == [unit_id, unit_name]
    assert checks in header
    names = dict(zip(column(header, rows, unit_id), column(header, rows, unit_name), strict=True))
    assert names and all(unit.startswith("fiktif-") and name.endswith("(unit fiktif)") for unit, name in names.items())
    no_json(rows)
    header, rows, _ = sheet(
        views_ready.get(f"/oversight/pact-gaps.csv?lang={lang}", headers=bearer(demo_tokens.auditor))
    )
    ratio = next(h for h in header if h in ("Cakupan", "Coverage"))
    assert rows and all(PERCENT.match(cell) for cell in column(header, rows, ratio))


def test_the_units_page_offers_the_history_csv_and_the_report_in_its_language(
    views_ready: TestClient, demo_tokens: Tokens
) -> None:
    page = views_ready.get("/units/fiktif-dinas-a?lang=en&kind=case.opened", headers=bearer(demo_tokens.auditor))
    assert page.status_code == 200
    links = html.unescape(page.text)
    assert "/units/fiktif-dinas-a/history.csv?kind=case.opened&lang=en" in links
    assert "/units/fiktif-dinas-a/report?kind=case.opened&lang=en" in links
    assert "/feeds/units/fiktif-dinas-a.atom?lang=en" in links
    timeline = re.findall(r'<div class="what"><strong>([^<]+)</strong>', page.text)
    assert timeline and set(timeline) == {"Case opened"}


def test_a_unit_report_is_stamped_with_the_log_and_digests_that_recompute(
    views_ready: TestClient, demo: DemoLog, demo_tokens: Tokens, capsys: pytest.CaptureFixture[str]
) -> None:
    response = views_ready.get("/units/fiktif-dinas-a/report?lang=en", headers=bearer(demo_tokens.auditor))
    assert response.status_code == 200, response.text
    stamp = response.text[response.text.index('class="stamp"') :]
    assert f"<dd>{demo.size:,}</dd>" in stamp
    printed = re.findall(r'<code class="hash">([0-9a-f]{64})</code></p>\s*<pre class="cli">([^<]*)</pre>', stamp)
    assert len(printed) == 2  # the status and the history
    for digest, command in printed:
        assert offline_digest(capsys, html.unescape(command), demo.directory) == digest
    assert views_ready.get("/units/kec-atlantis/report", headers=bearer(demo_tokens.auditor)).status_code == 404


def test_an_oversight_report_prints_its_filters_every_row_and_the_stamp(
    views_ready: TestClient, demo: DemoLog, demo_tokens: Tokens, capsys: pytest.CaptureFixture[str]
) -> None:
    response = views_ready.get(
        "/oversight/stalled/report?days=30&type=dinas&lang=en", headers=bearer(demo_tokens.auditor)
    )
    assert response.status_code == 200, response.text
    assert "<dt>Days stalled at least</dt><dd>30</dd>" in response.text or ">30</dd>" in response.text
    assert f"<dt>Type</dt><dd>{Translator('en').label('type', 'dinas')}</dd>" in response.text
    page = views_ready.get("/oversight/stalled?days=30&type=dinas&lang=id", headers=bearer(demo_tokens.auditor))
    total = int(re.search(r"Menampilkan 1–\d+ dari (\d+)", page.text).group(1))  # type: ignore[union-attr]
    assert response.text.count('<a href="/units/') == total  # every row, not a page of them
    printed = re.findall(
        r'<code class="hash">([0-9a-f]{64})</code></p>\s*<pre class="cli">([^<]*)</pre>', response.text
    )
    [(digest, command)] = printed
    assert "stalled --days 30 --type dinas" in html.unescape(command)
    assert offline_digest(capsys, html.unescape(command), demo.directory) == digest
    assert views_ready.get("/oversight/gossip/report", headers=bearer(demo_tokens.auditor)).status_code == 404


def test_an_oversight_page_with_a_bad_filter_shows_the_error_and_the_form_with_the_values(
    views_ready: TestClient, demo_tokens: Tokens
) -> None:
    response = views_ready.get("/oversight/stalled?days=lama&type=dinas&lang=en", headers=bearer(demo_tokens.auditor))
    assert response.status_code == 400
    assert "days: not a whole number" in response.text
    assert '<form class="filters"' in response.text
    assert 'name="days" type="number" min="0" max="36500" inputmode="numeric" value="lama"' in response.text
    assert '<option value="dinas" selected>' in response.text


# --- feeds ------------------------------------------------------------------------------------------------


def test_an_oversight_feed_is_atom_a_feed_reader_parses_with_entries_linking_to_records(
    views_ready: TestClient, demo_tokens: Tokens
) -> None:
    response = views_ready.get("/feeds/oversight/failed-reviews.atom?lang=en", headers=basic(demo_tokens.overseer))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.id.startswith("tag:") and feed.feed.id.endswith("/feeds/oversight/failed-reviews")
    assert any(link.rel == "self" for link in feed.feed.links)
    assert feed.entries
    for entry in feed.entries:
        assert re.fullmatch(r"tag:[a-z0-9.-]+,\d{4}-\d{2}-\d{2}:.*/records/\d+", entry.id), entry.id
        assert re.fullmatch(r"http://testserver/records/\d+", entry.link), entry.link
        assert entry.updated_parsed is not None
        assert "fiktif-" in entry.title
        record = views_ready.get(entry.link.removeprefix("http://testserver"), headers=bearer(demo_tokens.auditor))
        assert record.status_code == 200
    # Stable: the same log gives the same ids again.
    again = feedparser.parse(
        views_ready.get("/feeds/oversight/failed-reviews.atom", headers=basic(demo_tokens.overseer)).content
    )
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]


def test_a_stalled_feed_has_the_day_each_unit_crossed_the_threshold(
    views_ready: TestClient, demo_tokens: Tokens
) -> None:
    feed = feedparser.parse(
        views_ready.get("/feeds/oversight/stalled.atom?days=1000", headers=basic(demo_tokens.overseer)).content
    )
    assert not feed.bozo and feed.entries
    for entry in feed.entries:
        assert "/stalled/" in entry.id and entry.id.endswith("/1000")
        assert re.fullmatch(r"http://testserver/units/[a-z0-9-]+", entry.link)


def test_a_units_feed_has_its_failed_reviews_cases_notes_and_revocation(
    views_ready: TestClient, demo_tokens: Tokens
) -> None:
    response = views_ready.get("/feeds/units/fiktif-dinas-a.atom?lang=en", headers=basic(demo_tokens.overseer))
    assert response.status_code == 200, response.text
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    kinds = {entry.tags[0].term for entry in feed.entries}
    assert {"case.opened", "oversight.noted", "predicate.revoked"} <= kinds, kinds
    designated = [entry for entry in feed.entries if entry.tags[0].term == "stage.advanced"]
    assert designated and all("Designated" in entry.title for entry in designated)
    # fiktif-dinas-b failed its LKE twice: both reviews are in its feed, and nothing it passed.
    failed = feedparser.parse(
        views_ready.get("/feeds/units/fiktif-dinas-b.atom?lang=en", headers=basic(demo_tokens.overseer)).content
    )
    reviews = [entry for entry in failed.entries if entry.tags[0].term == "assessment.reviewed"]
    assert len(reviews) == 2 and all("Failed" in entry.title for entry in reviews)
    for entry in feed.entries:
        if entry.tags[0].term != "stalled":
            assert re.fullmatch(r"http://testserver/records/\d+", entry.link)
    newest = [entry.updated_parsed for entry in feed.entries]
    assert newest == sorted(newest, reverse=True)
    assert feed.feed.updated_parsed == newest[0]


@pytest.mark.parametrize("path", ["/feeds/oversight/failed-reviews.atom", "/feeds/units/fiktif-dinas-a.atom"])
def test_a_feed_without_a_valid_token_is_401_with_a_basic_challenge(
    views_ready: TestClient, demo_tokens: Tokens, path: str
) -> None:
    for headers in ({}, basic(demo_tokens.revoked), basic("itg_not-a-token"), {"authorization": "Basic %%%"}):
        response = views_ready.get(path, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "unauthorized"
        assert response.headers["www-authenticate"].startswith('Basic realm="integritas feeds"')
    # The token is never taken from the URL.
    assert views_ready.get(f"{path}?token={demo_tokens.overseer}").status_code == 401
    # A bearer header works too (programs).
    assert views_ready.get(path, headers=bearer(demo_tokens.auditor)).status_code == 200


def test_a_feed_of_an_unknown_question_or_unit_is_a_clear_404(views_ready: TestClient, demo_tokens: Tokens) -> None:
    question = views_ready.get("/feeds/oversight/gossip.atom", headers=basic(demo_tokens.overseer))
    assert question.status_code == 404 and question.json()["code"] == "unknown_query"
    unit = views_ready.get("/feeds/units/kec-atlantis.atom", headers=basic(demo_tokens.overseer))
    assert unit.status_code == 404 and unit.json()["code"] == "unknown_unit"
    bad = views_ready.get("/feeds/oversight/stalled.atom?days=lama", headers=basic(demo_tokens.overseer))
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_parameter"


# --- the log's recent entries -----------------------------------------------------------------------------


def test_the_public_log_lists_recent_entries_without_an_employees_number(
    views_ready: TestClient, demo: DemoLog, demo_tokens: Tokens
) -> None:
    from ledger.entry import parse_leaf

    index = max(i for i, leaf in enumerate(demo.leaves) if parse_leaf(leaf).entry.kind == "pact.signed")
    entry = parse_leaf(demo.leaves[index]).entry
    unit, number = entry.stream.split("/")[1:3]
    page = (demo.size - 1 - index) // 50 + 1
    views_ready.cookies.clear()
    public = views_ready.get(f"/log?page={page}&lang=en")
    assert public.status_code == 200
    assert f'<a class="record" href="/records/{index}">#{index}</a>' in public.text
    assert f"<code>pact/{unit}/…</code>" in public.text
    # Rules edition 3: the stream names a pseudonym, and the name is only in the personal-data store.
    with PersonalDataStore(demo.directory) as personal:
        held = personal.get(entry.body["employee"]["person"])
    assert held is not None and held.data.number is not None
    assert number not in public.text and held.data.name not in public.text and held.data.number not in public.text
    rows = re.findall(r'<a class="record" href="/records/(\d+)">', public.text)
    assert [int(r) for r in rows] == sorted((int(r) for r in rows), reverse=True) and len(rows) == 50
    # A reader with a token sees the whole stream, as the record page shows it.
    reader = views_ready.get(f"/log?page={page}&lang=en", headers=bearer(demo_tokens.overseer))
    assert f"<code>{entry.stream}</code>" in reader.text


def test_the_units_page_with_a_bad_filter_shows_the_error_and_the_form(
    views_ready: TestClient, demo_tokens: Tokens
) -> None:
    response = views_ready.get("/units?type=dinas&sort=umur&lang=en", headers=bearer(demo_tokens.auditor))
    assert response.status_code == 400
    assert "sort: not one of the choices" in response.text
    assert '<form class="filters"' in response.text and '<option value="dinas" selected>' in response.text
    page = views_ready.get("/units?type=dinas&page=2&lang=en", headers=bearer(demo_tokens.auditor))
    assert 'href="/units.csv?type=dinas&amp;lang=en"' in page.text
