"""A client of the Integritas HTTP API written from DESIGN §3, §5 and §8 alone.

It imports nothing of the project (tests/api/test_independent_client.py checks that with `ast`):
only `cryptography` and `httpx`, and from the standard library `base64`, `hashlib`, `json` (plus
`datetime` to stamp entries and `typing` for annotations). It builds and signs entries, submits
them on the stream head the server reports, and checks every receipt itself: its own RFC 8785
canonical form, RFC 6962/9162 leaf hash and inclusion proof, C2SP signed note and checkpoint.

Canonical JSON here is Python's sorted, compact, non-ASCII-escaping `json.dumps`. That equals RFC
8785 only for values whose member names are ASCII and whose numbers are integers within ±(2^53-1);
`canonical_json` refuses anything else rather than produce a wrong form.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

SIGNING_CONTEXT = b"integritas/entry/v1\n"
ED25519_TYPE = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space start every signed-note signature line
MAX_SAFE_INTEGER = 2**53 - 1


class VerificationError(Exception):
    """Something the server handed out does not verify."""


# --- bytes on the wire ------------------------------------------------------------------------------


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, size: int | None = None) -> bytes:
    """Strict standard padded base64: the alphabet, the padding and the canonical spelling."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except ValueError as exc:  # binascii.Error and UnicodeEncodeError are ValueErrors
        raise VerificationError(f"{text!r} is not base64") from exc
    if b64encode(data) != text or (size is not None and len(data) != size):
        raise VerificationError(f"{text!r} is not canonical base64 of {size} bytes")
    return data


