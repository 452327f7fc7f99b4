"""ledger.crypto.keys: Ed25519 against the RFC 8032 / ed25519 reference vectors, fingerprints, strict
base64 and key files.

Every positive vector has negative twins (one flipped bit in the signature, the message, the public
key), as pyca/cryptography tests its primitives.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, x25519
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ledger.crypto.keys import (
    decode_base64,
    encode_base64,
    fingerprint,
    load_public_key,
    private_key_from_seed,
    public_key_bytes,
    read_private_key,
    verify_signature,
    write_private_key,
)
from ledger.errors import MalformedInput, VerificationFailed

VECTORS: list[dict[str, str]] = json.loads(
    (Path(__file__).parent / "vectors" / "ed25519-sign.json").read_text(encoding="utf-8")
)["vectors"]
RFC8032_TESTS = VECTORS[:3]  # RFC 8032 section 7.1, TEST 1-3
# The order of the Ed25519 group (RFC 8032 section 5.1): a signature's S must be below it.
GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493


def flip(data: bytes, bit: int) -> bytes:
    """`data` with bit `bit` (0 = lowest bit of the first byte) inverted."""
    changed = bytearray(data)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def pick_bit(index: int, size: int) -> int:
    """A bit position that moves around with the vector index, so the twins cover every byte."""
    return (index * 67 + 13) % (8 * size)


def unpack(vector: dict[str, str]) -> tuple[bytes, bytes, bytes, bytes]:
    secret, public, message, signature = (
        bytes.fromhex(vector[k]) for k in ("secret_key", "public_key", "message", "signature")
    )
    return secret, public, message, signature


def assert_bad_signature(public_key: bytes, signature: bytes, message: bytes) -> None:
    with pytest.raises(VerificationFailed) as info:
        verify_signature(public_key, signature, message, what="vector")
    assert info.value.code == "bad_signature"


vector_params = pytest.mark.parametrize(
    ("index", "vector"), list(enumerate(VECTORS)), ids=[f"v{i}" for i in range(len(VECTORS))]
)


def test_vector_file_is_the_reference_set() -> None:
    assert len(VECTORS) == 128
    # RFC 8032 section 7.1 TEST 1, copied from the RFC text.
    assert VECTORS[0]["public_key"] == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert VECTORS[0]["signature"].startswith("e5564300c360ac729086e2cc806e828a")


# --- positive vectors ------------------------------------------------------------------------------


@vector_params
def test_public_key_derived_from_secret_key(index: int, vector: dict[str, str]) -> None:
    secret, public, _, _ = unpack(vector)
    assert public_key_bytes(private_key_from_seed(secret).public_key()) == public


@vector_params
def test_signature_is_exactly_the_vector(index: int, vector: dict[str, str]) -> None:
    secret, _, message, signature = unpack(vector)
    assert private_key_from_seed(secret).sign(message) == signature


@vector_params
def test_verify_signature_accepts_the_vector(index: int, vector: dict[str, str]) -> None:
    _, public, message, signature = unpack(vector)
    verify_signature(public, signature, message, what="vector")  # does not raise


# --- negative twins --------------------------------------------------------------------------------


@vector_params
def test_one_bit_flipped_in_signature_fails(index: int, vector: dict[str, str]) -> None:
    _, public, message, signature = unpack(vector)
    assert_bad_signature(public, flip(signature, pick_bit(index, len(signature))), message)


@vector_params
def test_one_bit_flipped_in_message_fails(index: int, vector: dict[str, str]) -> None:
    _, public, message, signature = unpack(vector)
    # The empty message of TEST 1 has no bit to flip: its twin is the one-byte message 0x00.
    changed = flip(message, pick_bit(index, len(message))) if message else b"\x00"
    assert_bad_signature(public, signature, changed)


@vector_params
def test_one_bit_flipped_in_public_key_fails(index: int, vector: dict[str, str]) -> None:
    _, public, message, signature = unpack(vector)
    assert_bad_signature(flip(public, pick_bit(index, len(public))), signature, message)


@pytest.mark.parametrize("vector", RFC8032_TESTS, ids=["test1", "test2", "test3"])
def test_every_one_bit_change_of_rfc8032_tests_fails(vector: dict[str, str]) -> None:
    _, public, message, signature = unpack(vector)
    for bit in range(8 * len(signature)):
        assert_bad_signature(public, flip(signature, bit), message)
    for bit in range(8 * len(public)):
        assert_bad_signature(flip(public, bit), signature, message)
    for bit in range(8 * len(message)):
        assert_bad_signature(public, signature, flip(message, bit))


@pytest.mark.parametrize("vector", RFC8032_TESTS, ids=["test1", "test2", "test3"])
def test_malleated_signature_with_s_plus_group_order_fails(vector: dict[str, str]) -> None:
    # RFC 8032 section 5.1.7 requires 0 <= S < L; S + L verifies the same equation and must be refused.
    _, public, message, signature = unpack(vector)
    s = int.from_bytes(signature[32:], "little")
    malleated = signature[:32] + (s + GROUP_ORDER).to_bytes(32, "little")
    assert_bad_signature(public, malleated, message)


@pytest.mark.parametrize("size", [0, 63, 65, 128])
def test_signature_of_wrong_size_fails(size: int) -> None:
    _, public, message, signature = unpack(VECTORS[1])
    assert_bad_signature(public, (signature * 2)[:size], message)


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_public_key_of_wrong_size_is_malformed(size: int) -> None:
    _, public, message, signature = unpack(VECTORS[1])
    with pytest.raises(MalformedInput) as info:
        verify_signature((public * 2)[:size], signature, message, what="vector")
    assert info.value.code == "invalid_key"
    with pytest.raises(MalformedInput) as info:
        load_public_key((public * 2)[:size])
    assert info.value.code == "invalid_key"


# --- fingerprints ----------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS[:8], ids=[f"v{i}" for i in range(8)])
def test_fingerprint_is_lowercase_hex_sha256_of_raw_public_key(vector: dict[str, str]) -> None:
    secret, public, _, _ = unpack(vector)
    want = hashlib.sha256(public).hexdigest()
    assert fingerprint(public) == want
    assert fingerprint(private_key_from_seed(secret).public_key()) == want
    assert fingerprint(load_public_key(public)) == want
    assert len(want) == 64 and want == want.lower()


def test_fingerprint_of_rfc8032_test1() -> None:
    public = bytes.fromhex(VECTORS[0]["public_key"])
    assert fingerprint(public) == hashlib.sha256(public).hexdigest()
    assert fingerprint(flip(public, 0)) != fingerprint(public)


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_fingerprint_of_wrong_size_key_is_malformed(size: int) -> None:
    with pytest.raises(MalformedInput) as info:
        fingerprint(b"\x01" * size)
    assert info.value.code == "invalid_key"


# --- strict base64 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("", b""),
        ("AA==", b"\x00"),
        ("AAA=", b"\x00\x00"),
        ("AAAA", b"\x00\x00\x00"),
        ("+/8=", b"\xfb\xff"),
        (encode_base64(bytes(range(32))), bytes(range(32))),
    ],
)
def test_decode_base64_accepts_canonical_padded_standard_base64(text: str, want: bytes) -> None:
    assert decode_base64(text) == want


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("AB==", id="nonzero-padding-bits-1-byte"),
        pytest.param("AAB=", id="nonzero-padding-bits-2-bytes"),
        pytest.param("AP==", id="nonzero-padding-bits-high"),
        pytest.param("AA", id="missing-padding"),
        pytest.param("AAA", id="missing-padding-2"),
        pytest.param("AA=", id="short-padding"),
        pytest.param("AA===", id="extra-padding"),
        pytest.param("A===", id="too-much-padding"),
        pytest.param("A", id="one-char"),
        pytest.param("-_8=", id="url-safe-alphabet"),
        pytest.param("+_8=", id="url-safe-underscore"),
        pytest.param("AA==\n", id="trailing-newline"),
        pytest.param(" AA==", id="leading-space"),
        pytest.param("AA ==", id="inner-space"),
        pytest.param("AAAA\nAAAA", id="line-break"),
        pytest.param("AA==AA==", id="padding-in-the-middle"),
        pytest.param("AA==\x00", id="nul"),
        pytest.param("ÀA==", id="non-ascii"),
        pytest.param("ＡＡ==", id="fullwidth"),
    ],
)
def test_decode_base64_refuses_non_canonical_or_foreign_forms(text: str) -> None:
    with pytest.raises(MalformedInput) as info:
        decode_base64(text, what="digest")
    assert info.value.code == "invalid_base64"


def test_decode_base64_padding_bits_make_two_spellings_of_one_byte() -> None:
    # What the strictness is for: the lenient decoder maps both to b"\x00".
    assert base64.b64decode("AB==") == base64.b64decode("AA==") == b"\x00"
    assert decode_base64("AA==") == b"\x00"
    with pytest.raises(MalformedInput):
        decode_base64("AB==")


@pytest.mark.parametrize(("size", "want"), [(32, 31), (32, 33), (64, 32), (32, 0)])
def test_decode_base64_refuses_wrong_size(size: int, want: int) -> None:
    with pytest.raises(MalformedInput) as info:
        decode_base64(encode_base64(b"\x07" * want), size=size, what="prev")
    assert info.value.code == "invalid_base64"
    assert decode_base64(encode_base64(b"\x07" * size), size=size) == b"\x07" * size


@given(st.binary(max_size=80))
def test_base64_round_trip(data: bytes) -> None:
    assert decode_base64(encode_base64(data), size=len(data)) == data


@given(st.text(alphabet="AB+/=-_ \n8Pw", max_size=12))
def test_decode_base64_accepts_exactly_the_canonical_encodings(text: str) -> None:
    try:
        data = decode_base64(text)
    except MalformedInput as exc:
        assert exc.code == "invalid_base64"
        try:
            lenient = base64.b64decode(text, validate=True)
        except ValueError:
            return
        assert base64.b64encode(lenient).decode() != text  # refused only if not canonical
    else:
        assert encode_base64(data) == text


# --- key files -------------------------------------------------------------------------------------


def raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return private_key_from_seed(bytes.fromhex(VECTORS[0]["secret_key"]))


def key_file_error(path: Path, passphrase: bytes | None = None) -> MalformedInput:
    with pytest.raises(MalformedInput) as info:
        read_private_key(path, passphrase)
    assert info.value.code == "key_file"
    return info.value


def test_key_file_round_trip(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    path = tmp_path / "signer.pem"
    write_private_key(key, path)
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")  # PKCS#8, unencrypted
    assert raw_private(read_private_key(path)) == raw_private(key)


@pytest.mark.parametrize("passphrase", [None, b"kata sandi rahasia"])
def test_key_file_mode_is_0600(tmp_path: Path, key: Ed25519PrivateKey, passphrase: bytes | None) -> None:
    path = tmp_path / "signer.pem"
    old_umask = os.umask(0)  # even with a permissive umask, the file is the owner's only
    try:
        write_private_key(key, path, passphrase)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_key_file_is_never_overwritten(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    path = tmp_path / "signer.pem"
    path.write_bytes(b"an existing key")
    with pytest.raises(FileExistsError):
        write_private_key(key, path)
    assert path.read_bytes() == b"an existing key"


def test_key_file_is_not_written_through_a_symlink(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    target = tmp_path / "elsewhere"
    (tmp_path / "signer.pem").symlink_to(target)
    with pytest.raises(FileExistsError):
        write_private_key(key, tmp_path / "signer.pem")
    assert not target.exists()


def test_encrypted_key_file(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    path = tmp_path / "signer.pem"
    write_private_key(key, path, b"kata sandi rahasia")
    pem = path.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert raw_private(key) not in base64.b64decode(b"".join(pem.splitlines()[1:-1]))
    assert raw_private(read_private_key(path, b"kata sandi rahasia")) == raw_private(key)


def test_encrypted_key_file_refuses_wrong_passphrase(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    path = tmp_path / "signer.pem"
    write_private_key(key, path, b"kata sandi rahasia")
    key_file_error(path, b"kata sandi salah")


def test_encrypted_key_file_refuses_missing_passphrase(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    path = tmp_path / "signer.pem"
    write_private_key(key, path, b"kata sandi rahasia")
    assert "passphrase" in key_file_error(path, None).message


def test_plain_key_file_refuses_a_passphrase(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    path = tmp_path / "signer.pem"
    write_private_key(key, path)
    key_file_error(path, b"kata sandi rahasia")


def test_empty_passphrase_is_refused_or_round_trips(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    path = tmp_path / "signer.pem"
    try:
        write_private_key(key, path, b"")
    except MalformedInput:
        return  # refusing an empty passphrase is also correct
    assert raw_private(read_private_key(path, b"")) == raw_private(key)


def _pem(private_key: Any) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: ec.generate_private_key(ec.SECP256R1()), id="ecdsa-p256"),
        pytest.param(x25519.X25519PrivateKey.generate, id="x25519"),
        pytest.param(ed448.Ed448PrivateKey.generate, id="ed448"),
    ],
)
def test_key_file_with_another_key_type_is_refused(tmp_path: Path, make: Any) -> None:
    path = tmp_path / "other.pem"
    path.write_bytes(_pem(make()))
    assert "Ed25519" in key_file_error(path).message


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not a key\n", id="text"),
        pytest.param(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", id="bad-der"),
    ],
)
def test_key_file_that_is_not_a_key_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "signer.pem"
    path.write_bytes(content)
    key_file_error(path)


def test_public_key_pem_is_not_a_key_file(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    path = tmp_path / "signer.pub.pem"
    path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    key_file_error(path)


def test_missing_key_file_is_refused(tmp_path: Path) -> None:
    key_file_error(tmp_path / "absent.pem")
