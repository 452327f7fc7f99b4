"""One error hierarchy for the whole ledger.

Every error carries a stable, machine-readable ``code`` that the CLI prints and the HTTP API puts in
its RFC 9457 problem documents; the message states the concrete fact that failed. Callers map the
five families below to exit codes and HTTP statuses in one place each.
"""

from __future__ import annotations

import base64
from typing import Any


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""

    code = "ledger_error"

    def __init__(self, message: str, *, code: str | None = None, **evidence: Any) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        # Evidence lets a caller publish what failed (roots, checkpoints, proofs), not just a message.
        self.evidence: dict[str, Any] = evidence

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class MalformedInput(LedgerError):
    """Input that does not parse as the wire format says (JSON, members, types, encodings)."""

    code = "malformed_input"


class VerificationFailed(LedgerError):
    """A signature, hash, proof or checkpoint did not verify."""

    code = "verification_failed"


class Refused(LedgerError):
    """A well-formed, correctly signed entry that the rules of the ledger do not allow.

    `reason` names the rule's message in the catalogue (ledger.rules.messages) and `params` its
    plain values, so every language renders the refusal from them; `code` is the stable wire code,
    which several reasons may share.
    """

    code = "refused"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        reason: str | None = None,
        params: dict[str, Any] | None = None,
        **evidence: Any,
    ) -> None:
        super().__init__(message, code=code, **evidence)
        self.reason = reason
        self.params: dict[str, Any] = dict(params or {})


class Conflict(LedgerError):
    """A submission written against a stream head that is no longer current."""

    code = "stale_head"


class NotFound(LedgerError):
    """An index, stream, key or file that does not exist."""

    code = "not_found"


class UsageError(LedgerError):
    """A command used wrongly: a missing or contradictory option (the CLI exits 2)."""

    code = "usage"


def evidence_json(value: Any) -> Any:
    """Evidence as JSON: bytes (hashes, keys, signatures) as standard base64, anything else as text."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list | tuple):
        return [evidence_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): evidence_json(v) for k, v in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