def _check_plain(value: Any) -> None:
    if isinstance(value, float) or (isinstance(value, int) and not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER):
        raise TypeError(f"{value!r}: this canonical form covers integers within ±(2^53-1) only")
    if isinstance(value, dict):
        for name, member in value.items():
            if not name.isascii():
                raise TypeError(f"member name {name!r}: this canonical form covers ASCII names only")
            _check_plain(member)
    elif isinstance(value, list):
        for item in value:
            _check_plain(item)


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of `value` (sorted members, no whitespace, strings unescaped but for JSON's own)."""
    _check_plain(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def public_key_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """How entries name their signer: lowercase hex SHA-256 of the raw public key."""
    return hashlib.sha256(public_key_raw(key)).hexdigest()


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("not an Ed25519 key")
    return key


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(entry: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The submission: the entry and the Ed25519 signature of the context string and its canonical bytes."""
    signature = key.sign(SIGNING_CONTEXT + canonical_json(entry))
    return {"entry": entry, "signature": b64encode(signature)}


def leaf_hash(submission: dict[str, Any]) -> bytes:
    """RFC 6962 leaf hash of the leaf bytes, the canonical form of the whole submission."""
    return hashlib.sha256(b"\x00" + canonical_json(submission)).digest()


# --- RFC 6962 / 9162 ----------------------------------------------------------------------------------


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2, step by step."""
    if not 0 <= index < size:
        raise VerificationError(f"index {index} is not below size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError("the inclusion proof is too short")
    return r


# --- C2SP signed note, tlog-checkpoint ------------------------------------------------------------------


def parse_verifier_key(text: str) -> tuple[str, bytes, bytes]:
    """`<name>+<hex key id>+<base64(0x01 || key)>` -> (name, key id, raw public key), the id checked."""
    # A key name never holds "+" (signed-note); the base64 may.
    name, key_id_hex, encoded = text.split("+", 2)
    material = b64decode(encoded, size=33)
    if material[:1] != ED25519_TYPE:
        raise VerificationError("not an Ed25519 verifier key")
    key_id = bytes.fromhex(key_id_hex)
    if key_id != _key_id(name, material[1:]) or len(key_id_hex) != 8:
        raise VerificationError("the verifier key's id does not match its name and key")
    return name, key_id, material[1:]


def _key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_TYPE + public_key).digest()[:4]


def verify_checkpoint(note: str, verifier_key: str) -> tuple[str, int, bytes]:
    """A signed checkpoint -> (origin, tree size, root hash), after its log's signature verified."""
    name, key_id, public_key = parse_verifier_key(verifier_key)
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise VerificationError("not a signed note")
    text, signature_lines = note[: split + 1], note[split + 2 :].splitlines()
    verified = False
    for line in signature_lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise VerificationError(f"not a signature line: {line!r}")
        signer, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        blob = b64decode(encoded)
        if signer != name or blob[:4] != key_id:
            continue  # someone else's signature, a witness's say: not ours to judge
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(blob[4:], text.encode("utf-8"))
        except InvalidSignature as exc:
            raise VerificationError("the log's signature does not verify") from exc
        verified = True
    if not verified:
        raise VerificationError(f"no signature by {name} on the checkpoint")
    lines = text.split("\n")
    if len(lines) != 4 or lines[3] != "":
        raise VerificationError("a checkpoint here has exactly three lines")
    origin, size_text, root_text = lines[:3]
    if origin != name:
        raise VerificationError(f"checkpoint of {origin!r} signed as {name!r}")
    if not (size_text.isascii() and size_text.isdigit()) or (size_text != "0" and size_text.startswith("0")):
        raise VerificationError(f"tree size {size_text!r} is not a decimal number")
    return origin, int(size_text), b64decode(root_text, size=32)


# --- the API ---------------------------------------------------------------------------------------------


class IndependentClient:
    """Reads the log, reads stream heads (with a read token), submits entries and checks receipts."""

    def __init__(self, base_url: str, token: str, verifier_key: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30.0)
        self.token = token
        self.verifier_key = verifier_key
        self.origin = parse_verifier_key(verifier_key)[0]

    def close(self) -> None:
        self.http.close()

    def log(self) -> dict[str, Any]:
        """GET /v1/log, its checkpoint verified with the verifier key this client trusts."""
        response = self.http.get("/v1/log")
        response.raise_for_status()
        info: dict[str, Any] = response.json()
        if info["verifier_key"] != self.verifier_key:
            raise VerificationError("the server names another verifier key than the trusted one")
        origin, size, _ = verify_checkpoint(info["checkpoint"], self.verifier_key)
        if (origin, size) != (info["origin"], info["size"]):
            raise VerificationError("the log info does not match its own checkpoint")
        return info

    def head(self, stream: str) -> dict[str, Any] | None:
        """The stream's head {seq, leaf_hash}, or None for a stream without entries."""
        response = self.http.get(f"/v1/streams/{stream}", headers={"Authorization": f"Bearer {self.token}"})
        response.raise_for_status()
        head: dict[str, Any] | None = response.json()["head"]
        return head

    def entry_on_head(
        self, key: Ed25519PrivateKey, kind: str, stream: str, body: dict[str, Any], head: dict[str, Any] | None
    ) -> dict[str, Any]:
        entry = {
            "v": 1,
            "log": self.origin,
            "kind": kind,
            "stream": stream,
            "seq": 0 if head is None else head["seq"] + 1,
            "prev": None if head is None else head["leaf_hash"],
            "at": utc_now(),
            "signer": fingerprint(key),
            "body": body,
        }
        return sign(entry, key)

    def submit(self, submission: dict[str, Any]) -> httpx.Response:
        """POST /v1/entries with the canonical bytes of the submission."""
        return self.http.post(
            "/v1/entries", content=canonical_json(submission), headers={"Content-Type": "application/json"}
        )

    def verify_receipt(self, submission: dict[str, Any], receipt: dict[str, Any]) -> tuple[str, int, bytes]:
        """The receipt names this submission's leaf and proves it into a checkpoint the log signed."""
        leaf = leaf_hash(submission)
        if b64decode(receipt["leaf_hash"], size=32) != leaf:
            raise VerificationError("the receipt names another leaf hash than this submission's")
        origin, size, root = verify_checkpoint(receipt["checkpoint"], self.verifier_key)
        if size != receipt["tree_size"]:
            raise VerificationError("the receipt's tree size is not its checkpoint's")
        proof = [b64decode(node, size=32) for node in receipt["inclusion_proof"]]
        if root_from_inclusion_proof(leaf, receipt["index"], size, proof) != root:
            raise VerificationError("the inclusion proof does not lead to the checkpoint's root")
        return origin, size, root

    def append(self, key: Ed25519PrivateKey, kind: str, stream: str, body: dict[str, Any]) -> dict[str, Any]:
        """Sign on the stream's current head, submit, verify the receipt; return the submission and receipt."""
        submission = self.entry_on_head(key, kind, stream, body, self.head(stream))
        response = self.submit(submission)
        if response.status_code != 201:
            raise VerificationError(f"HTTP {response.status_code}: {response.text}")
        receipt: dict[str, Any] = response.json()
        self.verify_receipt(submission, receipt)
        return {"submission": submission, "receipt": receipt}
