"""Personal data as salted commitments (rules edition 3; docs/contract/personal-data.md).

An edition-3 entry never carries a person's name or employee number. It names the person by a
random pseudonym, `p-` and 20 lowercase hex digits (80 random bits, never derived from the data),
and carries a commitment to the person's data:

    commitment = base64(HMAC-SHA256(key = salt, message = RFC 8785 canonical JSON of the data))

where the data is `{"name": ..., "number": ...}` (`number` only for an employee with a NIP) and the
salt 32 random bytes made by the signer. The cleartext and the salt live in the personal-data store
beside the ledger (ledger.store.personal), never in a leaf. Erasure deletes them: the commitment then
links to nobody, since without the salt no one can test a guessed name and NIP against it (HMAC with
an unknown 256-bit key, RFC 2104 section 6), and the log keeps verifying because nothing in it changed.

This module is pure: it imports the standard library and the ledger's canonical JSON and base64.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger import codes
from ledger.canonical import canonical_json_of
from ledger.crypto.keys import decode_base64, encode_base64
from ledger.errors import MalformedInput, VerificationFailed

PSEUDONYM_PATTERN = re.compile(r"p-[0-9a-f]{20}")
SALT_SIZE = 32
DATA_MEMBERS = ("name", "number")
_NUMBER_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # an employee number as edition 2's streams took it


def new_pseudonym() -> str:
    """A fresh random pseudonym (80 bits from the OS's CSPRNG; never derived from the person)."""
    return "p-" + secrets.token_hex(10)


def new_salt() -> bytes:
    """A fresh 32-byte salt, the HMAC key of one person's commitment."""
    return secrets.token_bytes(SALT_SIZE)


@dataclass(frozen=True)
class PersonalData:
    """One person's cleartext: a name, and an employee number (NIP) when the person is an employee."""

    name: str
    number: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise MalformedInput("personal data: name must be a non-empty string", code=codes.INVALID_PERSONAL_DATA)
        if self.number is not None and (not isinstance(self.number, str) or not _NUMBER_PATTERN.fullmatch(self.number)):
            raise MalformedInput(
                "personal data: number must match [a-z0-9][a-z0-9-]{0,63}", code=codes.INVALID_PERSONAL_DATA
            )

    def to_json(self) -> dict[str, str]:
        """The data object that is committed to: `name`, and `number` when there is one."""
        return {"name": self.name} if self.number is None else {"name": self.name, "number": self.number}

    @classmethod
    def from_json(cls, value: Any) -> PersonalData:
        if not isinstance(value, dict) or "name" not in value or not set(value) <= set(DATA_MEMBERS):
            raise MalformedInput(
                'personal data must be {"name"} or {"name", "number"}', code=codes.INVALID_PERSONAL_DATA
            )
        return cls(value["name"], value.get("number"))


def compute_commitment(salt: bytes, data: PersonalData) -> str:
    """The commitment an entry carries for `data` under `salt` (base64 of 32 bytes)."""
    if len(salt) != SALT_SIZE:
        raise MalformedInput(f"salt is {len(salt)} bytes, want {SALT_SIZE}", code=codes.INVALID_PERSONAL_DATA)
    return encode_base64(hmac.new(salt, canonical_json_of(data.to_json()), hashlib.sha256).digest())


@dataclass(frozen=True)
class Disclosure:
    """What opens a commitment: the person's pseudonym, their data and the salt.

    Its JSON, `{"person", "data", "salt"}`, is what a signer hands the ledger beside the entry
    (`integritas append --disclosure`) and what an auditor export carries per person."""

    person: str
    data: PersonalData
    salt: bytes

    def __post_init__(self) -> None:
        check_pseudonym(self.person, "disclosure.person")
        if len(self.salt) != SALT_SIZE:
            raise MalformedInput(f"salt is {len(self.salt)} bytes, want {SALT_SIZE}", code=codes.INVALID_PERSONAL_DATA)

    @property
    def commitment(self) -> str:
        return compute_commitment(self.salt, self.data)

    def to_json(self) -> dict[str, Any]:
        return {"person": self.person, "data": self.data.to_json(), "salt": encode_base64(self.salt)}

    @classmethod
    def from_json(cls, value: Any) -> Disclosure:
        if not isinstance(value, dict) or set(value) != {"person", "data", "salt"}:
            raise MalformedInput('a disclosure is {"person", "data", "salt"}', code=codes.INVALID_PERSONAL_DATA)
        if not isinstance(value["salt"], str):
            raise MalformedInput("disclosure.salt must be base64", code=codes.INVALID_PERSONAL_DATA)
        salt = decode_base64(value["salt"], size=SALT_SIZE, what="disclosure.salt")
        return cls(value["person"], PersonalData.from_json(value["data"]), salt)


def make_disclosure(data: PersonalData, person: str | None = None) -> Disclosure:
    """A new person's disclosure (fresh pseudonym and salt), or a known person's under a new salt."""
    return Disclosure(person or new_pseudonym(), data, new_salt())


def check_pseudonym(value: Any, where: str) -> None:
    if not isinstance(value, str) or not PSEUDONYM_PATTERN.fullmatch(value):
        raise MalformedInput(f"{where} must be a pseudonym p-<20 lowercase hex>", code=codes.INVALID_ID)


def verify_disclosure(disclosure: Disclosure, commitment: str) -> None:
    """Raise `VerificationFailed` (`personal_data_mismatch`) unless `disclosure` opens `commitment`."""
    # Compared in constant time: a caller probing guesses learns nothing from the timing.
    if not hmac.compare_digest(disclosure.commitment.encode(), commitment.encode()):
        raise VerificationFailed(
            f"the personal data held for {disclosure.person} does not match the commitment in the log",
            code=codes.PERSONAL_DATA_MISMATCH,
            person=disclosure.person,
        )


def committed_person(body: Mapping[str, Any]) -> tuple[str, str] | None:
    """(pseudonym, commitment) of an edition-3 person object, or None for an edition-1/2 one."""
    if "person" in body and "commitment" in body:
        return body["person"], body["commitment"]
    return None


# --- the personal-data file of an auditor export (docs/contract/files.md) ---

AUDITOR_EXPORT_FILE = "personal-data.json"


def format_auditor_file(disclosures: list[Disclosure]) -> bytes:
    return (json.dumps({"persons": [d.to_json() for d in disclosures]}, ensure_ascii=False, indent=1) + "\n").encode()


def parse_auditor_file(data: bytes) -> list[Disclosure]:
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise MalformedInput(f"{AUDITOR_EXPORT_FILE} is not JSON", code=codes.INVALID_PERSONAL_DATA) from exc
    if not isinstance(document, dict) or set(document) != {"persons"} or not isinstance(document["persons"], list):
        raise MalformedInput(f'{AUDITOR_EXPORT_FILE} must be {{"persons": [...]}}', code=codes.INVALID_PERSONAL_DATA)
    return [Disclosure.from_json(item) for item in document["persons"]]
