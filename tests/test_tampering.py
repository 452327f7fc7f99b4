"""Damage made behind the store's back, and the verifier naming it (DESIGN §6).

Each test changes a copy of the demo ledger (its export or its data directory) or a small ledger,
then checks that `verify_log` reports exactly the failures the damage calls for: their codes, the
leaf indices, and every failing leaf rather than the first. Exports are rewritten with
tests/tampering_helpers.py; where the tiles and checkpoint are rebuilt and signed by the real log
key, the export is what a compromised server could serve, and only the entry checks can notice.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import sql

from ledger.crypto.checkpoint import sign_checkpoint, verify_checkpoint
from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes
from ledger.crypto.merkle import MerkleTree, hash_leaf, verify_consistency
from ledger.crypto.note import Note, format_note, parse_note
from ledger.crypto.tiles import TILE_WIDTH, Tile, format_entry_bundle, parse_entry_bundle
from ledger.entry import parse_leaf, sign_entry, submission_from_json
from ledger.errors import VerificationFailed
from ledger.verify import Report, TrustAnchor
from tests.builder import key_for
from tests.tampering_helpers import (
    DEMO_SIZE,
    DemoLedger,
    break_signature,
    build_demo_ledger,
    copy_tree,
    delete_last_sqlite_leaf,
    delete_sqlite_leaf,
    demo_key,
    edit_sqlite_leaf,
    failures,
    flip_bit,
    independent_notes,
    ordered,
    read_export,
    resign,
    small_ledger,
    verify,
    write_export,
)

LOG_KEY = demo_key("log")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoLedger:
    return build_demo_ledger(tmp_path_factory.mktemp("tampering"))


@pytest.fixture(scope="module")
def notes(demo: DemoLedger) -> list[int]:
    """Oversight notes nothing else depends on: damage to one makes exactly that leaf fail."""
    found = independent_notes(demo.leaves)
    assert len(found) >= 4
    return found


@pytest.fixture
def export(demo: DemoLedger, tmp_path: Path) -> Path:
    return copy_tree(demo.export, tmp_path / "export")


def tile_failures(report: Report) -> dict[str, int | None]:
    return {f.evidence["tile"]: f.leaf_index for f in report.failures if f.code == "tile_mismatch"}


def note_signer(demo: DemoLedger, index: int) -> Ed25519PrivateKey:
    signer = parse_leaf(demo.leaves[index]).entry.signer
    for name in ("overseer/district_prosecutor", "overseer/district_police_chief"):
        if fingerprint(demo_key(name).public_key()) == signer:
            return demo_key(name)
    raise AssertionError(f"leaf {index} is not signed by an overseer of the demo")


def test_untampered_copies_verify(demo: DemoLedger, export: Path, tmp_path: Path) -> None:
    # The positive twin of every test below: a copy made the same way, left alone, verifies.
    assert read_export(export) == list(demo.leaves)
    assert verify(export, demo.trust).ok
    write_export(export, demo.leaves, origin=demo.origin, log_key=LOG_KEY)  # rewritten unchanged
    assert (export / "checkpoint").read_text(encoding="utf-8") == demo.store.latest_checkpoint()
    assert verify(export, demo.trust).ok
    assert verify(copy_tree(demo.directory, tmp_path / "ledger"), demo.trust).ok


# --- an entry edited in the database -----------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2])
def test_a_byte_edited_in_the_sqlite_file(demo: DemoLedger, notes: list[int], tmp_path: Path, count: int) -> None:
    ledger = copy_tree(demo.directory, tmp_path / "ledger")
    edited = [notes[0], notes[3]][:count]
    for index in edited:
        text = parse_leaf(demo.leaves[index]).entry.body["text"]
        position = len(text) // 2
        changed = text[:position] + ("X" if text[position] != "X" else "Y") + text[position + 1 :]
        edit_sqlite_leaf(ledger, index, text.encode(), changed.encode())
    report = verify(ledger, demo.trust)
    assert failures(report) == [*((index, "bad_signature") for index in edited), (None, "root_mismatch")]
    (root,) = [f for f in report.failures if f.code == "root_mismatch"]
    assert root.evidence["expected_root"] == demo.store.tree.root()
    assert report.entries_checked == DEMO_SIZE


@pytest.mark.postgres
def test_a_byte_edited_in_a_postgres_row(postgres_dsn: dict[str, Any], tmp_path: Path) -> None:
    url = postgres_dsn["url"]
    store = small_ledger(tmp_path / "ledger", postgres_dsn=url).store
    trust = TrustAnchor.load(tmp_path / "ledger" / "trust.json")
    assert verify(tmp_path / "ledger", trust).ok
    last = store.size - 1
    text = parse_leaf(store.leaf(last)).entry.body["text"]
    with psycopg.connect(url) as connection:
        where = sql.SQL("WHERE originator_id = 'log' AND originator_version = %s")
        row = connection.execute(
            sql.SQL("SELECT state FROM {} {}").format(sql.Identifier("integritas_events"), where), (last + 1,)
        ).fetchone()
        assert row is not None
        state = bytes(row[0])
        assert state.count(text.encode()) == 1
        connection.execute(
            sql.SQL("UPDATE {} SET state = %s {}").format(sql.Identifier("integritas_events"), where),
            (state.replace(text.encode(), text.replace("catatan", "cAtatan").encode()), last + 1),
        )
    report = verify(tmp_path / "ledger", trust)
    assert failures(report) == [(last, "bad_signature"), (None, "root_mismatch")]


# --- entries deleted ------------------------------------------------------------------------------


def test_last_entry_cut_from_the_export(demo: DemoLedger, export: Path) -> None:
    bundle = Tile("entries", DEMO_SIZE // TILE_WIDTH, DEMO_SIZE % TILE_WIDTH)
    entries = parse_entry_bundle((export / bundle.path).read_bytes(), bundle)
    (export / bundle.path).write_bytes(format_entry_bundle(entries[:-1]))
    report = verify(export, demo.trust)
    assert failures(report) == [(None, "invalid_tile"), (None, "missing_leaves")]
    messages = [f.message for f in report.failures]
    assert messages == [
        "tile/entries/025.p/95 holds 94 entries, want 95",
        f"the log holds {25 * 256} leaves, its checkpoint says {DEMO_SIZE}",
    ]


def test_last_entry_dropped_by_a_log_that_re_signs(demo: DemoLedger, export: Path) -> None:
    # The log's own key signs the shorter tree: alone it is a valid log; the auditor's trusted
    # checkpoint of the full size shows it shrank.
    write_export(export, demo.leaves[:-1], origin=demo.origin, log_key=LOG_KEY)
    assert verify(export, demo.trust).ok
    trusted = demo.store.latest_checkpoint()
    report = verify(export, demo.trust, trusted_checkpoint=trusted)
    assert failures(report) == [(None, "consistency_failed")]
    (failure,) = report.failures
    assert failure.message == f"the log shrank: it shows size {DEMO_SIZE - 1}, the trusted checkpoint has {DEMO_SIZE}"
    assert failure.evidence["trusted_checkpoint"] == trusted


def test_last_entry_deleted_from_the_sqlite_file(demo: DemoLedger, tmp_path: Path) -> None:
    # The demo stores one checkpoint per batch: the remaining last event carries none.
    ledger = copy_tree(demo.directory, tmp_path / "ledger")
    assert delete_last_sqlite_leaf(ledger) == DEMO_SIZE - 1
    assert failures(verify(ledger, demo.trust)) == [(None, "no_checkpoint")]


def test_last_entry_deleted_from_a_ledger_with_a_checkpoint_per_entry(tmp_path: Path) -> None:
    store = small_ledger(tmp_path / "ledger").store
    trust = TrustAnchor.load(tmp_path / "ledger" / "trust.json")
    trusted = store.latest_checkpoint()
    size = store.size
    assert verify(tmp_path / "ledger", trust, trusted_checkpoint=trusted).ok
    assert delete_last_sqlite_leaf(tmp_path / "ledger") == size - 1
    # What remains is the log as it was one entry earlier, under its own signed checkpoint; the
    # directory's signed-head guard shows the loss, as it stops the server (issue 10, item 9) ...
    report = verify(tmp_path / "ledger", trust)
    assert report.checkpoint is not None and report.checkpoint.tree_size == size - 1
    assert failures(report) == [(None, "store_damaged")]
    assert f"signed a checkpoint of size {size}" in report.failures[0].message
    # ... and so does the auditor's trusted checkpoint.
    report = verify(tmp_path / "ledger", trust, trusted_checkpoint=trusted)
    assert failures(report) == [(None, "consistency_failed")]
    assert "shrank" in report.failures[0].message


def test_an_entry_deleted_from_the_middle_of_the_sqlite_file(
    demo: DemoLedger, notes: list[int], tmp_path: Path
) -> None:
    ledger = copy_tree(demo.directory, tmp_path / "ledger")
    deleted = notes[0]
    delete_sqlite_leaf(ledger, deleted)
    report = verify(ledger, demo.trust)
    assert not report.ok
    named = {f.leaf_index for f in report.failures} - {None}
    assert named == {deleted}  # the missing leaf, and no intact one


# --- entries swapped -----------------------------------------------------------------------------------------


def swappable_pair(demo: DemoLedger) -> tuple[int, int]:
    """The last two entries i < j of a stream, in one level-0 tile, whose hashes no leaf cites."""
    positions: dict[str, list[int]] = {}
    for index, leaf in enumerate(demo.leaves):
        positions.setdefault(parse_leaf(leaf).entry.stream, []).append(index)
    for indices in positions.values():
        if len(indices) < 2 or indices[-2] // TILE_WIDTH != indices[-1] // TILE_WIDTH:
            continue
        i, j = indices[-2:]
        others = b"\n".join(leaf for n, leaf in enumerate(demo.leaves) if n != j)  # j cites i as its prev
        if all(encode_base64(hash_leaf(demo.leaves[n])).encode() not in others for n in (i, j)):
            return i, j
    raise AssertionError("no swappable pair in the demo")


def swapped(demo: DemoLedger) -> tuple[list[bytes], int, int]:
    i, j = swappable_pair(demo)
    leaves = list(demo.leaves)
    leaves[i], leaves[j] = leaves[j], leaves[i]
    return leaves, i, j


def test_two_entries_swapped_with_tiles_and_checkpoint_rebuilt(demo: DemoLedger, export: Path) -> None:
    # Only the fold notices: the later entry of the stream now comes first, on a head it was not
    # signed on; the earlier one, moved later, is where it belongs in its stream again.
    leaves, i, _ = swapped(demo)
    write_export(export, leaves, origin=demo.origin, log_key=LOG_KEY)
    report = verify(export, demo.trust)
    assert failures(report) == [(i, "stale_head")]
    assert report.failures[0].evidence["stream"] == parse_leaf(demo.leaves[i]).entry.stream


def test_two_entries_swapped_in_the_bundle_only(demo: DemoLedger, export: Path) -> None:
    leaves, i, _ = swapped(demo)
    write_export(export, leaves, origin=demo.origin, tiles=False)
    report = verify(export, demo.trust)
    tile0 = Tile(0, i // TILE_WIDTH, TILE_WIDTH).path
    level1 = (i // TILE_WIDTH) * TILE_WIDTH  # the first leaf under the level-1 hash of tile0
    assert failures(report) == ordered(
        [(i, "stale_head"), (i, "tile_mismatch"), (level1, "tile_mismatch"), (None, "root_mismatch")]
    )
    assert tile_failures(report) == {tile0: i, "tile/1/000.p/25": level1}


# --- tiles and checkpoints edited ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ({"tile/0/005": 7}, {"tile/0/005": 5 * 256 + 7}),
        ({"tile/0/025.p/95": 94}, {"tile/0/025.p/95": 25 * 256 + 94}),
        ({"tile/1/000.p/25": 3}, {"tile/1/000.p/25": 3 * 256}),
        ({"tile/0/000": 0, "tile/0/011": 255}, {"tile/0/000": 0, "tile/0/011": 11 * 256 + 255}),
    ],
)
def test_an_edited_tile(demo: DemoLedger, export: Path, edits: dict[str, int], expected: dict[str, int]) -> None:
    for path, position in edits.items():
        data = (export / path).read_bytes()
        (export / path).write_bytes(flip_bit(data, position * 256 + 100))  # a bit inside hash `position`
    report = verify(export, demo.trust)
    assert failures(report) == ordered((index, "tile_mismatch") for index in expected.values())
    assert tile_failures(report) == expected
    assert report.entries_checked == DEMO_SIZE


def test_checkpoint_re_signed_by_another_key(demo: DemoLedger, export: Path) -> None:
    checkpoint = demo.store.signed_checkpoint().checkpoint
    impostor = key_for("impostor log key")
    (export / "checkpoint").write_text(sign_checkpoint(checkpoint, impostor), encoding="utf-8")
    report = verify(export, demo.trust)
    assert failures(report) == [(None, "note_unknown_key")]
    assert report.checkpoint is None and report.entries_checked == 0


def test_checkpoint_signature_with_a_flipped_bit(demo: DemoLedger, export: Path) -> None:
    note = parse_note(demo.store.latest_checkpoint())
    (signature,) = note.signatures
    changed = Note(note.text, (replace(signature, signature=flip_bit(signature.signature, 77)),))
    (export / "checkpoint").write_text(format_note(changed), encoding="utf-8")
    report = verify(export, demo.trust)
    assert failures(report) == [(None, "note_signature_invalid")]


# --- a log that equivocates ---------------------------------------------------------------------------------


def test_forked_log_is_reported_with_the_evidence(demo: DemoLedger, export: Path) -> None:
    # Entry 5 replaced by another entry its author (the administrator) validly signed; tiles and
    # checkpoint rebuilt and signed by the real log key. The fork is a valid log on its own ...
    entry5 = parse_leaf(demo.leaves[5]).entry
    assert (entry5.kind, entry5.signer) == ("key.registered", fingerprint(demo_key("admin").public_key()))

    def rename(entry: dict[str, Any]) -> None:
        # Edition 3 (the demo's): the holder is a pseudonym and a commitment; the title is in clear.
        entry["body"]["holder"]["title"] += " (palsu)"

    fork = [*demo.leaves[:5], resign(demo.leaves[5], demo_key("admin"), rename), *demo.leaves[6:]]
    fork_checkpoint = write_export(export, fork, origin=demo.origin, log_key=LOG_KEY)
    assert fork_checkpoint is not None
    assert verify(export, demo.trust).ok

    # ... but not consistent with what the auditor saw before: the original's checkpoint at 401.
    trusted = demo.store.receipt(5).checkpoint
    trusted_size = verify_checkpoint(trusted, demo.trust.verifier_key).tree_size
    assert 5 < trusted_size < DEMO_SIZE
    assert verify(demo.export, demo.trust, trusted_checkpoint=trusted).ok  # the original is consistent
    report = verify(export, demo.trust, trusted_checkpoint=trusted)
    assert failures(report) == [(None, "consistency_failed")]
    evidence = report.failures[0].evidence
    fork_tree = MerkleTree.from_leaf_hashes(hash_leaf(leaf) for leaf in fork)
    assert evidence["trusted_checkpoint"] == trusted
    assert evidence["checkpoint"] == fork_checkpoint
    assert evidence["consistency_proof"] == fork_tree.consistency_proof(trusted_size, DEMO_SIZE)
    assert evidence["root_at_trusted_size"] == fork_tree.root(trusted_size) != demo.store.tree.root(trusted_size)
    # The evidence convicts the log: both checkpoints carry its signature, and the proof that links
    # the fork's root to its past does not link it to the trusted root.
    verify_checkpoint(evidence["checkpoint"], demo.trust.verifier_key)
    proof = evidence["consistency_proof"]
    verify_consistency(trusted_size, DEMO_SIZE, fork_tree.root(trusted_size), fork_tree.root(), proof)
    with pytest.raises(VerificationFailed):
        verify_consistency(trusted_size, DEMO_SIZE, demo.store.tree.root(trusted_size), fork_tree.root(), proof)


# --- entries the log could not have accepted --------------------------------------------------------------


def test_two_broken_signatures_are_both_reported(demo: DemoLedger, notes: list[int], export: Path) -> None:
    broken = [notes[0], notes[-1]]
    leaves = list(demo.leaves)
    for index in broken:
        leaves[index] = break_signature(leaves[index])
    write_export(export, leaves, origin=demo.origin, log_key=LOG_KEY)
    for workers in (1, 2):
        report = verify(export, demo.trust, workers=workers)
        assert failures(report) == [(index, "bad_signature") for index in broken]


def future(entry: dict[str, Any]) -> None:
    entry["at"] = "2031-01-01T00:00:00Z"


def other_log(entry: dict[str, Any]) -> None:
    entry["log"] = "other.integritas.example/log"


@pytest.mark.parametrize("damage", ["not canonical", "signed by another key", "time in future", "wrong log"])
def test_an_entry_the_rules_refuse(demo: DemoLedger, notes: list[int], export: Path, damage: str) -> None:
    index = notes[1]
    leaf = demo.leaves[index]
    if damage == "not canonical":
        changed, code = b"{ " + leaf[1:], "not_canonical"
    elif damage == "signed by another key":
        submission = parse_leaf(leaf)
        forged = key_for("impostor").sign(submission.signing_input())
        changed = submission_from_json(
            {"entry": submission.entry.to_json(), "signature": encode_base64(forged)}
        ).leaf_bytes
        code = "bad_signature"
    elif damage == "time in future":
        changed, code = resign(leaf, note_signer(demo, index), future), "time_in_future"
    else:
        changed, code = resign(leaf, note_signer(demo, index), other_log), "wrong_log"
    write_export(
        export, [*demo.leaves[:index], changed, *demo.leaves[index + 1 :]], origin=demo.origin, log_key=LOG_KEY
    )
    assert failures(verify(export, demo.trust)) == [(index, code)]


def intruder_entries(demo: DemoLedger) -> tuple[bytes, bytes]:
    """A key.registered naming the administrator as signer but signed by an intruder's key, and a
    note the intruder then signs on a real unit's oversight stream."""
    intruder, admin = key_for("intruder"), demo_key("admin")
    registration = sign_entry(
        {
            "v": 1,
            "log": demo.origin,
            "kind": "key.registered",
            "stream": f"key/{fingerprint(intruder.public_key())}",
            "seq": 0,
            "prev": None,
            "at": "2024-01-01T00:00:00Z",
            "signer": fingerprint(admin.public_key()),
            "body": {
                "public_key": encode_base64(public_key_bytes(intruder.public_key())),
                "role": "overseer",
                "scope": ["*"],
                # rules edition 3 (the demo's): the holder by pseudonym and commitment
                "holder": {
                    "person": "p-" + "0" * 20,
                    "commitment": encode_base64(bytes(32)),
                    "title": "bukan siapa-siapa",
                },
                "office": {"id": "kejari-blora", "name": "Kejaksaan Negeri Blora"},  # edition 2: an overseer's office
            },
        },
        admin,
    )
    forged = intruder.sign(registration.signing_input())
    forged_leaf = submission_from_json(
        {"entry": registration.entry.to_json(), "signature": encode_base64(forged)}
    ).leaf_bytes
    stream = "oversight/dpmptsp"
    head = [submission for submission in map(parse_leaf, demo.leaves) if submission.entry.stream == stream][-1]
    note = sign_entry(
        {
            "v": 1,
            "log": demo.origin,
            "kind": "oversight.noted",
            "stream": stream,
            "seq": head.entry.seq + 1,
            "prev": encode_base64(head.leaf_hash),
            "at": "2024-01-02T00:00:00Z",
            "signer": fingerprint(intruder.public_key()),
            "body": {"topic": "finding", "text": "temuan palsu"},  # edition 2: the office is the key's
        },
        intruder,
    )
    return forged_leaf, note.leaf_bytes


def test_an_entry_by_an_unregistered_key(demo: DemoLedger, export: Path) -> None:
    _, note = intruder_entries(demo)
    write_export(export, [*demo.leaves, note], origin=demo.origin, log_key=LOG_KEY)
    assert failures(verify(export, demo.trust)) == [(DEMO_SIZE, "unknown_signer")]


def test_entries_signed_by_a_forged_key_registration_are_reported(demo: DemoLedger, export: Path) -> None:
    registration, note = intruder_entries(demo)
    write_export(export, [*demo.leaves, registration, note], origin=demo.origin, log_key=LOG_KEY)
    report = verify(export, demo.trust)
    assert failures(report) == [(DEMO_SIZE, "bad_signature"), (DEMO_SIZE + 1, "unknown_signer")]
