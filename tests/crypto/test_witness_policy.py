"""Sigsum-format witness policies: parsing, quorum rules, enforcement on cosigned checkpoints."""

from __future__ import annotations

import hashlib

import pytest

from ledger.crypto.checkpoint import Checkpoint, format_checkpoint, sign_checkpoint
from ledger.crypto.cosignature import add_cosignatures, cosign_note, format_cosignature_line
from ledger.crypto.keys import private_key_from_seed
from ledger.crypto.witness_policy import parse_witness_policy, verify_witness_quorum
from ledger.errors import MalformedInput, VerificationFailed

ORIGIN = "integritas.example/blora"


def _key(label: str):  # type: ignore[no-untyped-def]
    return private_key_from_seed(hashlib.sha256(label.encode()).digest())


def _hex(label: str) -> str:
    return _key(label).public_key().public_bytes_raw().hex()


POLICY = f"""
# the log and two witnesses of the Blora demo
log {_hex("log")} http://127.0.0.1:8000
witness kejari.example/w {_hex("kejari")} http://127.0.0.1:8101
witness polres.example/w {_hex("polres")}   # no URL: offline verification needs none
witness inspektorat.example/w {_hex("inspektorat")}
group law any kejari.example/w polres.example/w
group both all law inspektorat.example/w
quorum law
"""


def test_parse_and_quorum_rules() -> None:
    policy = parse_witness_policy(POLICY)
    assert [w.name for w in policy.witnesses] == ["kejari.example/w", "polres.example/w", "inspektorat.example/w"]
    assert policy.witnesses[0].url == "http://127.0.0.1:8101"
    assert policy.witnesses[1].url is None
    assert policy.logs[0][0] == bytes.fromhex(_hex("log"))
    assert policy.quorum_met({"polres.example/w"})
    assert not policy.quorum_met({"inspektorat.example/w"})
    assert not policy.quorum_met(set())
    assert policy.acts("both", {"kejari.example/w", "inspektorat.example/w"})
    assert not policy.acts("both", {"kejari.example/w", "polres.example/w"})
    assert parse_witness_policy("quorum none").quorum_met(set())


def test_numeric_threshold() -> None:
    policy = parse_witness_policy(
        f"witness a {_hex('a')}\nwitness b {_hex('b')}\nwitness c {_hex('c')}\ngroup g 2 a b c\nquorum g\n"
    )
    assert policy.quorum_met({"a", "c"})
    assert not policy.quorum_met({"b"})


@pytest.mark.parametrize(
    "text",
    [
        "",  # no quorum line
        "quorum x",  # undefined name
        "quorum none\nquorum none",  # two quorum lines
        f"quorum g\nwitness a {_hex('a')}\ngroup g any a",  # name used before its definition
        f"witness a {_hex('a')}\nwitness a {_hex('b')}\nquorum a",  # defined twice
        f"witness a {_hex('a')[:-2]}\nquorum a",  # short key
        f"witness a {_hex('a')}\ngroup g 2 a\nquorum g",  # threshold above the member count
        f"witness a {_hex('a')}\ngroup g 0 a\nquorum g",  # threshold zero
        f"witness a {_hex('a')}\ngroup g any a a\nquorum g",  # a member twice
        "wintess a 00\nquorum none",  # unknown keyword
        f"witness a+b {_hex('a')}\nquorum a+b",  # not a valid key name
    ],
)
def test_malformed_policies_are_refused(text: str) -> None:
    with pytest.raises(MalformedInput) as refused:
        parse_witness_policy(text)
    assert refused.value.code == "invalid_witness_policy"


def _cosigned(*witnesses: str) -> str:
    checkpoint = Checkpoint(ORIGIN, 7, hashlib.sha256(b"7").digest())
    note = sign_checkpoint(checkpoint, _key("log"))
    for name, label in witnesses:
        cosignature = cosign_note(format_checkpoint(checkpoint), name, _key(label), 1_780_000_000)
        note = add_cosignatures(note, format_cosignature_line(cosignature))
    return note


def test_quorum_enforced_on_a_checkpoint() -> None:
    policy = parse_witness_policy(POLICY)
    log_key = bytes.fromhex(_hex("log"))
    found = verify_witness_quorum(_cosigned(("polres.example/w", "polres")), policy, log_public_key=log_key)
    assert set(found) == {"polres.example/w"}
    # Negative twins: no cosignature; a cosignature by an unknown witness; one by the wrong key.
    for note in (
        _cosigned(),
        _cosigned(("stranger.example/w", "stranger")),
        _cosigned(("inspektorat.example/w", "inspektorat")),
    ):
        with pytest.raises(VerificationFailed) as failed:
            verify_witness_quorum(note, policy, log_public_key=log_key)
        assert failed.value.code == "witness_quorum_not_met"
    with pytest.raises(VerificationFailed) as failed:
        verify_witness_quorum(_cosigned(("inspektorat.example/w", "inspektorat")), policy)
    assert failed.value.evidence["cosigned_by"] == ["inspektorat.example/w"]
    # A known witness name with another key's signature: the same name, a different key ID, ignored.
    with pytest.raises(VerificationFailed):
        verify_witness_quorum(_cosigned(("kejari.example/w", "impostor")), policy)
    # The policy lists logs: another log's key is refused.
    with pytest.raises(VerificationFailed) as unknown:
        verify_witness_quorum(_cosigned(("kejari.example/w", "kejari")), policy, log_public_key=b"\1" * 32)
    assert unknown.value.code == "witness_policy_log_unknown"
