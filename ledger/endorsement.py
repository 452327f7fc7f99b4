"""The national root's endorsement of a national key (rules edition 2; docs/design/rules-edition-2.md).

National acts (cycles, TPN steps, designations, revocations) belong to the ministry, not the
regency. A key with a national role enters a regency's log only with the national root's Ed25519
signature over what the key will be: its public key, role and holder, exactly as the registering
entry's body carries them. The regency's administrator submits the registration but cannot forge the
endorsement; the rules and every offline verifier check it against the policy's `national_root`.

Signing input: the ASCII bytes `integritas/endorsement/v1\n` followed by the RFC 8785 canonical JSON
of `{"public_key", "role", "holder"}` (the domain prefix keeps an endorsement from being replayed as
an entry signature or a checkpoint, whose inputs start differently).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.canonical import canonical_json
from ledger.crypto.keys import decode_base64, encode_base64, verify_signature

ENDORSEMENT_CONTEXT = b"integritas/endorsement/v1\n"
ENDORSED_MEMBERS = ("public_key", "role", "holder")


def endorsement_input(body: Mapping[str, Any]) -> bytes:
    """The bytes the national root signs for a `key.registered` body (its endorsed members only)."""
    return ENDORSEMENT_CONTEXT + canonical_json({name: body[name] for name in ENDORSED_MEMBERS})


def sign_endorsement(national_root: Ed25519PrivateKey, body: Mapping[str, Any]) -> str:
    """The base64 endorsement of `body` by the national root (the ministry's side)."""
    return encode_base64(national_root.sign(endorsement_input(body)))


def verify_endorsement(national_root: bytes, body: Mapping[str, Any]) -> None:
    """Raise `VerificationFailed` unless `body["endorsement"]` is the national root's over `body`."""
    signature = decode_base64(body["endorsement"], size=64, what="body.endorsement")
    verify_signature(national_root, signature, endorsement_input(body), what="endorsement by the national root")
