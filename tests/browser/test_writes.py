"""Writing from the browser (issue 13), end to end: keys made on the device, registered by the
administrator's own browser, signing in with them, and every role's form signing in the page.

A fresh ledger (`integritas init`, rules edition 2, a national root this test holds) served by a real
`integritas serve`; Debian's Chromium through Playwright. For each form: the entry is in the log, the
page's receipt check passed, and the bytes signed are exactly the text the page showed; at the end
`integritas verify` passes over the whole log. Besides: the private keys cannot be exported, a backup
made in the page is imported by the CLI, a refusal lands on its field in Indonesian, and the page's
canonical JSON equals the ledger's on the published vectors.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.canonical import canonical_json
from ledger.crypto.keys import (
    encode_base64,
    load_public_key,
    private_key_from_seed,
    public_key_bytes,
    read_private_key,
)
from ledger.endorsement import sign_endorsement
from ledger.evidence import parse_manifest
from ledger.rules.messages import render
from tests.browser.conftest import Console, _require_browser, run_cli, screenshot, serve
from tests.builder import passing_scores

ORIGIN = "uji-tulis.integritas.example/log"
UNIT = "fiktif-uji-tulis"
VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "entries"
CONTEXT = "integritas/entry/v1\n"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    _require_browser()
    base = tmp_path_factory.mktemp("writes")
    national_root = private_key_from_seed(hashlib.sha256(b"test/writes/national-root").digest())
    directory = base / "ledger"
    run_cli(
        "init",
        str(directory),
        "--origin",
        ORIGIN,
        "--name",
        "Uji tulis (rekaan)",
        "--root-key",
        str(base / "root.key"),
        "--national-root",
        encode_base64(public_key_bytes(national_root.public_key())),
    )
    token = run_cli("tokens", "add", "--ledger", str(directory), "Writes auditor", "--role", "auditor")
    with serve(directory) as url:
        yield {
            "url": url,
            "dir": directory,
            "base": base,
            "root_key": base / "root.key",
            "national_root": national_root,
            "token": token.strip().splitlines()[-1],
        }


class Device:
    """One person's browser (its own context: its own IndexedDB and cookies)."""

    def __init__(self, chromium: Any, url: str) -> None:
        self.context = chromium.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.console = Console()
        self.console.attach(self.page)
        self.url = url
        self.fingerprint = ""
        self.public_key = ""

    def make_key(self, label: str, passphrase: str | None = None, save_backup_to: Path | None = None) -> None:
        page = self.page
        page.goto(self.url + "/keys/new")
        page.fill("#key-label", label)
        if passphrase is not None:
            page.check("#backup-wanted")
            page.fill("#backup-passphrase", passphrase)
            page.fill("#backup-passphrase-again", passphrase)
        page.click("#make-key")
        page.wait_for_selector("#new-key-made:not([hidden])")
        self.fingerprint = page.text_content("#new-fingerprint") or ""
        self.public_key = page.input_value("#new-public-key")
        assert hashlib.sha256(base64.b64decode(self.public_key)).hexdigest() == self.fingerprint
        if save_backup_to is not None:
            with page.expect_download() as download:
                page.click("#backup-link")
            download.value.save_as(save_backup_to)

    def sign_in(self) -> None:
        page = self.page
        page.goto(self.url + "/signin")
        page.select_option("#signin-key", self.fingerprint)
        page.click("#signin-run")
        page.wait_for_url("**/write")

    def fill(
        self, kind: str, values: dict[str, str], files: dict[str, list[Path]] | None = None, roster: Path | None = None
    ) -> list[str]:
        """Open `kind`'s form, fill it and ask for the preview; return the signing inputs it shows."""
        page = self.page
        page.goto(f"{self.url}/write/{kind}")
        for name, value in values.items():
            selector = "#f-" + name.replace(".", "-")
            if page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
                page.select_option(selector, value)
            else:
                page.fill(selector, value)
        for name, paths in (files or {}).items():
            selector = "#f-" + name.replace(".", "-")
            page.set_input_files(selector, [str(p) for p in paths])
            page.wait_for_selector(f"{selector}-digest:not(:empty)")
        if roster is not None:
            page.set_input_files("#f-roster", str(roster))
        page.click("#prepare")
        page.wait_for_selector("#preview:not([hidden]), #form-error:not([hidden]), .field-error:not([hidden])")
        errors = page.eval_on_selector_all(
            ".field-error:not([hidden]), #form-error:not([hidden])", "es => es.map(e => e.id + ': ' + e.textContent)"
        )
        assert errors == [], (errors, self.console.errors, values)
        return list(page.eval_on_selector_all("pre.signing-input", "es => es.map(e => e.textContent)"))

    def send(self, expected: int = 1) -> list[int]:
        """Sign and send what the preview shows; return the indices of the receipts, each verified in the page."""
        page = self.page
        page.click("#sign-send")
        # (no wait_for_function: the pages' CSP forbids the eval it needs)
        page.wait_for_selector(
            f"#receipts .receipt:nth-child({expected}), #form-error:not([hidden]), .field-error:not([hidden])"
        )
        errors = page.eval_on_selector_all(
            ".field-error:not([hidden]), #form-error:not([hidden])", "es => es.map(e => e.id + ': ' + e.textContent)"
        )
        assert errors == [], errors
        receipts = page.eval_on_selector_all(".receipt", "es => es.map(e => [e.dataset.index, e.dataset.verified])")
        assert [verified for _, verified in receipts] == ["true"] * expected, receipts
        return [int(index) for index, _ in receipts]

    def write(
        self, kind: str, values: dict[str, str], files: dict[str, list[Path]] | None = None, expected: int = 1
    ) -> list[tuple[int, str]]:
        shown = self.fill(kind, values, files)
        assert len(shown) == expected
        indices = self.send(expected)
        screenshot(self.page, f"write-{kind}")
        return list(zip(indices, shown, strict=True))

    def close(self) -> None:
        self.context.close()


