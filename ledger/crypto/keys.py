"""Ed25519 keys (RFC 8032) through `cryptography`: fingerprints, key files, strict base64; signatures
are verified by ledger.crypto.ed25519 (strict pre-check, then libsodium or OpenSSL).

A signer is named by its fingerprint, the lowercase hex SHA-256 of the raw 32-byte public key
(DESIGN §3, member `signer`). Key files are PKCS#8 PEM, encrypted when a passphrase is given.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger import codes
from ledger.crypto import ed25519
from ledger.errors import MalformedInput, VerificationFailed

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


def encode_base64(data: bytes) -> str:
    """Standard, padded base64 (RFC 4648 §4), the only encoding of bytes on the wire."""
    return base64.b64encode(data).decode("ascii")


def decode_base64(text: str, *, size: int | None = None, what: str = "value") -> bytes:
    """Decode standard padded base64 strictly: alphabet, padding and canonical form are checked.

    `base64.b64decode` alone accepts non-zero padding bits, so two strings could decode to the same
    bytes; re-encoding and comparing makes the encoding unique, which signed data needs.
    """
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise MalformedInput(f"{what} is not valid base64", code=codes.INVALID_BASE64) from exc
    if encode_base64(data) != text:
        raise MalformedInput(f"{what} is not canonical padded base64", code=codes.INVALID_BASE64)
    if size is not None and len(data) != size:
        raise MalformedInput(f"{what} decodes to {len(data)} bytes, want {size}", code=codes.INVALID_BASE64)
    return data


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    """The raw 32-byte encoding of a public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_key: bytes | Ed25519PublicKey) -> str:
    """Lowercase hex SHA-256 of the raw public key: how entries name their signer."""
    raw = public_key if isinstance(public_key, bytes) else public_key_bytes(public_key)
    if len(raw) != PUBLIC_KEY_SIZE:
        raise MalformedInput(f"public key has {len(raw)} bytes, want 32", code=codes.INVALID_KEY)
    return hashlib.sha256(raw).hexdigest()


def load_public_key(raw: bytes) -> Ed25519PublicKey:
    """A public key from its raw 32 bytes."""
    if len(raw) != PUBLIC_KEY_SIZE:
        raise MalformedInput(f"public key has {len(raw)} bytes, want 32", code=codes.INVALID_KEY)
    return _decoded_public_key(raw)


@functools.lru_cache(maxsize=8192)
def _decoded_public_key(raw: bytes) -> Ed25519PublicKey:
    # Decoding a key decompresses a curve point, a good part of the cost of one verification; a
    # ledger's signers are few and sign often, so each is decoded once per process.
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_signature(public_key: bytes, signature: bytes, message: bytes, *, what: str) -> None:
    """Verify an Ed25519 signature strictly (ledger.crypto.ed25519); raise `VerificationFailed` with
    code `bad_signature`, or `ed25519_not_strict` for one outside the strict subset that a lenient
    verifier would accept."""
    if len(signature) != SIGNATURE_SIZE:
        raise VerificationFailed(f"{what}: signature has {len(signature)} bytes, want 64", code=codes.BAD_SIGNATURE)
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise MalformedInput(f"public key has {len(public_key)} bytes, want 32", code=codes.INVALID_KEY)
    if not ed25519.verify(public_key, signature, message):
        code, reason = ed25519.failure(public_key, signature, message)
        if reason == ed25519.DOES_NOT_VERIFY:
            reason = "Ed25519 signature does not verify"  # the message it has always had
        raise VerificationFailed(f"{what}: {reason}", code=code)


def generate_private_key() -> Ed25519PrivateKey:
    """A new random Ed25519 key."""
    return Ed25519PrivateKey.generate()


def private_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    """A key from its 32-byte RFC 8032 secret (used for deterministic demo ledgers and tests)."""
    return Ed25519PrivateKey.from_private_bytes(seed)


def write_private_key(key: Ed25519PrivateKey, path: Path, passphrase: bytes | None = None) -> None:
    """Write a PKCS#8 PEM key file readable by its owner only (mode 0600), never overwriting."""
    if passphrase is not None and not passphrase:
        # An empty passphrase would silently mean "unencrypted"; say so instead.
        raise MalformedInput("an empty passphrase encrypts nothing: give a passphrase or none", code=codes.KEY_FILE)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    # O_EXCL: an existing key is never clobbered; the mode is set at creation, not after.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def read_private_key(path: Path, passphrase: bytes | None = None, *, allow_open: bool = False) -> Ed25519PrivateKey:
    """Read a PKCS#8 PEM Ed25519 key file; a wrong passphrase or another key type is refused.

    A key file that its group or others may read or write is refused (`key_file_permissions`), as
    ssh refuses such a private key, unless `allow_open` says the operator means it.
    """
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise MalformedInput(f"cannot read key file {path}: {exc.strerror}", code=codes.KEY_FILE) from exc
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError as exc:
        raise MalformedInput(
            f"key file {path} is encrypted: give its passphrase"
            if passphrase is None
            else f"key file {path} is not encrypted: give no passphrase",
            code=codes.KEY_FILE,
        ) from exc
    except ValueError as exc:
        raise MalformedInput(
            f"key file {path} cannot be read (wrong passphrase or not a PEM key)", code=codes.KEY_FILE
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise MalformedInput(f"key file {path} does not hold an Ed25519 key", code=codes.KEY_FILE)
    if mode & 0o077 and not allow_open:
        raise MalformedInput(
            f"key file {path} has mode {mode & 0o777:04o}: others may read it; chmod 600 it "
            "(or pass --allow-open-key-file)",
            code=codes.KEY_FILE_PERMISSIONS,
        )
    return key


MAX_PUBLIC_KEY_FILE_BYTES = 4096


def read_public_key(value: str) -> bytes:
    """The raw 32-byte public key given as canonical base64, or as a file holding either that base64
    text or a PEM SubjectPublicKeyInfo Ed25519 public key (RFC 8410)."""
    path = Path(value)
    if not path.is_file():
        return decode_base64(value, size=PUBLIC_KEY_SIZE, what="the public key")
    with path.open("rb") as handle:
        data = handle.read(MAX_PUBLIC_KEY_FILE_BYTES + 1)
    if len(data) > MAX_PUBLIC_KEY_FILE_BYTES:
        raise MalformedInput("the public key file is too large to hold one key", code=codes.INVALID_KEY)
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise MalformedInput("the public key file is not a PEM public key", code=codes.INVALID_KEY) from exc
        if not isinstance(key, Ed25519PublicKey):
            raise MalformedInput("the public key file does not hold an Ed25519 key", code=codes.INVALID_KEY)
        return public_key_bytes(key)
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise MalformedInput("the public key file is neither base64 nor PEM", code=codes.INVALID_KEY) from exc
    return decode_base64(text, size=PUBLIC_KEY_SIZE, what="the public key in the file")
