"""Read tokens: who may read entry contents, streams, key holders and exports (DESIGN §8).

Writes need no token: they are authorised by the entry's own signature. Reads of what entries say
(names, employee numbers) need a bearer token with a read role. Tokens are 256-bit random strings
shown once; the file keeps only their SHA-256, so a leaked file grants nothing (a slow password
hash buys nothing for random tokens of this length).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ledger import codes
from ledger.errors import MalformedInput, NotFound, Unavailable
from ledger.files import write_atomically

READ_ROLES = ("auditor", "overseer", "operator")
TOKEN_PREFIX = "itg_"


@dataclass(frozen=True)
class TokenRecord:
    id: str
    name: str
    role: str
    sha256: str
    created: str
    revoked: str | None = None


class TokenFile:
    """The token file: a JSON list of records, rewritten atomically with mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: tuple[tuple[int, int], list[TokenRecord]] | None = None

    def records(self) -> list[TokenRecord]:
        # Read again only when the file changed (`integritas tokens` rewrites it while we serve).
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return []
        signature = (stat.st_mtime_ns, stat.st_size)
        if self._cache is not None and self._cache[0] == signature:
            return self._cache[1]
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(document, list):
                raise TypeError("the token file is a list")
            records = [TokenRecord(**record) for record in document]
            if not all(isinstance(value, str) for r in records for value in (r.id, r.name, r.role, r.sha256)):
                raise TypeError("a token record's id, name, role and sha256 are strings")
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError) as exc:
            # No path in the message: it reaches HTTP clients as a problem document.
            raise Unavailable(
                f"the token file is not a JSON list of token records ({type(exc).__name__})",
                code=codes.INVALID_TOKEN_FILE,
            ) from exc
        self._cache = (signature, records)
        return records

    def add(self, name: str, role: str) -> tuple[TokenRecord, str]:
        """A new token for `name` with `role`; returns the record and the token (shown only now)."""
        if role not in READ_ROLES:
            raise MalformedInput(f"role {role!r} is not one of {', '.join(READ_ROLES)}", code=codes.INVALID_ROLE)
        # A fixed prefix: a token that began with "-" would read as an option on a command line.
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = TokenRecord(
            id=secrets.token_hex(4),
            name=name,
            role=role,
            sha256=hashlib.sha256(token.encode()).hexdigest(),
            created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        self._write([*self.records(), record])
        return record, token

    def revoke(self, token_id: str) -> TokenRecord:
        records = self.records()
        for position, record in enumerate(records):
            if record.id == token_id and record.revoked is None:
                revoked = TokenRecord(**{**asdict(record), "revoked": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
                records[position] = revoked
                self._write(records)
                return revoked
        raise NotFound(f"no active token with id {token_id}", code=codes.UNKNOWN_TOKEN)

    def find(self, token: str) -> TokenRecord | None:
        """The active record for `token`, compared in constant time."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        found = None
        for record in self.records():
            if hmac.compare_digest(record.sha256, digest) and record.revoked is None:
                found = record
        return found

    def _write(self, records: list[TokenRecord]) -> None:
        write_atomically(self.path, json.dumps([asdict(r) for r in records], indent=2).encode("utf-8"))
