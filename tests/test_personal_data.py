"""Personal data end to end through the command line (issue 15; docs/contract/personal-data.md).

An edition-3 ledger takes a key holder and two employees' pacts with their disclosures; the public
export carries no personal data, the auditor export carries it and verifies against the commitments;
reads are recorded; after one employee's erasure the log and both exports still verify, a byte
search of the data directory (database, WAL, views, personal-data store) and the exports finds
neither the erased name nor the number, and the other employee's data is untouched.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes, read_private_key
from ledger.personal import PersonalData, make_disclosure
from ledger.store.personal import PERSONAL_FILE, PersonalDataStore

ORIGIN = "pdp.integritas.example/log"
UNIT = "dinas-fiktif"
ANI = ("Ani Lestari Contoh", "197901012005012042")
BUDI = ("Budi Santoso Contoh", "198203032008011017")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status, out, err = run(capsys, *argv)
    assert status == 0, err
    return out


class Ledger:
    """A small edition-3 ledger driven through the CLI."""

    admin: Path
    registrar: Path
    ani: str  # pseudonyms
    budi: str

    def __init__(self, tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp, self.capsys = tmp, capsys
        self.dir = tmp / "ledger"
        self.clock = 0
        ok(
            capsys,
            "init",
            str(self.dir),
            "--origin",
            ORIGIN,
            "--name",
            "Uji PDP",
            "--root-key",
            str(tmp / "root.key"),
            "--rules",
            "3",
        )
        self.root = tmp / "root.key"

    def at(self) -> str:
        self.clock += 1
        return f"2024-01-{self.clock:02d}T09:00:00Z"

    def erase_command(
        self, person: str, *, basis: str = "x", key: Path | None = None, at: str | None = None
    ) -> list[str]:
        """`integritas erase` of `person` (a NIP or a pseudonym), signed by the administrator or `key`."""
        command = ["erase", "--ledger", str(self.dir), "--person", person, "--basis", basis]
        return [*command, "--key", str(key or self.admin), *(["--at", at] if at else [])]

    def commit(self, name: str, number: str | None = None) -> tuple[dict[str, str], Path]:
        out_file = self.tmp / f"disclosure-{self.clock}-{name.split()[0]}.json"
        extra = ["--number", number] if number else []
        person = json.loads(ok(self.capsys, "personal", "commit", "--name", name, *extra, "--out", str(out_file)))
        return person, out_file

    def submit(self, key: Path, kind: str, stream: str, body: dict[str, Any], *disclosures: Path) -> dict[str, Any]:
        signed = ok(
            self.capsys,
            "sign",
            "--ledger",
            str(self.dir),
            "--key",
            str(key),
            "--kind",
            kind,
            "--stream",
            stream,
            "--body",
            json.dumps(body),
            "--at",
            self.at(),
        )
        path = self.tmp / "submission.json"
        path.write_text(signed)
        extra = [arg for d in disclosures for arg in ("--disclosure", str(d))]
        return json.loads(ok(self.capsys, "append", "--ledger", str(self.dir), str(path), *extra))

    def register(self, name: str, role: str, scope: list[str], by: Path, holder: str) -> Path:
        key = self.tmp / f"{name}.key"
        ok(self.capsys, "keys", "new", str(key))
        public = read_private_key(key).public_key()
        person, disclosure = self.commit(holder)
        body = {
            "public_key": encode_base64(public_key_bytes(public)),
            "role": role,
            "scope": scope,
            "holder": {**person, "title": role},
        }
        self.submit(by, "key.registered", f"key/{fingerprint(public)}", body, disclosure)
        return key

    def pact(self, registrar: Path, name: str, number: str) -> str:
        person, disclosure = self.commit(name, number)
        body = {
            "employee": person,
            "pact_digest": encode_base64(bytes(32)),
            "signed_on": "2024-01-15",
            "occasion": "unit_ceremony",
        }
        self.submit(registrar, "pact.signed", f"pact/{UNIT}/{person['person']}", body, disclosure)
        return person["person"]

    def verify(self, source: Path) -> dict[str, Any]:
        status, out, _ = run(
            self.capsys, "verify", str(source), "--trust", str(self.dir / "trust.json"), "--json", "--workers", "1"
        )
        return {"status": status, **json.loads(out)}


@pytest.fixture
def ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Ledger:
    led = Ledger(tmp_path, capsys)
    led.admin = led.register("admin", "administrator", ["*"], led.root, "Admin Contoh")
    led.submit(
        led.admin, "unit.registered", f"unit/{UNIT}", {"name": "Dinas (unit fiktif)", "type": "dinas", "headcount": 10}
    )
    led.registrar = led.register("registrar", "pact_registrar", [UNIT], led.admin, "Registrar Contoh")
    led.ani = led.pact(led.registrar, *ANI)
    led.budi = led.pact(led.registrar, *BUDI)
    return led


def files_under(*roots: Path) -> list[Path]:
    return [path for root in roots for path in root.rglob("*") if path.is_file()]


def holding(needle: str, *roots: Path) -> list[str]:
    """The files under `roots` whose bytes contain `needle` (UTF-8), any database page or WAL frame."""
    found = []
    for path in files_under(*roots):
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # a -wal or -shm SQLite removed (into its database) after the listing
            continue
        if needle.encode() in data:
            found.append(str(path))
    return found


def test_the_log_holds_commitments_and_the_store_the_data(ledger: Ledger) -> None:
    ok(ledger.capsys, "views", "rebuild", "--ledger", str(ledger.dir))
    for needle in (*ANI, *BUDI):
        # Only the personal-data store holds it: not the event store, its WAL or the view tables.
        found = set(holding(needle, ledger.dir))
        assert found, f"{needle} is nowhere: the deposit failed"
        assert found <= {str(ledger.dir / "personal.sqlite"), str(ledger.dir / "personal.sqlite-wal")}, found
    report = ledger.verify(ledger.dir)
    assert report["status"] == 0 and report["ok"], report
    assert report["persons_checked"] == 4  # admin, registrar, Ani, Budi


def test_the_public_export_has_no_personal_data_and_the_auditor_export_verifies(ledger: Ledger) -> None:
    public, auditor = ledger.tmp / "public", ledger.tmp / "auditor"
    ok(ledger.capsys, "export", "--ledger", str(ledger.dir), str(public))
    ok(ledger.capsys, "export", "--ledger", str(ledger.dir), str(auditor), "--auditor")
    for needle in (*ANI, *BUDI):
        assert holding(needle, public) == []
        assert holding(needle, auditor) == [str(auditor / "personal-data.json")]
    assert "persons_checked" not in ledger.verify(public)
    report = ledger.verify(auditor)
    assert report["ok"] and report["persons_checked"] == 4


def test_altered_personal_data_in_an_auditor_export_fails_verification(ledger: Ledger) -> None:
    auditor = ledger.tmp / "auditor"
    ok(ledger.capsys, "export", "--ledger", str(ledger.dir), str(auditor), "--auditor")
    path = auditor / "personal-data.json"
    path.write_text(path.read_text().replace(BUDI[0], "Budi Santosa Contoh"))
    report = ledger.verify(auditor)
    assert report["status"] == 1 and not report["ok"]
    assert [f["code"] for f in report["failures"]] == ["personal_data_mismatch"]
    assert report["failures"][0]["evidence"]["person"] == ledger.budi


def test_a_disclosure_that_does_not_open_the_entrys_commitment_is_refused_before_the_append(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    person, disclosure = ledger.commit("Citra Contoh", "198505052010012003")
    forged = json.loads(disclosure.read_text())
    forged["data"]["name"] = "Citra Lain"
    disclosure.write_text(json.dumps(forged))
    body = {
        "employee": person,
        "pact_digest": encode_base64(bytes(32)),
        "signed_on": "2024-01-15",
        "occasion": "yearly",
    }
    size_before = json.loads(ok(capsys, "show", "--ledger", str(ledger.dir), "0"))["index"]
    status, _, err = run(
        capsys,
        "sign",
        "--ledger",
        str(ledger.dir),
        "--key",
        str(ledger.registrar),
        "--kind",
        "pact.signed",
        "--stream",
        f"pact/{UNIT}/{person['person']}",
        "--body",
        json.dumps(body),
        "--at",
        ledger.at(),
    )
    assert status == 0
    submission = ledger.tmp / "forged.json"
    submission.write_text(_)
    status, _, err = run(
        capsys, "append", "--ledger", str(ledger.dir), str(submission), "--disclosure", str(disclosure)
    )
    assert status == 1 and err.startswith("integritas: personal_data_mismatch:")
    assert size_before == 0
    status, _, err = run(capsys, "show", "--ledger", str(ledger.dir), "--stream", f"pact/{UNIT}/{person['person']}")
    assert status == 4  # nothing was appended
    # Without any disclosure, an entry naming a person is refused too: the store could not open it.
    status, _, err = run(capsys, "append", "--ledger", str(ledger.dir), str(submission))
    assert status == 1 and err.startswith("integritas: invalid_personal_data:")


def test_reads_are_recorded_with_reader_purpose_and_record(ledger: Ledger) -> None:
    shown = json.loads(
        ok(
            ledger.capsys,
            "personal",
            "show",
            "--ledger",
            str(ledger.dir),
            ANI[1],
            "--purpose",
            "audit pakta 2024",
            "--reader",
            "auditor-1",
        )
    )
    assert shown == {"person": ledger.ani, "name": ANI[0], "number": ANI[1]}
    status, _, err = run(
        ledger.capsys, "personal", "show", "--ledger", str(ledger.dir), ANI[1], "--purpose", " ", "--reader", "x"
    )
    assert status == 1 and err.startswith("integritas: purpose_required:")
    reads = json.loads(ok(ledger.capsys, "personal", "reads", "--ledger", str(ledger.dir)))
    assert [(r["reader"], r["person"], r["record"], r["purpose"]) for r in reads] == [
        ("auditor-1", ledger.ani, f"person/{ledger.ani}", "audit pakta 2024")
    ]
    assert ANI[0] not in json.dumps(reads) and ANI[1] not in json.dumps(reads)  # the read log holds no personal data
    own = json.loads(
        ok(ledger.capsys, "personal", "records", "--ledger", str(ledger.dir), ANI[1], "--reader", "subject")
    )
    assert [e["entry"]["kind"] for e in own["entries"]] == ["pact.signed"]
    assert len(json.loads(ok(ledger.capsys, "personal", "reads", "--ledger", str(ledger.dir), ledger.ani))) == 2


def test_erasure_leaves_no_trace_and_everything_verifies(ledger: Ledger) -> None:
    auditor = ledger.tmp / "auditor"
    public = ledger.tmp / "public"
    ok(ledger.capsys, "export", "--ledger", str(ledger.dir), str(auditor), "--auditor")
    ok(ledger.capsys, "views", "rebuild", "--ledger", str(ledger.dir))
    ok(ledger.capsys, "personal", "show", "--ledger", str(ledger.dir), ANI[1], "--purpose", "before", "--reader", "a")
    done = json.loads(
        ok(
            ledger.capsys,
            *ledger.erase_command(ANI[1], basis="permintaan subjek data (UU 27/2022 pasal 8)", at=ledger.at()),
        )
    )
    assert done["person"] == ledger.ani and done["data_deleted"]
    assert done["exports_rewritten"] == [str(auditor.resolve())]
    ok(ledger.capsys, "views", "catch-up", "--ledger", str(ledger.dir))
    ok(ledger.capsys, "export", "--ledger", str(ledger.dir), str(public))

    for needle in ANI:
        assert holding(needle, ledger.dir, auditor, public) == [], needle
    # The other employee's data is untouched, in the store and in the auditor export.
    for needle in BUDI:
        assert holding(needle, ledger.dir)
        assert holding(needle, auditor) == [str(auditor / "personal-data.json")]
    budi = json.loads(
        ok(ledger.capsys, "personal", "show", "--ledger", str(ledger.dir), BUDI[1], "--purpose", "p", "--reader", "a")
    )
    assert budi["name"] == BUDI[0]

    for source in (ledger.dir, auditor, public):
        report = ledger.verify(source)
        assert report["status"] == 0 and report["ok"], report
    # The erased person is a pseudonym now: the views keep the pact, named by the pseudonym only.
    status = json.loads(ok(ledger.capsys, "status", "--ledger", str(ledger.dir), UNIT, "--json"))
    assert ANI[0] not in json.dumps(status)
    records = json.loads(
        ok(ledger.capsys, "personal", "records", "--ledger", str(ledger.dir), ledger.ani, "--reader", "a")
    )
    assert records["data"] is None and records["erased_at_leaf"] is not None
    assert [e["entry"]["kind"] for e in records["entries"]] == ["pact.signed", "personal_data.erased"]
    # An erased person's data put back into an auditor export (of a log holding the erasure) is caught.
    later = ledger.tmp / "auditor-later"
    ok(ledger.capsys, "export", "--ledger", str(ledger.dir), str(later), "--auditor")
    path = later / "personal-data.json"
    document = json.loads(path.read_text())
    document["persons"].append(
        {"person": ledger.ani, "data": {"name": ANI[0], "number": ANI[1]}, "salt": encode_base64(bytes(32))}
    )
    path.write_text(json.dumps(document))
    assert [f["code"] for f in ledger.verify(later)["failures"]] == ["personal_data_of_erased"]


def test_erasing_an_unknown_person_changes_nothing(ledger: Ledger) -> None:
    status, _, err = run(
        ledger.capsys,
        *ledger.erase_command("199001012020011001"),
    )
    assert status == 4 and err.startswith("integritas: unknown_person:")
    status, _, err = run(
        ledger.capsys,
        *ledger.erase_command(ANI[1], key=ledger.registrar),
    )
    assert status == 1 and err.startswith("integritas: role_not_allowed:")
    assert holding(ANI[0], ledger.dir)  # a refused erasure deletes nothing


def test_a_store_opened_where_none_is_held_reads_empty_and_refuses_writes(tmp_path: Path) -> None:
    """Opening the store to read does not create it: it answers as an empty store, records no read
    (no data was processed) and refuses a deposit, which must open it with `creating`; the twin
    creates the file (mode 0600) and keeps what it deposits."""
    disclosure = make_disclosure(PersonalData(*ANI))
    with PersonalDataStore(tmp_path) as store:
        assert store.get(disclosure.person) is None and list(store.all()) == []
        assert store.read(disclosure.person, reader="r", record="x", purpose="audit", at="t") is None
        assert store.reads() == [] and store.persons_with_number(ANI[1]) == []
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.deposit(disclosure, disclosure.commitment)
    assert not (tmp_path / PERSONAL_FILE).exists()
    with PersonalDataStore.creating(tmp_path) as store:
        store.deposit(disclosure, disclosure.commitment)
    assert (tmp_path / PERSONAL_FILE).stat().st_mode & 0o777 == 0o600
    with PersonalDataStore(tmp_path) as store:
        assert store.read(disclosure.person, reader="r", record="x", purpose="audit", at="t") == PersonalData(*ANI)
        assert len(store.reads()) == 1
