"""One error hierarchy for the whole ledger, in families (docs/contract/errors.md).

Every error carries a stable, machine-readable ``code`` that the CLI prints and the HTTP API puts in
its RFC 9457 problem documents; the message states the concrete fact that failed. Each error also
belongs to a ``family``: the kind of failure it is, from which the HTTP status (api.problems) and
the CLI's exit status (`exit_status` below) are derived, each in one place. A code names the fact,
the family says how it is answered; the codes and their families are tabled in `ledger.codes`.
"""

from __future__ import annotations

import base64
from typing import Any


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose; raised as itself, an internal fault."""

    code = "ledger_error"
    family = "internal"

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
    family = "malformed_input"


class TooLarge(MalformedInput):
    """Input over a size limit (a leaf over 65,535 bytes, a request body over the server's limit)."""

    code = "entry_too_large"
    family = "too_large"


class VerificationFailed(LedgerError):
    """A signature, hash, proof or checkpoint did not verify."""

    code = "verification_failed"
    family = "verification_failed"


class Refused(LedgerError):
    """A well-formed, correctly signed entry that the rules of the ledger do not allow.

    `reason` names the rule's message in the catalogue (ledger.rules.messages) and `params` its
    plain values, so every language renders the refusal from them; `code` is the stable wire code,
    which several reasons may share.
    """

    code = "refused"
    family = "refused"

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
    family = "conflict"


class NotFound(LedgerError):
    """An index, stream, key or file that does not exist."""

    code = "not_found"
    family = "not_found"


class Unavailable(LedgerError):
    """The ledger cannot serve now: too busy, a damaged store, views not yet current. Nothing the
    client sent is wrong; trying again later (or an operator's repair) is the remedy."""

    code = "busy"
    family = "unavailable"


class UsageError(LedgerError):
    """A command used wrongly: a missing or contradictory option (the CLI exits 2)."""

    code = "usage"
    family = "usage"


# The CLI's exit status of each family (README, "The command line"): 1 refused, invalid or failed,
# 2 usage, 3 stale stream head (re-sign on the new head), 4 not found.
EXIT_FAILED, EXIT_USAGE, EXIT_CONFLICT, EXIT_NOT_FOUND = 1, 2, 3, 4
EXIT_STATUS_OF_FAMILY = {
    LedgerError.family: EXIT_FAILED,
    MalformedInput.family: EXIT_FAILED,
    TooLarge.family: EXIT_FAILED,
    VerificationFailed.family: EXIT_FAILED,
    Refused.family: EXIT_FAILED,
    Conflict.family: EXIT_CONFLICT,
    NotFound.family: EXIT_NOT_FOUND,
    Unavailable.family: EXIT_FAILED,
    UsageError.family: EXIT_USAGE,
}


def exit_status_of_family(family: str) -> int:
    """The CLI's exit status for errors of `family` (the API layer's families fail with 1)."""
    return EXIT_STATUS_OF_FAMILY.get(family, EXIT_FAILED)


def exit_status(error: LedgerError) -> int:
    """The CLI's exit status for `error`: its family's."""
    return exit_status_of_family(error.family)


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
