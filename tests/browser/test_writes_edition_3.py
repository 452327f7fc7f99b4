"""Writing persons from the browser on a rules-edition-3 log (issue 15 with issue 13's forms), end to end.

A fresh ledger (`integritas init --rules 3`) served by a real `integritas serve`; Debian's Chromium
through Playwright, every person's key made in their own browser (tests/browser/test_writes.py's
`Device`). The administrator registers keys and the registrar records pacts with the person named by
pseudonym and commitment made in the page (static/persons.js), the data sent beside the entry: a new
employee's pact, key registrations (a new holder, a new employee, a known employee found by number),
an employee's own pact (the key's holder as logged, no data sent), the registrar's yearly re-signing
of a known employee found by number (the lookup recorded as a read) and a roster batch mixing known
and new employees. After each write: no name or number in any leaf, nor anywhere in the data
directory outside the personal-data store; the store opens every commitment the log carries. At the
end `integritas verify` passes and checks every person. Negative twins: a wrong name for a known
number is refused (`employee_name_differs`) and records nothing; an altered commitment is refused
(`personal_data_mismatch`), appends nothing and keeps nothing. And the page's commitment code against
the contract's vector.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.errors import VerificationFailed
from ledger.personal import Disclosure, verify_disclosure
from ledger.store.personal import PERSONAL_FILE, PersonalDataStore
from tests.browser.conftest import _require_browser, run_cli, screenshot, serve
from tests.browser.test_writes import (
    CONTEXT,
    Device,
    assert_signed_as_shown,
    entry_at,
    sign_key_registration_by_root,
)

ORIGIN = "uji-pribadi.integritas.example/log"
UNIT = "fiktif-uji-pribadi"
DISCLOSURES = "/v1/personal-data/disclosures"
# Everyone here is fictional; each name and number must never reach a leaf.
ADMIN = "Admin Uji Pribadi (fiktif)"
REGISTRAR = "Pencatat Uji Pribadi (fiktif)"
SITI = ("Siti Rekaan (fiktif)", "199001012020012001")
EKO = ("Eko Pegawai (fiktif)", "199202022020011002")
NEW = ("Nur Baru (fiktif)", "199303032021012003")
TAMPERED = ("Tono Ubah (fiktif)", "199404042021011004")
PERSONAL_FILES = {PERSONAL_FILE, PERSONAL_FILE + "-wal", PERSONAL_FILE + "-shm"}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    _require_browser()
    base = tmp_path_factory.mktemp("writes-3")
    directory = base / "ledger"
    run_cli(
        "init",
        str(directory),
        "--origin",
        ORIGIN,
        "--name",
        "Uji data pribadi (rekaan)",
        "--root-key",
        str(base / "root.key"),
        "--rules",
        "3",
    )
    auditor = run_cli("tokens", "add", "--ledger", str(directory), "Writes-3 auditor", "--role", "auditor")
    operator = run_cli("tokens", "add", "--ledger", str(directory), "Writes-3 operator", "--role", "operator")
    with serve(directory) as url:
        yield {
            "url": url,
            "dir": directory,
            "base": base,
            "root_key": base / "root.key",
            "token": auditor.strip().splitlines()[-1],
            "operator": operator.strip().splitlines()[-1],
        }


def size_of(ledger: dict[str, Any]) -> int:
    size: int = httpx.get(f"{ledger['url']}/v1/log").json()["size"]
    return size


def reads(ledger: dict[str, Any]) -> list[dict[str, str]]:
    response = httpx.get(
        f"{ledger['url']}/v1/personal-data/reads", headers={"Authorization": f"Bearer {ledger['operator']}"}
    )
    response.raise_for_status()
    result: list[dict[str, str]] = response.json()
    return result


def persons_logged(ledger: dict[str, Any]) -> dict[str, str]:
    """Every person the log names, pseudonym → commitment, read from its leaves."""
    persons: dict[str, str] = {}
    for index in range(size_of(ledger)):
        body = entry_at(ledger, index)["entry"]["body"]
        for member in ("employee", "holder"):
            if isinstance(body.get(member), dict) and "person" in body[member]:
                persons.setdefault(body[member]["person"], body[member]["commitment"])
    return persons


def assert_personal_data_only_in_the_store(ledger: dict[str, Any]) -> None:
    """No name or number in any leaf (the served leaves' bytes) nor in any file of the data directory
    but the personal-data store; the store opens every commitment the log carries."""
    secrets = [text.encode() for text in (ADMIN, REGISTRAR, *SITI, *EKO, *NEW, *TAMPERED)]
    for index in range(size_of(ledger)):
        leaf = httpx.get(
            f"{ledger['url']}/v1/entries/{index}", headers={"Authorization": f"Bearer {ledger['token']}"}
        ).content
        assert not [s for s in secrets if s in leaf], (index, leaf)
    for path in sorted(ledger["dir"].rglob("*")):
        if path.is_file() and path.name not in PERSONAL_FILES:
            data = path.read_bytes()
            assert not [s for s in secrets if s in data], path
    logged = persons_logged(ledger)
    with PersonalDataStore(ledger["dir"]) as personal:
        held = {d.person: d for d in personal.all()}
    assert set(held) == set(logged)  # the store holds nobody the log does not name, and everybody it does
    for person, commitment in logged.items():
        verify_disclosure(held[person], commitment)


def register_admin_by_root(ledger: dict[str, Any], device: Device) -> str:
    """The first administrator's key, by the root key on the command line (`personal commit`, `sign`),
    sent with its disclosure to the disclosures route; returns the holder's pseudonym."""
    disclosure_file = ledger["base"] / "admin-disclosure.json"
    committed = json.loads(run_cli("personal", "commit", "--name", ADMIN, "--out", str(disclosure_file)))
    body = {
        "public_key": device.public_key,
        "role": "administrator",
        "scope": ["*"],
        "holder": {**committed, "title": "Administrator"},
    }
    submission = sign_key_registration_by_root(ledger, device, body)
    document = {"submission": json.loads(submission), "disclosures": [json.loads(disclosure_file.read_text())]}
    response = httpx.post(ledger["url"] + DISCLOSURES, json=document)
    assert response.status_code == 201, response.text
    person: str = committed["person"]
    return person


def persons_shown(device: Device) -> list[tuple[str, str]]:
    """(pseudonym, held) of each person the preview says the entries name."""
    return [
        (person, held)
        for person, held in device.page.eval_on_selector_all(
            "#persons-sent .person-sent", "es => es.map(e => [e.dataset.person, e.dataset.held])"
        )
    ]


def type_in(device: Device, kind: str, values: dict[str, str]) -> None:
    """Open `kind`'s form and fill it, without asking for the preview (for a refusal in the page)."""
    device.page.goto(f"{device.url}/write/{kind}")
    for name, value in values.items():
        selector = "#f-" + name.replace(".", "-")
        if device.page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
            device.page.select_option(selector, value)
        else:
            device.page.fill(selector, value)


def body_at(ledger: dict[str, Any], index: int) -> dict[str, Any]:
    body: dict[str, Any] = entry_at(ledger, index)["entry"]["body"]
    return body


def test_persons_written_from_the_browser_on_an_edition_3_log(
    chromium: Any, ledger: dict[str, Any], tmp_path: Path
) -> None:
    url = ledger["url"]
    today = datetime.now(UTC).date().isoformat()
    written: list[tuple[int, str, Device, str]] = []
    devices: list[Device] = []

    def device(label: str) -> Device:
        made = Device(chromium, url)
        devices.append(made)
        made.make_key(label)
        return made

    def write(
        who: Device, kind: str, values: dict[str, str], expected: int = 1, roster: Path | None = None
    ) -> list[int]:
        shown = who.fill(kind, values, roster=roster)
        assert len(shown) == expected
        indices = who.send(expected)
        written.extend((index, text, who, kind) for index, text in zip(indices, shown, strict=True))
        assert_personal_data_only_in_the_store(ledger)
        return indices

    pact = {"unit": UNIT, "unit_name": "Dinas Uji Pribadi", "signed_on": today, "occasion": "declaration"}
    try:
        admin = device("Admin, laptop kantor")
        admin_person = register_admin_by_root(ledger, admin)
        admin.sign_in()
        write(
            admin,
            "unit.registered",
            {"unit": UNIT, "name": "Dinas Uji Pribadi (unit fiktif)", "type": "dinas", "headcount": "4"},
        )
        assert_personal_data_only_in_the_store(ledger)

        # A key registration of a new holder without a number: a new pseudonym, {name} committed.
        registrar = device(REGISTRAR)
        registration = {"role": "pact_registrar", "scope": UNIT, "holder.name": REGISTRAR, "holder.title": "Pencatat"}
        [index] = write(admin, "key.registered", {"public_key": registrar.public_key, **registration})
        holder = body_at(ledger, index)["holder"]
        assert set(holder) == {"person", "commitment", "title"} and holder["person"] != admin_person
        with PersonalDataStore(ledger["dir"]) as personal:
            held = personal.get(holder["person"])
        assert held is not None and held.data.to_json() == {"name": REGISTRAR}
        screenshot(admin.page, "write-3-key-registered")
        registrar.sign_in()

        # A new employee's pact by the registrar: the number is held for no one, so a new person.
        shown = registrar.fill("pact.signed", {**pact, "employee.name": SITI[0], "employee.number": SITI[1]})
        assert SITI[0] not in shown[0] and SITI[1] not in shown[0]  # the page shows what it signs: no name
        [(siti, held_flag)] = persons_shown(registrar)
        assert held_flag == "false" and f'"person":"{siti}"' in shown[0]
        screenshot(registrar.page, "write-3-new-employee-preview")
        [index] = registrar.send(1)
        written.append((index, shown[0], registrar, "pact.signed"))
        assert entry_at(ledger, index)["entry"]["stream"] == f"pact/{UNIT}/{siti}"
        assert_personal_data_only_in_the_store(ledger)
        screenshot(registrar.page, "write-3-new-employee-pact")

        # A new employee's key (a number held for no one): a new person; then a known employee's key
        # (Siti's number): the administrator's lookup finds her, and the holder is her pseudonym.
        eko = device(EKO[0])
        employee = {"role": "employee", "scope": UNIT, "holder.title": "Pegawai"}
        [index] = write(
            admin,
            "key.registered",
            {"public_key": eko.public_key, **employee, "holder.name": EKO[0], "holder.number": EKO[1]},
        )
        eko_person = body_at(ledger, index)["holder"]["person"]
        siti_device = device(SITI[0])
        before = reads(ledger)
        shown = admin.fill(
            "key.registered",
            {"public_key": siti_device.public_key, **employee, "holder.name": SITI[0], "holder.number": SITI[1]},
        )
        assert persons_shown(admin) == [(siti, "true")]
        [index] = admin.send(1)
        written.append((index, shown[0], admin, "key.registered"))
        assert body_at(ledger, index)["holder"]["person"] == siti
        [read] = reads(ledger)[len(before) :]
        assert (read["person"], read["purpose"]) == (siti, "key registration")
        assert_personal_data_only_in_the_store(ledger)

        # The employee's own pact: no name asked, the key's holder as logged, no data sent.
        eko.sign_in()
        eko.page.goto(f"{url}/write/pact.signed")
        assert eko.page.locator("#f-employee-name").count() == 0
        assert eko_person in (eko.page.text_content("#own-person") or "")
        shown = eko.fill("pact.signed", pact)
        assert persons_shown(eko) == [(eko_person, "true")]
        [index] = eko.send(1)
        written.append((index, shown[0], eko, "pact.signed"))
        assert_personal_data_only_in_the_store(ledger)
        assert body_at(ledger, index)["employee"] == {
            "person": eko_person,
            "commitment": persons_logged(ledger)[eko_person],
        }
        screenshot(eko.page, "write-3-own-pact")

        # The negative twin of the lookup: a wrong name for a known number is refused on the name
        # field, records no read and signs nothing.
        before, size = reads(ledger), size_of(ledger)
        type_in(registrar, "pact.signed", {**pact, "employee.name": "Siti Lain (fiktif)", "employee.number": SITI[1]})
        registrar.page.click("#prepare")
        error = registrar.page.wait_for_selector("#err-employee-name:not([hidden])")
        assert (error.text_content() or "").startswith("employee_name_differs: ")
        assert registrar.page.is_hidden("#preview")
        screenshot(registrar.page, "write-3-wrong-name")
        assert reads(ledger) == before and size_of(ledger) == size

        # The registrar's yearly re-signing of a known employee, found by number: the same
        # pseudonym and logged commitment, no data sent, the lookup recorded as a read.
        yearly = {**pact, "occasion": "yearly"}
        shown = registrar.fill("pact.signed", {**yearly, "employee.name": SITI[0], "employee.number": SITI[1]})
        assert persons_shown(registrar) == [(siti, "true")]
        [index] = registrar.send(1)
        written.append((index, shown[0], registrar, "pact.signed"))
        stored = entry_at(ledger, index)["entry"]
        assert stored["stream"] == f"pact/{UNIT}/{siti}" and stored["seq"] == 1
        [read] = reads(ledger)[len(before) :]
        assert (read["person"], read["record"], read["purpose"]) == (siti, f"pact/{UNIT}/{siti}", "pact registration")
        assert_personal_data_only_in_the_store(ledger)

        # A roster batch: two known employees (found by number) and a new one.
        roster = tmp_path / "roster.csv"
        roster.write_text(
            "number,name\n" + "".join(f"{number},{name}\n" for name, number in (SITI, EKO, NEW)), encoding="utf-8"
        )
        shown = registrar.fill("pact.signed", yearly, roster=roster)
        assert len(shown) == 3 and not [text for text in shown for secret in (*SITI, *EKO, *NEW) if secret in text]
        batch = persons_shown(registrar)
        assert batch[:2] == [(siti, "true"), (eko_person, "true")] and batch[2][1] == "false"
        screenshot(registrar.page, "write-3-roster-preview")
        indices = registrar.send(3)
        written.extend((index, text, registrar, "pact.signed") for index, text in zip(indices, shown, strict=True))
        assert [body_at(ledger, i)["employee"]["person"] for i in indices] == [p for p, _ in batch]
        assert_personal_data_only_in_the_store(ledger)
        screenshot(registrar.page, "write-3-roster")

        # A roster naming one number twice is refused in the page: one person, one pseudonym.
        twice = tmp_path / "twice.csv"
        twice.write_text(f"number,name\n{NEW[1]},{NEW[0]}\n{NEW[1]},{NEW[0]}\n", encoding="utf-8")
        size = size_of(ledger)
        type_in(registrar, "pact.signed", pact)
        registrar.page.set_input_files("#f-roster", str(twice))
        registrar.page.click("#prepare")
        error = registrar.page.wait_for_selector("#err-roster:not([hidden])")
        assert NEW[1] in (error.text_content() or "") and registrar.page.is_hidden("#preview")
        assert size_of(ledger) == size

        # The negative twin of the disclosure: the entry's commitment altered on its way to the server
        # (a new person's) is refused, shown on the name field; nothing appended, nothing kept.
        size = size_of(ledger)

        def alter(route: Any) -> None:
            document = json.loads(route.request.post_data)
            employee = document["submission"]["entry"]["body"]["employee"]
            employee["commitment"] = ("B" if employee["commitment"][0] != "B" else "C") + employee["commitment"][1:]
            route.continue_(post_data=json.dumps(document))

        registrar.page.route("**" + DISCLOSURES, alter)
        registrar.fill("pact.signed", {**pact, "employee.name": TAMPERED[0], "employee.number": TAMPERED[1]})
        [(tampered, _)] = persons_shown(registrar)
        registrar.page.click("#sign-send")
        error = registrar.page.wait_for_selector("#err-employee-name:not([hidden])")
        assert (error.text_content() or "").startswith("personal_data_mismatch: ")
        screenshot(registrar.page, "write-3-altered-commitment")
        registrar.page.unroute("**" + DISCLOSURES)
        assert size_of(ledger) == size
        with PersonalDataStore(ledger["dir"]) as personal:
            assert personal.get(tampered) is None
        assert_personal_data_only_in_the_store(ledger)

        for index, text, who, kind in written:
            assert_signed_as_shown(ledger, index, text, who, kind)
            assert text.startswith(CONTEXT)
        # The lookup's 404 (a new employee) and the two refusals are the failed requests Chromium logs.
        for person in devices:
            assert not [e for e in person.console.errors if "status of 404" not in e and "status of 422" not in e], (
                person.console.errors
            )
        report = run_cli("verify", url, "--trust", str(ledger["dir"] / "trust.json"), "--token", ledger["token"])
        assert " ".join(report.split()).startswith(f"OK server {url}: {size_of(ledger)} entries")
        offline = json.loads(
            run_cli("verify", str(ledger["dir"]), "--trust", str(ledger["dir"] / "trust.json"), "--json")
        )
        assert offline["persons_checked"] == len(persons_logged(ledger)) == 5, offline
    finally:
        for person in devices:
            person.close()


VECTOR = {
    # docs/contract/personal-data.md, "The commitment function": salt = bytes 0..31
    "salt": list(range(32)),
    "name": "Siti Aminah (fiktif)",
    "number": "198001012010012001",
    "commitment": "irdK+pwoa7xLWExOmjlM+HxbMnRl00JpqVYnlxnkZUI=",
    "without_number": "YpobOOp7NSEUOgXYQ8MTvqq7FMXGcHsSQfzdGXX4riU=",
}


def test_the_pages_commitment_is_the_contracts_vector(chromium: Any, ledger: dict[str, Any]) -> None:
    """static/persons.js in Chromium against the contract's vector (both data objects), with negative
    twins (another name, another number, another salt), and the pseudonyms and salts it makes."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(ledger["url"] + "/verify")
        got = page.evaluate(
            """async (vector) => {
              const persons = await import("/static/persons.js");
              const salt = new Uint8Array(vector.salt);
              const other = new Uint8Array(vector.salt.map((b) => b ^ 1));
              const made = await persons.newPerson(persons.personalData(vector.name, vector.number));
              return {
                both: await persons.commitment(salt, persons.personalData(vector.name, vector.number)),
                name: await persons.commitment(salt, persons.personalData(vector.name)),
                otherName: await persons.commitment(salt, persons.personalData(vector.name + ".", vector.number)),
                otherNumber: await persons.commitment(salt, persons.personalData(vector.name, "198001012010012002")),
                otherSalt: await persons.commitment(other, persons.personalData(vector.name, vector.number)),
                pseudonyms: [persons.newPseudonym(), persons.newPseudonym()],
                saltSize: persons.newSalt().length,
                made,
              };
            }""",
            VECTOR,
        )
    finally:
        context.close()
    assert got["both"] == VECTOR["commitment"]
    assert got["name"] == VECTOR["without_number"]
    twins = {got["otherName"], got["otherNumber"], got["otherSalt"]}
    assert len(twins) == 3 and not twins & {VECTOR["commitment"], VECTOR["without_number"]}
    first, second = got["pseudonyms"]
    assert first != second and all(re.fullmatch(r"p-[0-9a-f]{20}", p) for p in (first, second))
    assert got["saltSize"] == 32
    # What the page makes for a new person opens with the ledger's own check, and a changed name does not.
    disclosure = Disclosure.from_json(got["made"]["disclosure"])
    verify_disclosure(disclosure, got["made"]["commitment"])
    assert disclosure.person == got["made"]["person"]
    altered = Disclosure.from_json(
        {**got["made"]["disclosure"], "data": {"name": "Orang Lain", "number": VECTOR["number"]}}
    )
    with pytest.raises(VerificationFailed, match="does not match the commitment"):
        verify_disclosure(altered, got["made"]["commitment"])