def entry_at(ledger: dict[str, Any], index: int) -> dict[str, Any]:
    response = httpx.get(f"{ledger['url']}/v1/entries/{index}", headers={"Authorization": f"Bearer {ledger['token']}"})
    response.raise_for_status()
    return response.json()


def assert_signed_as_shown(ledger: dict[str, Any], index: int, shown: str, device: Device, kind: str) -> None:
    """The entry at `index` is the one the page showed, and its signature is over exactly those bytes."""
    stored = entry_at(ledger, index)
    assert stored["entry"]["kind"] == kind
    assert stored["entry"]["signer"] == device.fingerprint
    assert shown == CONTEXT + canonical_json(stored["entry"]).decode("utf-8")
    signature = base64.b64decode(stored["signature"])
    load_public_key(base64.b64decode(device.public_key)).verify(signature, shown.encode("utf-8"))


def register_by_root(ledger: dict[str, Any], device: Device, role: str, name: str) -> None:
    """The first administrator's browser key is registered with the root key, on the command line."""
    body = {
        "public_key": device.public_key,
        "role": role,
        "scope": ["*"],
        "holder": {"name": name, "title": "Administrator"},
    }
    submission = sign_key_registration_by_root(ledger, device, body)
    response = httpx.post(
        f"{ledger['url']}/v1/entries", content=submission.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text


def sign_key_registration_by_root(ledger: dict[str, Any], device: Device, body: dict[str, Any]) -> str:
    """The submission registering `device`'s key with `body`, signed with the root key (`integritas sign`)."""
    return sign_key_registration(ledger["dir"], ledger["root_key"], device, body)


def sign_key_registration(directory: Path, signer: Path, device: Device, body: dict[str, Any]) -> str:
    """The submission registering `device`'s key with `body`, signed with the key file `signer`."""
    return run_cli(
        "sign",
        "--ledger",
        str(directory),
        "--key",
        str(signer),
        "--kind",
        "key.registered",
        "--stream",
        f"key/{device.fingerprint}",
        "--body",
        json.dumps(body),
    )


def test_every_roles_form_end_to_end(chromium: Any, ledger: dict[str, Any], tmp_path: Path) -> None:
    url = ledger["url"]
    today = datetime.now(UTC).date()
    year = str(today.year)
    written: list[tuple[int, str, Device, str]] = []
    devices: list[Device] = []

    def device() -> Device:
        made = Device(chromium, url)
        devices.append(made)
        return made

    def write(who: Device, kind: str, values: dict[str, str], **kwargs: Any) -> list[int]:
        done = who.write(kind, values, **kwargs)
        written.extend((index, shown, who, kind) for index, shown in done)
        return [index for index, _ in done]

    try:
        # The administrator: a key made on this device, registered with the root key, signed in.
        admin = device()
        admin.make_key("Admin, laptop kantor")
        admin.page.goto(url + "/keys/device")
        admin.page.wait_for_selector("#device-keys tr .key-status[data-status='unregistered']")
        register_by_root(ledger, admin, "administrator", "Admin Uji")
        admin.sign_in()
        assert "Admin Uji" in (admin.page.text_content("#key-session") or "")
        write(
            admin,
            "unit.registered",
            {"unit": UNIT, "name": "Dinas Uji Tulis (unit fiktif)", "type": "dinas", "headcount": "2"},
        )

        def register(who: Device, role: str, name: str, scope: str = UNIT, **extra: str) -> None:
            values = {
                "public_key": who.public_key,
                "role": role,
                "scope": scope,
                "holder.name": name,
                "holder.title": role,
                **extra,
            }
            if role in ("minister", "national_assessor", "national_authority"):
                body = {"public_key": who.public_key, "role": role, "holder": {"name": name, "title": role}}
                values["endorsement"] = sign_endorsement(ledger["national_root"], body)
            write(admin, "key.registered", values)

        people: dict[str, Device] = {}
        for role, name, extra in (
            ("unit_head", "Kepala Uji", {}),
            ("pact_registrar", "Pencatat Uji", {}),
            ("employee", "Pegawai Uji", {}),
            ("witness", "Saksi Uji", {"office.id": "inspektorat-uji", "office.name": "Inspektorat Uji"}),
            ("overseer", "Pengawas Uji", {"office.id": "kejari-uji", "office.name": "Kejaksaan Uji"}),
            ("internal_assessor", "TPI Uji", {}),
            ("regent", "Bupati Uji", {}),
            ("national_authority", "KemenPANRB Uji", {}),
            ("national_assessor", "TPN Uji", {}),
            ("minister", "Menteri Uji", {}),
        ):
            person = device()
            person.make_key(name)
            register(
                person,
                role,
                name,
                "*" if role in ("national_authority", "national_assessor", "minister", "regent") else UNIT,
                **extra,
            )
            person.sign_in()
            people[role] = person

        # The unit head declares (a stage step); the witness attests the declaration by its leaf hash.
        [declared] = write(
            people["unit_head"],
            "stage.advanced",
            {"unit": UNIT, "from": "registered", "to": "declared", "track": "wbk"},
        )
        declaration = entry_at(ledger, declared)["leaf_hash"]
        write(people["witness"], "declaration.witnessed", {"unit": UNIT, "declaration": declaration})

        # The registrar records a wet-ink pact from a roster CSV read in the page, with the scan's digest.
        roster = tmp_path / "roster.csv"
        roster.write_text("number,name\n199001012020011001,Siti Rekaan\n", encoding="utf-8")
        scan = tmp_path / "pakta-siti.pdf"
        scan.write_bytes(b"%PDF-1.4 scan of a paper pact (test)\n")
        registrar = people["pact_registrar"]
        shown = registrar.fill(
            "pact.signed",
            {"unit": UNIT, "unit_name": "Dinas Uji Tulis", "signed_on": today.isoformat(), "occasion": "declaration"},
            files={"document_digest": [scan]},
            roster=roster,
        )
        assert len(shown) == 1 and "Siti Rekaan" in shown[0] and "199001012020011001" in shown[0]
        [pact_index] = registrar.send(1)
        written.append((pact_index, shown[0], registrar, "pact.signed"))
        stored = entry_at(ledger, pact_index)["entry"]["body"]
        assert stored["document_digest"] == encode_base64(hashlib.sha256(scan.read_bytes()).digest())

        # The employee signs their own pact; the full text is shown and its SHA-256 computed in the page.
        employee = people["employee"]
        pact = {
            "unit": UNIT,
            "unit_name": "Dinas Uji Tulis",
            "employee.number": "199202022020012002",
            "signed_on": today.isoformat(),
            "occasion": "declaration",
        }
        # First under another name: the rules refuse (pact_not_own), shown on the name field in Indonesian.
        employee.fill("pact.signed", {**pact, "employee.name": "Orang Lain"})
        employee.page.click("#sign-send")
        error = employee.page.wait_for_selector("#err-employee-name:not([hidden])")
        expected = "Ditolak oleh aturan: " + render(
            "pact_not_own", {"holder": "Pegawai Uji", "name": "Orang Lain"}, "id"
        )
        assert (error.text_content() or "") == expected
        screenshot(employee.page, "write-refusal-on-field")
        [own] = write(employee, "pact.signed", {**pact, "employee.name": "Pegawai Uji"})
        pact_text = employee.page.input_value("#f-pact_digest")
        assert "Dinas Uji Tulis" in pact_text and pact_text.startswith("PAKTA INTEGRITAS")
        assert entry_at(ledger, own)["entry"]["body"]["pact_digest"] == encode_base64(
            hashlib.sha256(pact_text.encode()).digest()
        )

        # Building; the overseer's note; the TPI's assessment with evidence hashed in the page.
        write(
            people["unit_head"], "stage.advanced", {"unit": UNIT, "from": "declared", "to": "building", "track": "wbk"}
        )
        write(
            people["overseer"],
            "oversight.noted",
            {"unit": UNIT, "topic": "accompaniment", "text": "Pendampingan pembangunan ZI."},
        )
        documents = [tmp_path / "lke.xlsx", tmp_path / "sk-tim.pdf"]
        for n, path in enumerate(documents):
            path.write_bytes(f"document {n}".encode())
        scores = {f"scores-{area}": value for area, value in passing_scores(int(year)).items()}
        [assessed] = write(
            people["internal_assessor"],
            "assessment.reviewed",
            {
                "unit": UNIT,
                "level": "internal",
                "year": year,
                "track": "wbk",
                "step": "lke",
                "outcome": "passed",
                **scores,
            },
            files={"evidence": documents},
        )
        # The assessors keep the manifest the page offers: its root is the one the entry logged.
        with people["internal_assessor"].page.expect_download() as download:
            people["internal_assessor"].page.click("#f-evidence-manifest")
        manifest = parse_manifest(Path(download.value.path()).read_bytes())
        assert manifest.documents == tuple(hashlib.sha256(p.read_bytes()).digest() for p in documents)
        logged = entry_at(ledger, assessed)["entry"]["body"]["evidence"]["documents"]
        assert logged == {"root": encode_base64(manifest.root()), "count": 2}
        # The national authority opens the cycle; the regent proposes; the TPN screens and evaluates.
        write(
            people["national_authority"],
            "cycle.opened",
            {
                "year": year,
                "model": "permenpanrb-90-2021",
                "proposal_deadline": f"{year}-12-31",
                "appeal_days": "7",
                "closes_on": f"{year}-12-31",
                "quota": "5",
            },
        )
        write(
            people["regent"],
            "stage.advanced",
            {"unit": UNIT, "from": "building", "to": "nominated", "track": "wbk", "cycle": year},
        )
        tpn = people["national_assessor"]
        write(tpn, "screening.recorded", {"unit": UNIT, "cycle": year, "outcome": "passed"})
        for step in ("desk", "field"):
            write(
                tpn,
                "assessment.reviewed",
                {
                    "unit": UNIT,
                    "level": "national",
                    "year": year,
                    "track": "wbk",
                    "step": step,
                    "outcome": "passed",
                    **scores,
                },
            )
        # The minister's designation decree, its document hashed in the page.
        decree = tmp_path / "sk-penetapan.pdf"
        decree.write_bytes(b"SK penetapan (test)")
        write(
            people["minister"],
            "stage.advanced",
            {
                "unit": UNIT,
                "from": "nominated",
                "to": "designated",
                "track": "wbk",
                "sk.number": "SK-UJI/1",
                "sk.date": today.isoformat(),
            },
            files={"sk.document": [decree]},
        )
        # A stale head: the administrator's headcount form read the unit's head, then the TPI's yearly
        # monitoring came first; signing sends the stale entry, refused and shown on the form.
        admin.fill("unit.headcount_set", {"unit": UNIT, "headcount": "3", "source": "SIASN (uji)"})
        write(
            people["internal_assessor"],
            "monitoring.recorded",
            {"unit": UNIT, "year": year, "outcome": "maintained", "note": "Dipantau."},
        )
        admin.page.click("#sign-send")
        stale = admin.page.wait_for_selector("#form-error:not([hidden])")
        assert (stale.text_content() or "").startswith("Aliran sudah bertambah sejak formulir ini membaca ujungnya")
        write(admin, "unit.headcount_set", {"unit": UNIT, "headcount": "3", "source": "SIASN (uji)"})
        # An overseer's case and the minister's revocation, of the invented unit.
        write(
            people["overseer"],
            "case.opened",
            {
                "unit": UNIT,
                "case": "perkara-uji-1",
                "stage": "inquiry",
                "concerns": "unit",
                "text": "Penyelidikan (rekaan).",
            },
        )
        revocation = tmp_path / "sk-pencabutan.pdf"
        revocation.write_bytes(b"SK pencabutan (test)")
        write(
            people["minister"],
            "predicate.revoked",
            {
                "unit": UNIT,
                "predicate": "wbk",
                "ground": "other",
                "sk.number": "SK-UJI/2",
                "sk.date": today.isoformat(),
                "note": "Rekaan.",
            },
            files={"sk.document": [revocation]},
        )
        # A lost key revoked by the administrator, seen on its device and deleted from it.
        lost = people["witness"]
        write(admin, "key.revoked", {"key": lost.fingerprint, "reason": "Perangkat hilang"})
        lost.page.goto(url + "/keys/device")
        lost.page.wait_for_selector("#device-keys tr .key-status[data-status='revoked']")
        lost.page.on("dialog", lambda dialog: dialog.accept())
        lost.page.click(f"#device-keys tr[data-fingerprint='{lost.fingerprint}'] .delete-key")
        lost.page.wait_for_selector("#no-device-keys:not([hidden])")

        for index, shown, who, kind in written:
            assert_signed_as_shown(ledger, index, shown, who, kind)
        assert {kind for _, _, _, kind in written} >= {
            "unit.registered",
            "key.registered",
            "stage.advanced",
            "declaration.witnessed",
            "pact.signed",
            "oversight.noted",
            "assessment.reviewed",
            "cycle.opened",
            "screening.recorded",
            "unit.headcount_set",
            "key.revoked",
        }
        # No private key on any device can be exported.
        for person in devices:
            if person is lost:
                continue
            outcome = person.page.evaluate(EXPORT_PRIVATE_KEYS)
            assert outcome["extractable"] and not any(outcome["extractable"]), outcome
            assert set(outcome["names"]) == {"InvalidAccessError"}, outcome
            # The refused pact (422) and the stale headcount (409) are the failed requests: Chromium logs them.
            failed = {
                employee: ["Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"],
                admin: ["Failed to load resource: the server responded with a status of 409 (Conflict)"],
            }
            assert person.console.errors == failed.get(person, []), person.console.errors
        # The whole log verifies with the command line.
        report = run_cli("verify", url, "--trust", str(ledger["dir"] / "trust.json"), "--token", ledger["token"])
        words = " ".join(report.split())  # rich wraps its line at the terminal's width
        size = max(index for index, *_ in written) + 1
        assert words.startswith(f"OK server {url}: {size} entries") and f"checkpoint size {size} verified" in words
    finally:
        for person in devices:
            person.close()


EXPORT_PRIVATE_KEYS = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("integritas-keys", 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const keys = await new Promise((resolve) => {
    const request = db.transaction("keys").objectStore("keys").getAll();
    request.onsuccess = () => resolve(request.result);
  });
  const names = [];
  for (const key of keys) {
    try { await crypto.subtle.exportKey("pkcs8", key.privateKey); names.push("exported"); }
    catch (error) { names.push(error.name); }
  }
  return { names, extractable: keys.map((key) => key.privateKey.extractable) };
}"""


def test_a_backup_made_in_the_page_is_imported_by_the_cli(
    chromium: Any, ledger: dict[str, Any], tmp_path: Path
) -> None:
    person = Device(chromium, ledger["url"])
    try:
        backup = tmp_path / "backup.pem"
        person.make_key("Kunci dengan cadangan", passphrase="frasa sandi panjang uji", save_backup_to=backup)
        text = backup.read_text()
        assert text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
        outcome = person.page.evaluate(EXPORT_PRIVATE_KEYS)
        assert outcome["names"] == ["InvalidAccessError"] and outcome["extractable"] == [False]
    finally:
        person.close()
    out = tmp_path / "imported.key"
    env_name = "INTEGRITAS_TEST_BACKUP_PASSPHRASE"
    import os
    import subprocess

    from tests.browser.conftest import PYTHON, ROOT

    environment = {**os.environ, env_name: "frasa sandi panjang uji"}
    done = subprocess.run(
        [PYTHON, "-m", "cli", "keys", "import", str(backup), str(out), "--passphrase-env", env_name],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == person.fingerprint
    key = read_private_key(out, b"frasa sandi panjang uji")
    assert hashlib.sha256(public_key_bytes(key.public_key())).hexdigest() == person.fingerprint
    assert out.stat().st_mode & 0o777 == 0o600
    # The negative twin: the wrong passphrase reads nothing and writes nothing.
    environment[env_name] = "frasa sandi yang salah"
    failed = subprocess.run(
        [PYTHON, "-m", "cli", "keys", "import", str(backup), str(tmp_path / "other.key"), "--passphrase-env", env_name],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 1 and "key_file" in failed.stderr
    assert not (tmp_path / "other.key").exists()


def test_the_pages_canonical_json_is_the_ledgers(chromium: Any, ledger: dict[str, Any]) -> None:
    """RFC 8785 in the page (tlog.js `canonicalize`, what the forms sign) against ledger.canonical, on the
    published entry vectors and on strings that need escaping or sort by UTF-16 code units."""
    cases = []
    for path in sorted(VECTORS.glob("*.json")):
        vector = json.loads(path.read_text(encoding="utf-8"))
        cases.append((vector["entry_json"], vector["canonical_entry"]))
    tricky = {
        "b": 'tab\tquote"back\\slash\u0001\u007f\u2028',
        "a": [1, -2, 9007199254740991, None, True],
        "é": {"😀": 0, "\uff61": 1},
    }
    cases.append((json.dumps(tricky), canonical_json(tricky).decode("utf-8")))
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(ledger["url"] + "/verify")
        got = page.evaluate(
            """async (texts) => {
              const { canonicalize } = await import("/static/tlog.js");
              return texts.map((text) => canonicalize(JSON.parse(text)));
            }""",
            [text for text, _ in cases],
        )
    finally:
        context.close()
    assert got == [want for _, want in cases]
    # The negative twin: a float is refused, never written in some float form.
    assert len(cases) == len(list(VECTORS.glob("*.json"))) + 1
