"""tlog-cosignature v1 (Ed25519): bytes from the spec, published vectors, an independent verifier."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.checkpoint import Checkpoint, format_checkpoint, sign_checkpoint
from ledger.crypto.cosignature import (
    Cosignature,
    CosignerKey,
    add_cosignatures,
    cosign_note,
    cosignature_message,
    cosigner_key_for,
    format_cosignature_line,
    format_cosigner_key,
    parse_cosigner_key,
    verify_cosignature,
)
from ledger.crypto.keys import private_key_from_seed
from ledger.crypto.note import format_verifier_key, parse_note, verifier_key_for, verify_note
from ledger.errors import MalformedInput, VerificationFailed

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "tlog-cosignature.json"
INTEROP = Path(__file__).resolve().parent.parent / "interop" / "cosigcheck.go"
ORIGIN = "integritas.example/blora"
WITNESS = "kejari-blora.example/witness"


def _log_key() -> Ed25519PrivateKey:
    return private_key_from_seed(hashlib.sha256(b"log").digest())


def _witness_key(label: bytes = b"kejari") -> Ed25519PrivateKey:
    return private_key_from_seed(hashlib.sha256(label).digest())


def _cosigned(size: int = 5, timestamp: int = 1_780_000_000) -> tuple[str, Cosignature]:
    checkpoint = Checkpoint(ORIGIN, size, hashlib.sha256(str(size).encode()).digest())
    signed = sign_checkpoint(checkpoint, _log_key())
    cosignature = cosign_note(format_checkpoint(checkpoint), WITNESS, _witness_key(), timestamp)
    return add_cosignatures(signed, format_cosignature_line(cosignature)), cosignature


def test_signed_message_is_the_spec_layout() -> None:
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    # c2sp.org/tlog-cosignature, "Ed25519 signed message": the example message, byte for byte.
    assert cosignature_message(text, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )


def test_key_id_and_vkey_are_the_spec_formula() -> None:
    public = _witness_key().public_key().public_bytes_raw()
    key = cosigner_key_for(WITNESS, _witness_key().public_key())
    assert key.key_id == hashlib.sha256(WITNESS.encode() + b"\n\x04" + public).digest()[:4]
    vkey = format_cosigner_key(key)
    encoded = base64.b64encode(bytes([4]) + public).decode()
    assert vkey == f"{WITNESS}+{key.key_id.hex()}+{encoded}"
    assert parse_cosigner_key(vkey) == key


def test_signature_line_payload_is_key_id_timestamp_signature() -> None:
    note, _ = _cosigned(timestamp=0x0102030405)
    line = parse_note(note).signatures[1]
    assert line.name == WITNESS
    assert line.signature[:8] == (0x0102030405).to_bytes(8, "big")
    assert len(line.signature) == 72


def test_published_vectors() -> None:
    vectors = json.loads(VECTORS.read_text())
    for vector in vectors["timestamp_vectors"]:
        raw = base64.b64decode(vector["signature"])
        if vector["timestamp"] is None:
            assert len(raw) != 4 + 8 + 64
        else:
            assert len(raw) == 4 + 8 + 64
            assert int.from_bytes(raw[4:12], "big") == vector["timestamp"]
    for vector in vectors["verifier_keys"]:
        if vector["valid"]:
            key = parse_cosigner_key(vector["vkey"])
            assert format_cosigner_key(key) == vector["vkey"]
        else:
            with pytest.raises(MalformedInput):
                parse_cosigner_key(vector["vkey"])


def test_verify_roundtrip_and_negative_twins() -> None:
    note, cosignature = _cosigned()
    key = cosigner_key_for(WITNESS, _witness_key().public_key())
    assert verify_cosignature(note, key) == cosignature
    # Older verifiers (the log key alone) still accept the note: unknown keys are ignored.
    verify_note(note, verifier_key_for(ORIGIN, _log_key().public_key()))
    # One flipped bit in the signature.
    parsed = parse_note(note)
    bad = bytearray(parsed.signatures[1].signature)
    bad[-1] ^= 1
    flipped = note.replace(
        base64.b64encode(parsed.signatures[1].key_id + parsed.signatures[1].signature).decode(),
        base64.b64encode(parsed.signatures[1].key_id + bytes(bad)).decode(),
    )
    with pytest.raises(VerificationFailed) as failed:
        verify_cosignature(flipped, key)
    assert failed.value.code == "cosignature_invalid"
    # A changed timestamp breaks the signature: the time is signed.
    other_time = note.replace(
        base64.b64encode(parsed.signatures[1].key_id + parsed.signatures[1].signature).decode(),
        base64.b64encode(
            parsed.signatures[1].key_id + (cosignature.timestamp + 1).to_bytes(8, "big") + cosignature.signature
        ).decode(),
    )
    with pytest.raises(VerificationFailed):
        verify_cosignature(other_time, key)
    # Another witness's key is not this one's.
    other = cosigner_key_for("polres-blora.example/witness", _witness_key(b"polres").public_key())
    with pytest.raises(VerificationFailed) as missing:
        verify_cosignature(note, other)
    assert missing.value.code == "cosignature_missing"
    # A future timestamp is refused when the caller gives the time.
    with pytest.raises(VerificationFailed):
        verify_cosignature(note, key, now=cosignature.timestamp - 3600)


def test_cosignature_over_a_different_checkpoint_fails() -> None:
    note, _ = _cosigned(size=5)
    other, _ = _cosigned(size=6)
    moved = parse_note(other).text + "\n" + note.split("\n\n", 1)[1]
    key = cosigner_key_for(WITNESS, _witness_key().public_key())
    with pytest.raises(VerificationFailed):
        verify_cosignature(moved, key)


def test_a_log_key_vkey_is_not_a_cosigner_key() -> None:
    log_vkey = format_verifier_key(verifier_key_for(ORIGIN, _log_key().public_key()))
    with pytest.raises(MalformedInput):
        parse_cosigner_key(log_vkey)
    with pytest.raises(MalformedInput):
        CosignerKey(WITNESS, b"\0\0\0\0", _witness_key().public_key().public_bytes_raw())


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        # scripts/setup installs golang-go and golang-golang-x-mod-dev (DEB_PACKAGES): this test
        # must run wherever the suite runs.
        pytest.fail("go is not installed: run ./scripts/setup (golang-go, golang-golang-x-mod-dev)", pytrace=False)
    return go


@pytest.fixture(scope="module")
def cosigcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("go")
    shutil.copy(INTEROP, work / "cosigcheck.go")
    env = {
        **os.environ,
        "GO111MODULE": "off",  # GOPATH mode: Debian's packaged x/mod, nothing downloaded
        "GOPATH": "/usr/share/gocode",
        "GOCACHE": str(work / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run([_go(), "build", "-o", str(work / "cosigcheck"), "cosigcheck.go"], cwd=work, env=env, check=True)
    return work / "cosigcheck"


def test_independent_go_verifier_accepts_our_cosignatures(cosigcheck: Path, tmp_path: Path) -> None:
    note, _ = _cosigned()
    path = tmp_path / "checkpoint"
    path.write_bytes(note.encode())
    log_vkey = format_verifier_key(verifier_key_for(ORIGIN, _log_key().public_key()))
    witness_vkey = format_cosigner_key(cosigner_key_for(WITNESS, _witness_key().public_key()))
    result = subprocess.run([cosigcheck, path, log_vkey, witness_vkey], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "ok"
    assert {line.split()[0] for line in lines[1:]} == {ORIGIN, WITNESS}
    # The log key alone: x/mod ignores the cosignature line as an unknown key.
    alone = subprocess.run([cosigcheck, path, log_vkey], capture_output=True, text=True, check=False)
    assert alone.returncode == 0, alone.stderr


def test_independent_go_verifier_refuses_a_flipped_cosignature(cosigcheck: Path, tmp_path: Path) -> None:
    note, _ = _cosigned()
    last = note.rstrip("\n").rsplit(" ", 1)[1]
    raw = bytearray(base64.b64decode(last))
    raw[-1] ^= 1
    path = tmp_path / "checkpoint"
    path.write_bytes(note.replace(last, base64.b64encode(bytes(raw)).decode()).encode())
    log_vkey = format_verifier_key(verifier_key_for(ORIGIN, _log_key().public_key()))
    witness_vkey = format_cosigner_key(cosigner_key_for(WITNESS, _witness_key().public_key()))
    result = subprocess.run([cosigcheck, path, log_vkey, witness_vkey], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "not verified" in result.stderr
