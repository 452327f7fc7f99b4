"""Tests of ledger.crypto.record_proof (C2SP tlog-proof): exact format, strict parsing, and
verification of a real store's bundles, each with one-bit twins that must fail."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.main import main
from ledger.crypto.checkpoint import Checkpoint, SignedCheckpoint, format_checkpoint, parse_checkpoint, sign_checkpoint
from ledger.crypto.keys import encode_base64
from ledger.crypto.merkle import EMPTY_ROOT
from ledger.crypto.note import Note, format_note, format_verifier_key, parse_note, verifier_key_for
from ledger.crypto.record_proof import (
    HEADER,
    RecordProof,
    format_record_proof,
    parse_record_proof,
    verify_record_proof,
)
from ledger.errors import MalformedInput, VerificationFailed
from ledger.store.application import LedgerStore
from ledger.store.config import Storage
from tests.builder import ORIGIN, key_for
from tests.store.contract import LOG_KEY, StoreBuilder, fixed_clock, note_body
from tests.tampering_helpers import flip_bit, small_ledger

H1, H2 = bytes(range(32)), bytes(range(100, 132))
CHECKPOINT = sign_checkpoint(Checkpoint("example.com/log", 7, EMPTY_ROOT), key_for("example log"))


def test_format_without_extra() -> None:
    record = RecordProof(5, (H1, H2), CHECKPOINT)
    assert format_record_proof(record) == (
        f"c2sp.org/tlog-proof@v1\nindex 5\n{encode_base64(H1)}\n{encode_base64(H2)}\n\n{CHECKPOINT}"
    )


def test_format_with_extra_and_no_proof() -> None:
    record = RecordProof(0, (), CHECKPOINT, extra=b"VRF proof")
    assert format_record_proof(record) == f"c2sp.org/tlog-proof@v1\nextra VlJGIHByb29m\nindex 0\n\n{CHECKPOINT}"


records = st.builds(
    RecordProof,
    st.integers(min_value=0, max_value=2**64 - 1),
    st.lists(st.binary(min_size=32, max_size=32), max_size=64).map(tuple),
    st.just(CHECKPOINT),
    st.one_of(st.none(), st.binary(max_size=100)),
)


@settings(max_examples=300, deadline=None)
@given(records)
def test_round_trip(record: RecordProof) -> None:
    text = format_record_proof(record)
    assert parse_record_proof(text) == record
    assert format_record_proof(parse_record_proof(text)) == text


GOOD = format_record_proof(RecordProof(12, (H1, H2), CHECKPOINT))
GOOD_WITH_EXTRA = format_record_proof(RecordProof(12, (H1, H2), CHECKPOINT, extra=b"\x00\x01"))
B1 = encode_base64(H1)

BAD_SYNTAX = {
    "header v2": GOOD.replace(HEADER, "c2sp.org/tlog-proof@v2", 1),
    "header with a space": GOOD.replace(HEADER, HEADER + " ", 1),
    "header in capitals": GOOD.replace(HEADER, HEADER.upper(), 1),
    "no header": GOOD[len(HEADER) + 1 :],
    "CRLF line ends": GOOD.replace("\n", "\r\n", 3),
    "index 012": GOOD.replace("index 12", "index 012"),
    "index 00": GOOD.replace("index 12", "index 00"),
    "index +12": GOOD.replace("index 12", "index +12"),
    "index -12": GOOD.replace("index 12", "index -12"),
    "index 1_2": GOOD.replace("index 12", "index 1_2"),
    "index with two spaces": GOOD.replace("index 12", "index  12"),
    "index with a trailing space": GOOD.replace("index 12", "index 12 "),
    "index in Arabic-Indic digits": GOOD.replace("index 12", "index \u0661\u0662"),
    "index empty": GOOD.replace("index 12", "index "),
    "no index line": GOOD.replace("index 12\n", ""),
    "Index": GOOD.replace("index 12", "Index 12"),
    "extra after index": GOOD_WITH_EXTRA.replace("extra AAE=\nindex 12", "index 12\nextra AAE="),
    "no empty line": GOOD.replace("\n\n", "\n", 1),
    "no empty line and no checkpoint": GOOD.split("\n\n")[0],
    "a checkpoint that is not a note": GOOD.split("\n\n")[0] + "\n\nexample.com/log\n7\n",
    "nothing after the empty line": GOOD.split("\n\n")[0] + "\n\n",
}
BAD_BASE64 = {
    "proof hash not base64": GOOD.replace(B1, "!" + B1[1:]),
    "proof hash without padding": GOOD.replace(B1, B1.rstrip("=")),
    "proof hash non-canonical": GOOD.replace(B1, B1[:-2] + "B="),
    "proof hash url-safe": format_record_proof(RecordProof(1, (b"\xfb" * 32,), CHECKPOINT)).replace("+", "-"),
    "proof hash of 31 bytes": GOOD.replace(B1, encode_base64(H1[:31])),
    "proof hash of 33 bytes": GOOD.replace(B1, encode_base64(H1 + b"\x00")),
    "proof hash with a space": GOOD.replace(B1, " " + B1),
    "extra not base64": GOOD_WITH_EXTRA.replace("extra AAE=", "extra AAE"),
}


def test_the_good_bundles_parse() -> None:
    # The positive twins of every refusal below.
    assert parse_record_proof(GOOD) == RecordProof(12, (H1, H2), CHECKPOINT)
    assert parse_record_proof(GOOD_WITH_EXTRA).extra == b"\x00\x01"
    assert parse_record_proof(format_record_proof(RecordProof(1, (b"\xfb" * 32,), CHECKPOINT))).proof == (b"\xfb" * 32,)


@pytest.mark.parametrize("case", sorted(BAD_SYNTAX))
def test_refuses_malformed_syntax(case: str) -> None:
    text = BAD_SYNTAX[case]
    assert text != GOOD
    with pytest.raises(MalformedInput) as caught:
        parse_record_proof(text)
    assert caught.value.code == "invalid_proof_bundle"


@pytest.mark.parametrize("case", sorted(BAD_BASE64))
def test_refuses_bad_base64(case: str) -> None:
    with pytest.raises(MalformedInput):
        parse_record_proof(BAD_BASE64[case])


@pytest.mark.parametrize(
    "text",
    [
        BAD_BASE64["proof hash not base64"],
        BAD_BASE64["extra not base64"],
        BAD_SYNTAX["a checkpoint that is not a note"],
        BAD_SYNTAX["no empty line"],
    ],
    ids=["proof hash", "extra", "checkpoint", "no empty line"],
)
def test_every_malformed_bundle_has_the_documented_code(text: str) -> None:
    with pytest.raises(MalformedInput) as caught:
        parse_record_proof(text)
    assert caught.value.code == "invalid_proof_bundle"


TWO_EMPTY_LINES = GOOD.replace("\n\n", "\n\n\n", 1)


def test_a_checkpoint_after_two_empty_lines_does_not_verify() -> None:
    # Refused before any signature is looked at: the checkpoint would start with an empty line.
    verifier = verifier_key_for("example.com/log", key_for("example log").public_key())
    with pytest.raises(MalformedInput) as caught:
        verify_record_proof(TWO_EMPTY_LINES, b"leaf", verifier)
    assert caught.value.code == "invalid_proof_bundle"


def test_refuses_two_empty_lines_before_the_checkpoint() -> None:
    with pytest.raises(MalformedInput):
        parse_record_proof(TWO_EMPTY_LINES)


# --- bundles of a real store ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store() -> LedgerStore:
    """An in-memory log of 21 leaves: every proof shape of a small, unbalanced tree."""
    store = LedgerStore(Storage.memory(), ORIGIN, LOG_KEY, clock=fixed_clock)
    builder = StoreBuilder(store)
    builder.standard_cast()
    builder.register_unit("dpm")
    for n in range(10):
        builder.submit(builder.overseer, "oversight.noted", "oversight/dpm", note_body(f"catatan {n}"))
    assert store.size == 21
    return store


def bundles(store: LedgerStore) -> list[tuple[int, str, bytes]]:
    return [(index, store.record_proof(index), store.leaf(index)) for index in range(store.size)]


def flip_checkpoint_root(checkpoint: str, bit: int) -> str:
    note = parse_note(checkpoint)
    body = parse_checkpoint(note.text)
    changed = format_checkpoint(replace(body, root_hash=flip_bit(body.root_hash, bit)))
    return format_note(Note(changed, note.signatures))


def flip_checkpoint_signature(checkpoint: str, bit: int) -> str:
    note = parse_note(checkpoint)
    signature = note.signatures[0]
    changed = replace(signature, signature=flip_bit(signature.signature, bit))
    return format_note(Note(note.text, (changed,)))


def test_every_leaf_verifies_against_the_latest_checkpoint(store: LedgerStore) -> None:
    latest = store.latest_checkpoint()
    expected = SignedCheckpoint(latest).checkpoint
    for index, text, leaf in bundles(store):
        record = parse_record_proof(text)
        assert record.index == index
        assert record.extra is None
        assert record.checkpoint == latest  # byte for byte the store's signed checkpoint
        assert list(record.proof) == store.tree.inclusion_proof(index, store.size)
        assert verify_record_proof(text, leaf, store.verifier_key) == expected


def test_a_flipped_bit_in_the_leaf_fails(store: LedgerStore) -> None:
    for _, text, leaf in bundles(store):
        for bit in (0, 7 * 8 + 3, len(leaf) * 8 // 2, len(leaf) * 8 - 1):
            with pytest.raises(VerificationFailed) as caught:
                verify_record_proof(text, flip_bit(leaf, bit), store.verifier_key)
            assert caught.value.code == "inclusion_proof_invalid"


def test_a_flipped_bit_in_any_proof_hash_fails(store: LedgerStore) -> None:
    checked = 0
    for index, text, leaf in bundles(store):
        record = parse_record_proof(text)
        for position in range(len(record.proof)):
            bit = (index * 37 + position * 11) % 256
            proof = list(record.proof)
            proof[position] = flip_bit(proof[position], bit)
            changed = format_record_proof(replace(record, proof=tuple(proof)))
            with pytest.raises(VerificationFailed) as caught:
                verify_record_proof(changed, leaf, store.verifier_key)
            assert caught.value.code == "inclusion_proof_invalid"
            checked += 1
    assert checked >= 21 * 4


def test_a_proof_hash_more_or_less_fails(store: LedgerStore) -> None:
    for _, text, leaf in bundles(store):
        record = parse_record_proof(text)
        for proof in (record.proof[:-1], (*record.proof, record.proof[0])):
            with pytest.raises(VerificationFailed):
                verify_record_proof(format_record_proof(replace(record, proof=proof)), leaf, store.verifier_key)


def test_a_flipped_bit_in_the_checkpoint_root_fails(store: LedgerStore) -> None:
    for index, text, leaf in bundles(store):
        record = parse_record_proof(text)
        changed = replace(record, checkpoint=flip_checkpoint_root(record.checkpoint, index * 12))
        with pytest.raises(VerificationFailed) as caught:
            verify_record_proof(format_record_proof(changed), leaf, store.verifier_key)
        assert caught.value.code == "note_signature_invalid"


def test_a_flipped_bit_in_the_checkpoint_signature_fails(store: LedgerStore) -> None:
    for index, text, leaf in bundles(store):
        record = parse_record_proof(text)
        changed = replace(record, checkpoint=flip_checkpoint_signature(record.checkpoint, index * 24 + 5))
        with pytest.raises(VerificationFailed) as caught:
            verify_record_proof(format_record_proof(changed), leaf, store.verifier_key)
        assert caught.value.code == "note_signature_invalid"


def test_a_wrong_index_fails(store: LedgerStore) -> None:
    for index, text, leaf in bundles(store):
        record = parse_record_proof(text)
        for other in {*range(store.size + 2)} - {index}:
            changed = format_record_proof(replace(record, index=other))
            with pytest.raises(VerificationFailed) as caught:
                verify_record_proof(changed, leaf, store.verifier_key)
            assert caught.value.code == "inclusion_proof_invalid"


def test_another_leaf_with_this_bundle_fails(store: LedgerStore) -> None:
    everything = bundles(store)
    for index, text, _ in everything:
        for other, _, leaf in everything:
            if other != index:
                with pytest.raises(VerificationFailed):
                    verify_record_proof(text, leaf, store.verifier_key)


def test_another_logs_verifier_key_fails(store: LedgerStore) -> None:
    another_key = verifier_key_for(ORIGIN, key_for("another log").public_key())
    same_key_other_origin = verifier_key_for("other.integritas.example/log", LOG_KEY.public_key())
    for _, text, leaf in bundles(store):
        for verifier in (another_key, same_key_other_origin):
            with pytest.raises(VerificationFailed) as caught:
                verify_record_proof(text, leaf, verifier)
            assert caught.value.code == "note_unknown_key"


# --- through the command line ------------------------------------------------------------------------------


def test_prove_and_verify_record_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    builder = small_ledger(tmp_path / "ledger")
    store = builder.store
    index = store.size - 3
    leaf_file = tmp_path / "leaf.json"
    assert main(["prove", "--ledger", str(tmp_path / "ledger"), str(index), "--leaf-out", str(leaf_file)]) == 0
    bundle = capsys.readouterr().out
    assert bundle == store.record_proof(index)
    assert leaf_file.read_bytes() == store.leaf(index)
    bundle_file = tmp_path / "record.tlog-proof"
    bundle_file.write_text(bundle, encoding="utf-8")

    trust = str(tmp_path / "ledger" / "trust.json")
    assert main(["verify-record", str(bundle_file), str(leaf_file), "--trust", trust]) == 0
    out = capsys.readouterr().out
    assert out == f"OK: the leaf is in {store.origin} at the bundle's index, checkpoint size {store.size}\n"

    # Negative twins: one flipped bit in the leaf; the right leaf under another log's key.
    leaf_file.write_bytes(flip_bit(store.leaf(index), 40))
    assert main(["verify-record", str(bundle_file), str(leaf_file), "--trust", trust]) == 1
    assert capsys.readouterr().err.startswith("integritas: inclusion_proof_invalid: ")
    leaf_file.write_bytes(store.leaf(index))
    other = verifier_key_for(store.origin, key_for("another log").public_key())
    status = main(["verify-record", str(bundle_file), str(leaf_file), "--verifier-key", format_verifier_key(other)])
    assert status == 1
    assert capsys.readouterr().err.startswith("integritas: note_unknown_key: ")
