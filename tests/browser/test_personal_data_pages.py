"""The personal-data pages in Chromium (issue 15, rules edition 3), on a Blora demo ledger of their own
served by a real `integritas serve`: the administrator erases a person from the browser (the entry
signed with the key the device holds, the person found by employee number), after which a byte search
of the data directory and of the registered auditor export finds neither the name nor the number,
`integritas verify` passes and another person's data is untouched; the search page finds persons by
name for auditors, not for overseers; a signed-in key holder sees their own records, and only theirs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import _require_browser, run_cli, screenshot, serve
from tests.browser.test_writes import Device, sign_key_registration

BASIS = "Permintaan subjek data, UU 27/2022 pasal 8 (uji)"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    _require_browser()
    base = tmp_path_factory.mktemp("personal-pages")
    directory = base / "blora"
    run_cli("demo", str(directory))
    export = base / "auditor-export"
    run_cli("export", "--ledger", str(directory), str(export), "--auditor")
    tokens = {
        role: run_cli("tokens", "add", "--ledger", str(directory), f"Browser {role}", "--role", role)
        .strip()
        .splitlines()[-1]
        for role in ("auditor", "overseer")
    }
    with serve(directory) as url:
        yield {"url": url, "dir": directory, "base": base, "export": export, "tokens": tokens}


def employees(directory: Path) -> list[tuple[str, str, str]]:
    """(pseudonym, name, number) of demo employees whose name and number no other person's contains."""
    with sqlite3.connect(directory / "personal.sqlite") as db:
        rows = db.execute("SELECT person, name, number FROM persons ORDER BY person").fetchall()
    names = [row[1] for row in rows]
    numbers = [row[2] for row in rows if row[2]]
    return [
        row
        for row in rows
        if row[2]
        and "'" not in row[1]
        and sum(row[1] in n for n in names) == 1
        and sum(row[2] in n for n in numbers) == 1
    ]


def holding(needle: str, *roots: Path) -> list[str]:
    return sorted(
        str(path)
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and needle.encode() in path.read_bytes()
    )


def register(ledger: dict[str, Any], device: Device, role: str, name: str, number: str | None = None) -> str:
    """Register the device's key on the edition-3 log with the demo administrator's key, on the command
    line: the holder by pseudonym and commitment, the name (and number) kept beside the log. Its pseudonym."""
    directory, base = ledger["dir"], ledger["base"]
    disclosure = base / f"{device.fingerprint[:8]}.disclosure.json"
    number_option = [] if number is None else ["--number", number]
    person = json.loads(run_cli("personal", "commit", "--name", name, *number_option, "--out", str(disclosure)))
    body = {
        "public_key": device.public_key,
        "role": role,
        "scope": ["*"] if role == "administrator" else ["dpmptsp"],
        "holder": {"person": person["person"], "commitment": person["commitment"], "title": role},
    }
    submission = base / f"{device.fingerprint[:8]}.submission.json"
    submission.write_text(
        sign_key_registration(directory, directory / "demo-keys" / "administrator-blora.key", device, body)
    )
    run_cli("append", "--ledger", str(directory), str(submission), "--disclosure", str(disclosure))
    return str(person["person"])


def erase_in_page(admin: Device, typed: str) -> dict[str, str]:
    """Fill the erasure form with `typed` (a number or pseudonym), sign and send; the page's texts."""
    shown = admin.fill("personal_data.erased", {"person": typed, "basis": BASIS})
    found = admin.page.text_content("#f-person-found") or ""
    [signing_input] = shown
    assert '"kind":"personal_data.erased"' in signing_input and BASIS in signing_input
    admin.send(1)
    result = admin.page.wait_for_selector("#erasure-result")
    assert result is not None
    return {
        "found": found,
        "signed": signing_input,
        "result": result.text_content() or "",
        "done": result.get_attribute("data-done") or "",
        "after": admin.page.content(),
    }


