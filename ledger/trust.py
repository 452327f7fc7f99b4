"""The trust anchor: what an auditor trusts before reading a log (DESIGN §6).

`trust.json` holds the log's origin, its C2SP verifier key (signed-note key encoding, see
ledger.crypto.note) and the SHA-256 fingerprint of the root key that signs the genesis entry.
A trust.json may also carry `witness_policy`, a Sigsum policy (ledger.crypto.witness_policy): the
log's checkpoints must then carry witness cosignatures that meet its quorum; and
`national_root_fingerprint`, the SHA-256 fingerprint of the national authority's root key (rules
edition 2): the verifier then refuses a log whose policy names another national root, or none, so
that a regency cannot endorse its own "national" keys under a root of its making.
A log key that rotates (docs/operations.md, section 5) makes the log's checkpoints carry the
signatures of two keys during the overlap; `additional_verifier_keys` lists the log's other keys
(the new one during the overlap, the retired ones after), all named after the origin: a checkpoint
verifies when one of the listed keys signed it, and the log's own `log_key.retired` entries say from
when a key no longer counts (ledger.verify). A trust.json without it reads and writes as before.
`TrustAnchor.from_json` and `TrustAnchor.to_json` are exact inverses, and `format_trust_file` is
the one way the file is written (`integritas init`, `integritas export`), so every copy an auditor
compares is the same text. Pure: the standard library and the crypto core only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger import codes
from ledger.crypto.note import VerifierKey, format_verifier_key, parse_verifier_key
from ledger.crypto.witness_policy import WitnessPolicy, parse_witness_policy
from ledger.entry import FINGERPRINT_PATTERN
from ledger.errors import MalformedInput

__all__ = ["TRUST_FILE", "TrustAnchor", "format_trust_file"]

TRUST_FILE = "trust.json"
_MEMBERS = ("origin", "verifier_key", "root_fingerprint")  # in the order trust.json writes them
# in file order, after the members
_OPTIONAL = ("additional_verifier_keys", "national_root_fingerprint", "witness_policy")


@dataclass(frozen=True)
class TrustAnchor:
    """The origin, the log's verifier key and the root key's fingerprint, as the auditor trusts them.

    The verifier key's name must be the origin: a C2SP checkpoint is signed under its origin.
    """

    origin: str
    verifier_key: VerifierKey
    root_fingerprint: str
    witness_policy_text: str | None = None  # a Sigsum policy file's text, or None: no witnesses required
    national_root_fingerprint: str | None = None  # the national root the log's policy must name, if pinned
    additional_verifier_keys: tuple[VerifierKey, ...] = ()  # the log's other keys: a rotation's new or retired ones

    @property
    def verifier_keys(self) -> tuple[VerifierKey, ...]:
        """Every key the anchor trusts for the log's checkpoints: `verifier_key` first."""
        return (self.verifier_key, *self.additional_verifier_keys)

    @property
    def witness_policy(self) -> WitnessPolicy | None:
        """The parsed witness policy, if the anchor has one."""
        return parse_witness_policy(self.witness_policy_text) if self.witness_policy_text is not None else None

    def __post_init__(self) -> None:
        for key in self.verifier_keys:
            if key.name != self.origin:
                raise MalformedInput(
                    f"verifier key is for {key.name!r}, not the origin {self.origin!r}",
                    code=codes.INVALID_TRUST_ANCHOR,
                )
        if len({key.key_id for key in self.verifier_keys}) != len(self.verifier_keys):
            raise MalformedInput("trust anchor lists a verifier key twice", code=codes.INVALID_TRUST_ANCHOR)

    @classmethod
    def from_json(cls, document: Any) -> TrustAnchor:
        """Read a parsed trust.json; exact inverse of :meth:`to_json`.

        Raises :class:`~ledger.errors.MalformedInput` (code ``invalid_trust_anchor``) unless the
        document has exactly origin, verifier_key and root_fingerprint (and optionally a valid
        witness_policy and national_root_fingerprint, and a non-empty list
        additional_verifier_keys), as text, with every verifier
        key named after the origin and fingerprints of 64 lowercase hex digits; a verifier key
        that does not parse is ``invalid_verifier_key``.
        """
        if not isinstance(document, dict) or not set(_MEMBERS) <= set(document) <= {*_MEMBERS, *_OPTIONAL}:
            shown = sorted(document) if isinstance(document, dict) else type(document).__name__
            raise MalformedInput(
                f"a trust anchor has exactly origin, verifier_key and root_fingerprint (and optionally "
                f"additional_verifier_keys, national_root_fingerprint and witness_policy), not {shown}",
                code=codes.INVALID_TRUST_ANCHOR,
            )
        additional = document.get("additional_verifier_keys", [])
        if "additional_verifier_keys" in document and (
            not isinstance(additional, list) or not additional or not all(isinstance(k, str) for k in additional)
        ):
            raise MalformedInput(
                "trust anchor additional_verifier_keys is not a non-empty list of verifier keys",
                code=codes.INVALID_TRUST_ANCHOR,
            )
        for name in (*_MEMBERS, *(n for n in _OPTIONAL if n in document and n != "additional_verifier_keys")):
            if not isinstance(document[name], str):
                raise MalformedInput(f"trust anchor {name} is not text", code=codes.INVALID_TRUST_ANCHOR)
        for name in ("root_fingerprint", "national_root_fingerprint"):
            if name in document and not FINGERPRINT_PATTERN.fullmatch(document[name]):
                raise MalformedInput(
                    f"trust anchor {name} is not 64 lowercase hex digits (a SHA-256 key fingerprint)",
                    code=codes.INVALID_TRUST_ANCHOR,
                )
        # A key that does not parse keeps its own code, invalid_verifier_key, as the CLI's --verifier-key.
        policy = document.get("witness_policy")
        if policy is not None:
            parse_witness_policy(policy)  # refused here (invalid_witness_policy), not at first use
        return cls(
            document["origin"],
            parse_verifier_key(document["verifier_key"]),
            document["root_fingerprint"],
            policy,
            document.get("national_root_fingerprint"),
            tuple(parse_verifier_key(key) for key in additional),
        )

    def to_json(self) -> dict[str, Any]:
        """The trust.json document, members in their file order."""
        document: dict[str, Any] = {
            "origin": self.origin,
            "verifier_key": format_verifier_key(self.verifier_key),
            "root_fingerprint": self.root_fingerprint,
        }
        if self.additional_verifier_keys:
            document["additional_verifier_keys"] = [format_verifier_key(k) for k in self.additional_verifier_keys]
        if self.national_root_fingerprint is not None:
            document["national_root_fingerprint"] = self.national_root_fingerprint
        if self.witness_policy_text is not None:
            document["witness_policy"] = self.witness_policy_text
        return document

    @classmethod
    def load(cls, path: Path) -> TrustAnchor:
        """Read a trust.json file."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MalformedInput(f"cannot read trust anchor {path}: {exc}", code=codes.INVALID_TRUST_ANCHOR) from exc
        return cls.from_json(document)


def format_trust_file(anchor: TrustAnchor) -> str:
    """The text of trust.json: the document indented by two, ending in a newline."""
    return json.dumps(anchor.to_json(), indent=2) + "\n"
