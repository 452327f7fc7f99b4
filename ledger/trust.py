"""The trust anchor: what an auditor trusts before reading a log (DESIGN §6).

`trust.json` holds the log's origin, its C2SP verifier key (signed-note key encoding, see
ledger.crypto.note) and the SHA-256 fingerprint of the root key that signs the genesis entry.
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
from ledger.entry import FINGERPRINT_PATTERN
from ledger.errors import MalformedInput

__all__ = ["TRUST_FILE", "TrustAnchor", "format_trust_file"]

TRUST_FILE = "trust.json"
_MEMBERS = ("origin", "verifier_key", "root_fingerprint")  # in the order trust.json writes them


@dataclass(frozen=True)
class TrustAnchor:
    """The origin, the log's verifier key and the root key's fingerprint, as the auditor trusts them.

    The verifier key's name must be the origin: a C2SP checkpoint is signed under its origin.
    """

    origin: str
    verifier_key: VerifierKey
    root_fingerprint: str

    def __post_init__(self) -> None:
        if self.verifier_key.name != self.origin:
            raise MalformedInput(
                f"verifier key is for {self.verifier_key.name!r}, not the origin {self.origin!r}",
                code=codes.INVALID_TRUST_ANCHOR,
            )

    @classmethod
    def from_json(cls, document: Any) -> TrustAnchor:
        """Read a parsed trust.json; exact inverse of :meth:`to_json`.

        Raises :class:`~ledger.errors.MalformedInput` (code ``invalid_trust_anchor``) unless the
        document has exactly origin, verifier_key and root_fingerprint, as text, with a verifier
        key named after the origin and a fingerprint of 64 lowercase hex digits; a verifier key
        that does not parse is ``invalid_verifier_key``.
        """
        if not isinstance(document, dict) or set(document) != set(_MEMBERS):
            shown = sorted(document) if isinstance(document, dict) else type(document).__name__
            raise MalformedInput(
                f"a trust anchor has exactly origin, verifier_key and root_fingerprint, not {shown}",
                code=codes.INVALID_TRUST_ANCHOR,
            )
        for name in _MEMBERS:
            if not isinstance(document[name], str):
                raise MalformedInput(f"trust anchor {name} is not text", code=codes.INVALID_TRUST_ANCHOR)
        if not FINGERPRINT_PATTERN.fullmatch(document["root_fingerprint"]):
            raise MalformedInput(
                "trust anchor root_fingerprint is not 64 lowercase hex digits (a SHA-256 key fingerprint)",
                code=codes.INVALID_TRUST_ANCHOR,
            )
        # A key that does not parse keeps its own code, invalid_verifier_key, as the CLI's --verifier-key.
        return cls(document["origin"], parse_verifier_key(document["verifier_key"]), document["root_fingerprint"])

    def to_json(self) -> dict[str, Any]:
        """The trust.json document, members in their file order."""
        return {
            "origin": self.origin,
            "verifier_key": format_verifier_key(self.verifier_key),
            "root_fingerprint": self.root_fingerprint,
        }

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
