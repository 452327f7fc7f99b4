"""Rectification and backups of the personal-data store (issue 15; docs/contract/personal-data.md).

Rectification (UU 27/2022 art. 6): `personal_data.rectified` carries the commitment to the corrected
data, the store then holds the corrected data, and `verify` checks it against the latest commitment;
a rectification whose data does not open its commitment, of an erased or unknown person, or by a
non-administrator changes nothing. Backups of the store: private, registered so that erasure and
rectification reach them, and a restore that never puts back an erased person.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from ledger.crypto.keys import encode_base64, read_private_key
from ledger.errors import VerificationFailed
from ledger.personal import Disclosure, PersonalData, make_disclosure, verify_disclosure
from ledger.rules.messages import render
from ledger.store.datadir import open_ledger
from ledger.store.erasure import rectify_person
from ledger.store.personal import PersonalDataStore, read_backup
from tests.builder import LedgerBuilder
from tests.test_personal_data import ANI, BUDI, UNIT, Ledger, ledger, ok, run
from tests.test_rules import accept, refuse
from tests.test_rules_edition_3 import U, ani, b, b2, pact_body

__all__ = ["ani", "b", "b2", "ledger"]  # fixtures used here by name

CORRECTED = ("Anny Lestary Contoh", "197901012005012043")  # Ani's name and NIP, as they should have been


def holding(needle: str, *roots: Path) -> list[str]:
    """The files among and under `roots` (a root may be a file) whose bytes contain `needle` (UTF-8)."""
    files = [path for root in roots for path in ([root] if root.is_file() else root.rglob("*")) if path.is_file()]
    return [str(path) for path in files if needle.encode() in path.read_bytes()]


def rectified(disclosure: Disclosure, basis: str = "permintaan subjek data, UU 27/2022 pasal 6") -> dict[str, str]:
    return {"commitment": disclosure.commitment, "basis": basis}


# --- the rules: what a rectification needs, and what it changes ---------------------------------------


def test_a_rectification_replaces_the_commitment_later_entries_carry(b: LedgerBuilder, ani: Disclosure) -> None:
    accept(b, b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{ani.person}", pact_body(ani)))
    corrected = make_disclosure(PersonalData("Ani Lestari Benar (fiktif)", ani.data.number), ani.person)
    decision = accept(b, b.sign(b.admin, "personal_data.rectified", f"person/{ani.person}", rectified(corrected)))
    person = b.state.persons[ani.person]
    assert person.commitment == corrected.commitment != ani.commitment
    assert person.rectified_index == person.commitment_index == decision.index
    assert person.indices == [person.first_index, decision.index]
    # The old commitment is refused from now on, naming the rectification; the new one is taken.
    error = refuse(
        b,
        b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{ani.person}", pact_body(ani, occasion="yearly")),
        "person_commitment_mismatch",
    )
    assert error.message == f"person {ani.person} was named with another commitment at leaf {decision.index}"
    accept(b, b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{ani.person}", pact_body(corrected, occasion="yearly")))
    # Rectified twice: the latest commitment is the person's.
    again = make_disclosure(PersonalData("Ani Lestari Benar (fiktif)", "198001012010012009"), ani.person)
    accept(b, b.sign(b.admin, "personal_data.rectified", f"person/{ani.person}", rectified(again)))
    assert b.state.persons[ani.person].commitment == again.commitment


def test_a_rectification_of_an_unknown_or_erased_person_or_by_another_role_is_refused(
    b: LedgerBuilder, ani: Disclosure
) -> None:
    stream = f"person/{ani.person}"
    error = refuse(b, b.sign(b.admin, "personal_data.rectified", stream, rectified(ani)), "person_not_in_log")
    assert error.message == f"no entry of the log names person {ani.person}: there is no data of theirs to rectify"
    assert render(error.reason, error.params, "id") == (
        f"tidak ada entri log yang menyebut orang {ani.person}: tidak ada datanya yang dapat diperbaiki"
    )
    accept(b, b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{ani.person}", pact_body(ani)))
    refuse(b, b.sign(b.regent, "personal_data.rectified", stream, rectified(ani)), "role_not_allowed")
    refuse(b, b.sign(b.registrars[U], "personal_data.rectified", stream, rectified(ani)), "role_not_allowed")
    accept(b, b.sign(b.admin, "personal_data.erased", stream, {"basis": "permintaan subjek data"}))
    error = refuse(b, b.sign(b.admin, "personal_data.rectified", stream, rectified(ani)), "person_erased")
    assert render(error.reason, error.params, "id") == (
        f"data pribadi {ani.person} telah dihapus pada daun {b.state.size - 1}: data itu tidak dapat diperbaiki lagi"
    )


def test_edition_2_refuses_the_rectification_kind(b2: LedgerBuilder, ani: Disclosure) -> None:
    refuse(b2, b2.sign(b2.admin, "personal_data.rectified", f"person/{ani.person}", rectified(ani)), "rules_edition")


# --- through the ledger: the store, the exports and verify follow the latest commitment -------------


def rectify_cli(led: Ledger, *args: str, key: Path | None = None) -> tuple[int, str, str]:
    return run(
        led.capsys,
        "personal",
        "rectify",
        "--ledger",
        str(led.dir),
        "--basis",
        "permintaan subjek data, UU 27/2022 pasal 6",
        "--key",
        str(key or led.admin),
        "--at",
        led.at(),
        *args,
    )


def size_of(led: Ledger) -> int:
    store = open_ledger(led.dir)
    try:
        return store.size
    finally:
        store.close()


def store_rows(led: Ledger) -> dict[str, dict[str, Any]]:
    with PersonalDataStore(led.dir) as store:
        return {d.person: d.data.to_json() for d in store.all()}


def test_rectification_corrects_the_store_the_copies_and_verification_follows(ledger: Ledger) -> None:
    auditor, backup = ledger.tmp / "auditor", ledger.tmp / "personal-backup.sqlite"
    ok(ledger.capsys, "export", "--ledger", str(ledger.dir), str(auditor), "--auditor")
    ok(ledger.capsys, "personal", "backup", "--ledger", str(ledger.dir), str(backup))
    disclosure_out = ledger.tmp / "ani-corrected.json"
    status, out, err = rectify_cli(
        ledger, "--person", ANI[1], "--name", CORRECTED[0], "--number", CORRECTED[1], "--out", str(disclosure_out)
    )
    assert status == 0, err
    done = json.loads(out)
    assert done["person"] == ledger.ani
    assert done["exports_rewritten"] == [str(auditor.resolve())]
    assert done["backups_rewritten"] == [str(backup.resolve())]
    corrected = Disclosure.from_json(json.loads(disclosure_out.read_text()))
    assert corrected.commitment == done["commitment"] and corrected.data == PersonalData(*CORRECTED)
    assert stat.S_IMODE(disclosure_out.stat().st_mode) == 0o600

    # The entry carries the commitment and the basis, never the data.
    leaf = json.loads(ok(ledger.capsys, "show", "--ledger", str(ledger.dir), str(done["rectification"]["index"])))
    assert leaf["entry"]["body"] == {
        "commitment": done["commitment"],
        "basis": "permintaan subjek data, UU 27/2022 pasal 6",
    }
    assert store_rows(ledger)[ledger.ani] == {"name": CORRECTED[0], "number": CORRECTED[1]}
    # The wrong data is gone from every file the ledger wrote, including the free pages and the WAL.
    for needle in ANI:
        assert holding(needle, ledger.dir, auditor, backup) == [], needle
    for needle in CORRECTED:
        assert set(holding(needle, ledger.dir, auditor, backup)) <= {
            str(ledger.dir / "personal.sqlite"),
            str(ledger.dir / "personal.sqlite-wal"),
            str(backup),
        }
        assert holding(needle, backup) == [str(backup)]
    # The auditor export's log ends before the rectification, with the old commitment: it keeps
    # verifying, without the person; a new auditor export carries the corrected data.
    report = ledger.verify(auditor)
    assert report["status"] == 0 and report["ok"] and report["persons_checked"] == 3, report
    later = ledger.tmp / "auditor-later"
    ok(ledger.capsys, "export", "--ledger", str(ledger.dir), str(later), "--auditor")
    for source in (ledger.dir, later):
        report = ledger.verify(source)
        assert report["status"] == 0 and report["ok"] and report["persons_checked"] == 4, report
    # The data before the rectification no longer opens the log's commitment: verify names it.
    document = json.loads((later / "personal-data.json").read_text())
    for item in document["persons"]:
        if item["person"] == ledger.ani:
            item["data"] = {"name": ANI[0], "number": ANI[1]}
    (later / "personal-data.json").write_text(json.dumps(document))
    failures = ledger.verify(later)["failures"]
    assert [(f["code"], f["leaf_index"]) for f in failures] == [
        ("personal_data_mismatch", done["rectification"]["index"])
    ]
    # A later pact of the person takes the corrected disclosure, not the old data.
    body = {
        "employee": {"person": ledger.ani, "commitment": done["commitment"]},
        "pact_digest": encode_base64(bytes(32)),
        "signed_on": "2024-02-01",
        "occasion": "yearly",
    }
    ledger.submit(ledger.registrar, "pact.signed", f"pact/{UNIT}/{ledger.ani}", body, disclosure_out)
    assert ledger.verify(ledger.dir)["ok"]
    # The rectification was a recorded read of the data held (it filled in nothing here, but read it).
    reads = json.loads(ok(ledger.capsys, "personal", "reads", "--ledger", str(ledger.dir), ledger.ani))
    assert [r["purpose"] for r in reads] == ["rectification"]


def test_a_rectification_of_the_name_only_keeps_the_number(ledger: Ledger) -> None:
    old_pact = ledger.tmp / "budi-pact.json"  # the fixture's last submission: Budi's pact
    shutil.copyfile(ledger.tmp / "submission.json", old_pact)
    [old_disclosure] = ledger.tmp.glob("disclosure-*-Budi.json")
    status, _, err = rectify_cli(ledger, "--person", ledger.budi, "--name", "Budi Santosa Contoh")
    assert status == 0, err
    assert store_rows(ledger)[ledger.budi] == {"name": "Budi Santosa Contoh", "number": BUDI[1]}
    assert ledger.verify(ledger.dir)["ok"]
    # The old pact sent again is a duplicate: the store keeps the corrected data, not the old.
    again = json.loads(
        ok(ledger.capsys, "append", "--ledger", str(ledger.dir), str(old_pact), "--disclosure", str(old_disclosure))
    )
    assert again["duplicate"] is True
    assert store_rows(ledger)[ledger.budi] == {"name": "Budi Santosa Contoh", "number": BUDI[1]}
    assert holding(BUDI[0], ledger.dir) == []


def test_a_rectification_takes_a_disclosure_file_of_the_same_person(ledger: Ledger) -> None:
    corrected, other = ledger.tmp / "corrected.json", ledger.tmp / "other.json"
    made = json.loads(
        ok(
            ledger.capsys,
            "personal",
            "commit",
            "--person",
            ledger.ani,
            "--name",
            CORRECTED[0],
            "--number",
            CORRECTED[1],
            "--out",
            str(corrected),
        )
    )
    ok(ledger.capsys, "personal", "commit", "--person", ledger.budi, "--name", "Budi Contoh", "--out", str(other))
    size = size_of(ledger)
    status, _, err = rectify_cli(ledger, "--person", ANI[1], "--disclosure", str(other))
    assert status == 1 and err.startswith("integritas: invalid_personal_data:"), err  # Budi's, not Ani's
    status, _, err = rectify_cli(ledger, "--person", ANI[1], "--disclosure", str(corrected), "--name", "X")
    assert status == 2 and err.startswith("integritas: usage:"), err
    assert size_of(ledger) == size
    status, out, err = rectify_cli(ledger, "--person", ANI[1], "--disclosure", str(corrected))
    assert status == 0, err
    assert json.loads(out)["commitment"] == made["commitment"]
    assert store_rows(ledger)[ledger.ani] == {"name": CORRECTED[0], "number": CORRECTED[1]}


def test_a_rectification_whose_data_does_not_open_its_commitment_changes_nothing(ledger: Ledger) -> None:
    size, rows = size_of(ledger), store_rows(ledger)
    corrected = make_disclosure(PersonalData(*CORRECTED), ledger.ani)
    other = make_disclosure(PersonalData("Orang Lain Contoh"), ledger.ani)
    store = open_ledger(ledger.dir)
    try:
        with pytest.raises(VerificationFailed) as info:
            rectify_person(
                store,
                ledger.dir,
                corrected,
                basis="x",
                key=read_private_key(ledger.admin),
                at=ledger.at(),
                commitment=other.commitment,
            )
    finally:
        store.close()
    assert info.value.code == "personal_data_mismatch"
    assert size_of(ledger) == size and store_rows(ledger) == rows
    # The same through `append --disclosure`: a signed rectification with a disclosure that does not open it.
    signed = ok(
        ledger.capsys,
        "sign",
        "--ledger",
        str(ledger.dir),
        "--key",
        str(ledger.admin),
        "--kind",
        "personal_data.rectified",
        "--stream",
        f"person/{ledger.ani}",
        "--body",
        json.dumps({"commitment": other.commitment, "basis": "x"}),
        "--at",
        ledger.at(),
    )
    submission, disclosure = ledger.tmp / "rectified.json", ledger.tmp / "corrected.json"
    submission.write_text(signed)
    disclosure.write_text(json.dumps(corrected.to_json()))
    status, _, err = run(
        ledger.capsys, "append", "--ledger", str(ledger.dir), str(submission), "--disclosure", str(disclosure)
    )
    assert status == 1 and err.startswith("integritas: personal_data_mismatch:")
    status, _, err = run(ledger.capsys, "append", "--ledger", str(ledger.dir), str(submission))
    assert status == 1 and err.startswith("integritas: invalid_personal_data:")  # no disclosure at all
    assert size_of(ledger) == size and store_rows(ledger) == rows
    # Its twin: the disclosure that opens it is taken.
    disclosure.write_text(json.dumps(other.to_json()))
    ok(ledger.capsys, "append", "--ledger", str(ledger.dir), str(submission), "--disclosure", str(disclosure))
    assert store_rows(ledger)[ledger.ani] == {"name": "Orang Lain Contoh"}


def test_a_rectification_of_an_erased_or_unknown_person_or_by_a_non_administrator_changes_nothing(
    ledger: Ledger,
) -> None:
    ok(
        ledger.capsys,
        *ledger.erase_command(BUDI[1], at=ledger.at()),
    )
    size, rows = size_of(ledger), store_rows(ledger)
    status, _, err = rectify_cli(ledger, "--person", ledger.budi, "--name", "Budi Baru Contoh", "--number", BUDI[1])
    assert status == 1 and err.startswith("integritas: person_erased:"), err
    status, _, err = rectify_cli(ledger, "--person", "p-00000000000000000000", "--name", "Siapa Contoh")
    assert status == 1 and err.startswith("integritas: person_not_in_log:"), err
    status, _, err = rectify_cli(ledger, "--person", "199001012020011001", "--name", "Siapa Contoh")
    assert status == 4 and err.startswith("integritas: unknown_person:"), err
    status, _, err = rectify_cli(ledger, "--person", ANI[1], "--name", CORRECTED[0], key=ledger.registrar)
    assert status == 1 and err.startswith("integritas: role_not_allowed:"), err
    assert size_of(ledger) == size and store_rows(ledger) == rows
    for needle in ("Budi Baru Contoh", "Siapa Contoh", CORRECTED[0]):
        assert holding(needle, ledger.dir) == [], needle


# --- backups of the store that erasure reaches --------------------------------------------------------


def test_a_backup_is_private_registered_and_erasure_reaches_it(ledger: Ledger) -> None:
    backup = ledger.tmp / "backups" / "personal-1.sqlite"
    backup.parent.mkdir()
    done = json.loads(ok(ledger.capsys, "personal", "backup", "--ledger", str(ledger.dir), str(backup)))
    assert done["persons"] == 4
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert json.loads((ledger.dir / "personal-backups.json").read_text()) == {"backups": [str(backup.resolve())]}
    assert [p.name for p in backup.parent.iterdir()] == ["personal-1.sqlite"]  # one file: no WAL beside it
    for needle in (*ANI, *BUDI):
        assert holding(needle, backup)
    by_hand = ledger.tmp / "copied-by-hand.sqlite"
    shutil.copyfile(backup, by_hand)  # a copy the ledger did not make, and does not reach

    erased = json.loads(
        ok(
            ledger.capsys,
            *ledger.erase_command(ANI[1], at=ledger.at()),
        )
    )
    assert erased["backups_rewritten"] == [str(backup.resolve())]
    for needle in ANI:
        assert holding(needle, ledger.dir, backup.parent) == [], needle
        assert holding(needle, by_hand) == [str(by_hand)]  # the twin: an unregistered copy keeps it
    for needle in BUDI:
        assert holding(needle, backup)  # the other person's data is untouched

    # Restoring the unregistered copy does not resurrect the erased person; it is registered and purged.
    restored = json.loads(ok(ledger.capsys, "personal", "restore", "--ledger", str(ledger.dir), str(by_hand)))
    assert restored["not_restored"] == {"erased": [ledger.ani], "unlogged": [], "outdated": []}
    assert restored["persons_restored"] == 3
    assert ledger.ani not in store_rows(ledger)
    for needle in ANI:
        assert holding(needle, ledger.dir, backup.parent, by_hand) == [], needle
    assert str(by_hand.resolve()) in json.loads((ledger.dir / "personal-backups.json").read_text())["backups"]
    report = ledger.verify(ledger.dir)
    assert report["ok"] and report["persons_checked"] == 3, report


def test_a_lost_store_is_restored_from_its_backup_with_its_reads(ledger: Ledger) -> None:
    backup = ledger.tmp / "personal.bak"
    ok(ledger.capsys, "personal", "show", "--ledger", str(ledger.dir), BUDI[1], "--purpose", "audit", "--reader", "a")
    ok(ledger.capsys, "personal", "backup", "--ledger", str(ledger.dir), str(backup))
    before = store_rows(ledger)
    for name in ("personal.sqlite", "personal.sqlite-wal", "personal.sqlite-shm"):
        (ledger.dir / name).unlink(missing_ok=True)
    restored = json.loads(ok(ledger.capsys, "personal", "restore", "--ledger", str(ledger.dir), str(backup)))
    assert restored == {
        "persons_restored": 4,
        "reads_restored": 1,
        "not_restored": {"erased": [], "unlogged": [], "outdated": []},
    }
    assert store_rows(ledger) == before
    report = ledger.verify(ledger.dir)
    assert report["ok"] and report["persons_checked"] == 4
    # Restored again: nothing doubles.
    again = json.loads(ok(ledger.capsys, "personal", "restore", "--ledger", str(ledger.dir), str(backup)))
    assert (
        again["reads_restored"] == 0
        and len(json.loads(ok(ledger.capsys, "personal", "reads", "--ledger", str(ledger.dir)))) == 1
    )


def test_a_backup_older_than_a_rectification_does_not_undo_it(ledger: Ledger) -> None:
    backup = ledger.tmp / "personal.bak"
    ok(ledger.capsys, "personal", "backup", "--ledger", str(ledger.dir), str(backup))
    older = ledger.tmp / "older-copy.bak"
    shutil.copyfile(backup, older)  # not registered: the rectification does not reach it
    status, _, err = rectify_cli(ledger, "--person", ANI[1], "--name", CORRECTED[0])
    assert status == 0, err
    restored = json.loads(ok(ledger.capsys, "personal", "restore", "--ledger", str(ledger.dir), str(older)))
    assert restored["not_restored"]["outdated"] == [ledger.ani]
    assert store_rows(ledger)[ledger.ani]["name"] == CORRECTED[0]
    assert ledger.verify(ledger.dir)["ok"]


def test_backup_and_restore_refuse_what_they_cannot_do(ledger: Ledger) -> None:
    backup = ledger.tmp / "personal.bak"
    backup.write_text("already here")
    status, _, err = run(ledger.capsys, "personal", "backup", "--ledger", str(ledger.dir), str(backup))
    assert status == 1 and err.startswith("integritas: not_empty:") and str(ledger.tmp) not in err
    assert backup.read_text() == "already here"
    status, _, err = run(ledger.capsys, "personal", "restore", "--ledger", str(ledger.dir), str(backup))
    assert status == 1 and err.startswith("integritas: invalid_backup:") and str(ledger.tmp) not in err
    assert not (ledger.dir / "personal-backups.json").exists()


# --- the ledger's own backup holds no personal data; its restore carries the store over ----------------


def test_the_ledger_backup_holds_no_personal_data_and_restore_keeps_the_store(ledger: Ledger) -> None:
    out = ledger.tmp / "ledger-backup"
    ok(ledger.capsys, "backup", "--ledger", str(ledger.dir), str(out))
    for needle in (*ANI, *BUDI):
        assert holding(needle, out) == [], needle
    ok(ledger.capsys, "restore", "--ledger", str(ledger.dir), str(out))
    replaced = [p for p in ledger.tmp.iterdir() if p.name.startswith("ledger.replaced-")]
    assert len(replaced) == 1
    for needle in (*ANI, *BUDI):
        assert holding(needle, replaced[0]) == [], needle  # the kept directory holds none out of erasure's reach
        assert holding(needle, ledger.dir)
    report = ledger.verify(ledger.dir)
    assert report["status"] == 0 and report["ok"] and report["persons_checked"] == 4, report


def test_an_erasure_outlives_a_rollback_of_the_log(ledger: Ledger) -> None:
    """A ledger restore that rolls the log back past an erasure entry: the store, carried over,
    remembers the erasure, so neither a backup nor a new entry brings the person back."""
    out, backup = ledger.tmp / "ledger-backup", ledger.tmp / "personal.bak"
    ok(ledger.capsys, "backup", "--ledger", str(ledger.dir), str(out))
    ok(ledger.capsys, "personal", "backup", "--ledger", str(ledger.dir), str(backup))
    by_hand = ledger.tmp / "copied-by-hand.sqlite"
    shutil.copyfile(backup, by_hand)
    ani_disclosure = next(d for d in read_backup(by_hand).persons if d.person == ledger.ani)
    size = size_of(ledger)
    ok(
        ledger.capsys,
        *ledger.erase_command(ANI[1]),
    )
    assert read_backup(backup).erased == [ledger.ani]  # the registered backup remembers it too
    ok(ledger.capsys, "restore", "--ledger", str(ledger.dir), str(out), "--allow-rollback")
    assert size_of(ledger) == size  # the erasure entry is gone from the log

    restored = json.loads(ok(ledger.capsys, "personal", "restore", "--ledger", str(ledger.dir), str(by_hand)))
    assert restored["not_restored"]["erased"] == [ledger.ani] and restored["persons_restored"] == 3
    # The twin: the person's data is in the copy, and would have opened the rolled-back log's commitment.
    store = open_ledger(ledger.dir)
    try:
        known = store.person(ledger.ani)
        assert known is not None and known.erased_index is None
        verify_disclosure(ani_disclosure, known.commitment)
    finally:
        store.close()
    for needle in ANI:
        assert holding(needle, ledger.dir, by_hand, backup) == [], needle
    # A new entry naming the person, with the disclosure that opens it, is refused before the append.
    disclosure = ledger.tmp / "ani.json"
    disclosure.write_text(json.dumps(ani_disclosure.to_json()))
    body = {
        "employee": {"person": ledger.ani, "commitment": ani_disclosure.commitment},
        "pact_digest": encode_base64(bytes(32)),
        "signed_on": "2024-02-01",
        "occasion": "yearly",
    }
    signed = ok(
        ledger.capsys,
        "sign",
        "--ledger",
        str(ledger.dir),
        "--key",
        str(ledger.registrar),
        "--kind",
        "pact.signed",
        "--stream",
        f"pact/{UNIT}/{ledger.ani}",
        "--body",
        json.dumps(body),
        "--at",
        ledger.at(),
    )
    submission = ledger.tmp / "pact.json"
    submission.write_text(signed)
    status, _, err = run(
        ledger.capsys, "append", "--ledger", str(ledger.dir), str(submission), "--disclosure", str(disclosure)
    )
    assert status == 1 and err.startswith("integritas: person_erased:"), err
    assert size_of(ledger) == size and holding(ANI[0], ledger.dir) == []