def test_the_administrator_erases_a_person_from_the_browser(chromium: Any, ledger: dict[str, Any]) -> None:
    directory, export, url = ledger["dir"], ledger["export"], ledger["url"]
    (first, first_name, first_number), (second, second_name, second_number), kept = employees(directory)[:3]
    for needle in (first_name, first_number, second_name, second_number):
        assert holding(needle, directory) and holding(needle, export)
    admin = Device(chromium, url)
    try:
        admin.make_key("Admin PDP, laptop kantor")
        register(ledger, admin, "administrator", "Admin Penghapusan (fiktif)")
        admin.sign_in()

        # Found by employee number (a recorded read), shown before signing; the entry names the pseudonym only.
        page = erase_in_page(admin, first_number)
        assert first_name in page["found"] and first in page["found"]
        assert first in page["signed"] and first_name not in page["signed"] and first_number not in page["signed"]
        assert page["done"] == "true" and page["result"].startswith("Terhapus: log memuat penghapusan"), page
        assert first_name not in page["after"] and first_number not in page["after"]  # the page stops showing them
        assert admin.page.input_value("#f-person") == first
        screenshot(admin.page, "personal-data-erased-id")

        # In English, by pseudonym.
        admin.page.goto(url + "/write/personal_data.erased?lang=en")
        page = erase_in_page(admin, second)
        assert second_name in page["found"]
        assert page["done"] == "true" and page["result"].startswith(f"Erased: the log holds the erasure of {second}"), (
            page
        )
        screenshot(admin.page, "personal-data-erased-en")

        # Negative twins, on the field: a person erased already; a number no one holds. Nothing is signed.
        for typed, expected in (
            (first_number, "No personal data is held for that pseudonym or employee number."),
            (second, f"The personal data of {second} was erased already"),
            ("199901012099011999", "No personal data is held for that pseudonym or employee number."),
        ):
            admin.page.goto(url + "/write/personal_data.erased")
            admin.page.fill("#f-person", typed)
            admin.page.fill("#f-basis", BASIS)
            admin.page.click("#prepare")
            error = admin.page.wait_for_selector("#err-person:not([hidden])")
            assert error is not None and (error.text_content() or "").startswith(expected)
            assert admin.page.is_hidden("#preview")
        screenshot(admin.page, "personal-data-erasure-refused")
        unexpected = [e for e in admin.console.errors if "404 (Not Found)" not in e]
        assert unexpected == [], admin.console.errors
    finally:
        admin.close()

    # The byte search: event store and its WAL, view tables, personal.sqlite and its WAL, the export.
    for needle in (first_name, first_number, second_name, second_number):
        assert holding(needle, directory, export) == [], needle
    _, kept_name, kept_number = kept
    for needle in (kept_name, kept_number):
        assert str(directory / "personal.sqlite") in holding(needle, directory)
        assert holding(needle, export) == [str(export / "personal-data.json")]
    for source in (directory, export):
        report = json.loads(run_cli("verify", str(source), "--trust", str(directory / "trust.json"), "--json"))
        assert report["ok"], report


def test_the_search_page_finds_persons_by_name_for_auditors_only(chromium: Any, ledger: dict[str, Any]) -> None:
    url = ledger["url"]
    person, name, number = employees(ledger["dir"])[10]
    for role, shown in (("auditor", True), ("overseer", False)):
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        try:
            cookie = {"name": "integritas_token", "value": ledger["tokens"][role], "url": url, "httpOnly": True}
            context.add_cookies([cookie])
            page = context.new_page()
            page.goto(f"{url}/search?lang=en")
            page.fill("#q-main", name)
            with page.expect_navigation():
                page.press("#q-main", "Enter")
            if shown:
                item = page.wait_for_selector(f"#persons-found li[data-person='{person}']")
                assert item is not None and number in (item.text_content() or "")
            else:
                assert page.query_selector("#persons-found") is None
                assert number not in page.content() and person not in page.content()
            screenshot(page, f"search-persons-{role}")
        finally:
            context.close()
    reads = json.loads(run_cli("personal", "reads", "--ledger", str(ledger["dir"]), person))
    assert [(r["purpose"], r["reader"].split(" (")[0]) for r in reads] == [("search", "Browser auditor")]


def test_a_key_holder_sees_their_own_records_only(chromium: Any, ledger: dict[str, Any]) -> None:
    url = ledger["url"]
    employee = Device(chromium, url)
    stranger = Device(chromium, url)
    try:
        employee.make_key("Pegawai PDP")
        mine = register(ledger, employee, "employee", "Pegawai Akses Sendiri (fiktif)", "199912312024011001")
        stranger.make_key("Pegawai lain")
        theirs = register(ledger, stranger, "employee", "Pegawai Orang Lain (fiktif)", "199912312024011002")

        stranger.page.goto(url + "/personal-data/mine?lang=en")
        assert stranger.page.is_visible("#mine-signin")  # not signed in: nothing shown
        for device, own, other in (
            (employee, ("Pegawai Akses Sendiri (fiktif)", "199912312024011001", mine), "199912312024011002"),
            (stranger, ("Pegawai Orang Lain (fiktif)", "199912312024011002", theirs), "199912312024011001"),
        ):
            device.sign_in()
            device.page.click("#my-personal-data")
            device.page.wait_for_selector("#mine-data")
            assert device.page.text_content("#mine-name") == own[0]
            assert device.page.text_content("#mine-number") == own[1]
            assert own[2] in (device.page.text_content("#mine-data") or "")
            assert device.page.query_selector("#mine-entries tr[data-index]") is not None
            assert other not in device.page.content()
            screenshot(device.page, f"personal-data-mine-{own[2]}")
        reads = json.loads(run_cli("personal", "reads", "--ledger", str(ledger["dir"]), mine))
        assert [r["purpose"] for r in reads] == ["the data subject's access"]
    finally:
        employee.close()
        stranger.close()
