"""Witness policies in the Sigsum policy file format, enforced on cosigned checkpoints.

The format is Sigsum's (sigsum-go ``doc/policy.md``, "Policy file syntax"): line based, items
separated by white space, ``#`` comments to the end of the line, public keys in raw hex::

    log <pubkey> [<url>]
    witness <name> <pubkey> [<url>]
    group <name> all|any|<k> <name>...
    quorum <name>|none

A name must be defined on a line before the line that refers to it (so groups cannot be
circular); a group "acts as a witness if and only if at least k of its n members" do (``any`` is
k = 1, ``all`` is k = n); there is exactly one quorum line, and ``none`` requires no cosignature.

One choice of ours where Sigsum leaves it open: a witness's policy name is also its cosigner key
name, the name in its tlog-cosignature lines and in its key ID (c2sp.org/tlog-cosignature), so a
policy line is all a verifier needs to check that witness's cosignatures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from ledger import codes
from ledger.crypto.cosignature import Cosignature, CosignerKey, compute_cosigner_key_id, verify_cosignature
from ledger.crypto.note import parse_note
from ledger.errors import LedgerError, MalformedInput, VerificationFailed

__all__ = [
    "NO_QUORUM",
    "PolicyGroup",
    "PolicyWitness",
    "WitnessPolicy",
    "parse_witness_policy",
    "verify_witness_quorum",
]

NO_QUORUM: Final = "none"
"""The predefined name of the quorum that needs no cosignature."""

_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")
_THRESHOLD = re.compile(r"[1-9][0-9]{0,3}")
MAX_POLICY_BYTES: Final = 64 * 1024


@dataclass(frozen=True)
class PolicyWitness:
    """A ``witness`` line: its (cosigner) name, public key and optional URL."""

    name: str
    public_key: bytes
    url: str | None = None

    @property
    def key(self) -> CosignerKey:
        """The tlog-cosignature key this line describes."""
        return CosignerKey(self.name, compute_cosigner_key_id(self.name, self.public_key), self.public_key)


@dataclass(frozen=True)
class PolicyGroup:
    """A ``group`` line: it acts when at least ``threshold`` of ``members`` act."""

    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class WitnessPolicy:
    """A parsed policy: known logs (public key, URL), witnesses, groups and the quorum's name."""

    logs: tuple[tuple[bytes, str | None], ...]
    witnesses: tuple[PolicyWitness, ...]
    groups: tuple[PolicyGroup, ...]
    quorum: str

    def witness(self, name: str) -> PolicyWitness | None:
        """The witness line named ``name``, if any."""
        return next((w for w in self.witnesses if w.name == name), None)

    def acts(self, name: str, cosigners: Iterable[str]) -> bool:
        """Whether ``name`` (a witness, a group or ``none``) acts when ``cosigners`` have cosigned."""
        signed = set(cosigners)
        groups = {group.name: group for group in self.groups}

        def acts(member: str) -> bool:
            if member == NO_QUORUM:
                return True
            group = groups.get(member)
            if group is None:
                return member in signed
            return sum(1 for m in group.members if acts(m)) >= group.threshold

        return acts(name)

    def quorum_met(self, cosigners: Iterable[str]) -> bool:
        """Whether the cosigners named meet the policy's quorum."""
        return self.acts(self.quorum, cosigners)

    def describe_quorum(self, of: str = "of") -> str:
        """The quorum in words for error messages: ``1 of kejari, polres`` and the like (a page passes
        its language's word for ``of``)."""
        groups = {group.name: group for group in self.groups}

        def describe(name: str) -> str:
            group = groups.get(name)
            if group is None:
                return name
            inner = ", ".join(describe(m) for m in group.members)
            return f"{group.threshold} {of} ({inner})"

        return describe(self.quorum)


def parse_witness_policy(text: str) -> WitnessPolicy:
    """Parse a Sigsum policy file; raises :class:`~ledger.errors.MalformedInput` naming the line.

    The code of every error is ``invalid_witness_policy``.
    """
    if not isinstance(text, str):
        raise MalformedInput("witness policy must be text", code=codes.INVALID_WITNESS_POLICY)
    if len(text.encode("utf-8", "replace")) > MAX_POLICY_BYTES:
        raise MalformedInput(
            f"witness policy is larger than {MAX_POLICY_BYTES} bytes", code=codes.INVALID_WITNESS_POLICY
        )
    logs: list[tuple[bytes, str | None]] = []
    witnesses: list[PolicyWitness] = []
    groups: list[PolicyGroup] = []
    names: set[str] = {NO_QUORUM}
    quorum: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):

        def fail(problem: str, number: int = number) -> MalformedInput:
            return MalformedInput(f"witness policy line {number}: {problem}", code=codes.INVALID_WITNESS_POLICY)

        items = raw.split("#", 1)[0].split()
        if not items:
            continue
        keyword, args = items[0], items[1:]
        if keyword == "log":
            if len(args) not in (1, 2):
                raise fail("want 'log <pubkey hex> [<url>]'")
            logs.append((_public_key(args[0], fail), args[1] if len(args) == 2 else None))
        elif keyword == "witness":
            if len(args) not in (2, 3):
                raise fail("want 'witness <name> <pubkey hex> [<url>]'")
            name = _new_name(args[0], names, fail)
            witness = PolicyWitness(name, _public_key(args[1], fail), args[2] if len(args) == 3 else None)
            try:
                witness.key  # noqa: B018 - the name must also be a valid cosigner key name
            except LedgerError as exc:
                raise fail(f"witness name {name!r}: {exc.message}") from exc
            witnesses.append(witness)
            names.add(name)
        elif keyword == "group":
            if len(args) < 3:
                raise fail("want 'group <name> all|any|<k> <member>...'")
            name = _new_name(args[0], names, fail)
            members = tuple(args[2:])
            for member in members:
                if member not in names or member == NO_QUORUM:
                    raise fail(f"group member {member!r} is not a witness or group defined on an earlier line")
            if len(set(members)) != len(members):
                raise fail(f"group {name!r} names a member twice")
            if args[1] == "all":
                threshold = len(members)
            elif args[1] == "any":
                threshold = 1
            elif _THRESHOLD.fullmatch(args[1]) and int(args[1]) <= len(members):
                threshold = int(args[1])
            else:
                raise fail(f"group threshold {args[1]!r} is not all, any or a number from 1 to {len(members)}")
            groups.append(PolicyGroup(name, threshold, members))
            names.add(name)
        elif keyword == "quorum":
            if len(args) != 1:
                raise fail("want 'quorum <name>|none'")
            if quorum is not None:
                raise fail("a policy has exactly one quorum line")
            if args[0] not in names:
                raise fail(f"quorum {args[0]!r} is not none or a witness or group defined on an earlier line")
            quorum = args[0]
        else:
            raise fail(f"unknown keyword {keyword[:20]!r}; want log, witness, group or quorum")
    if quorum is None:
        raise MalformedInput("witness policy has no quorum line", code=codes.INVALID_WITNESS_POLICY)
    return WitnessPolicy(tuple(logs), tuple(witnesses), tuple(groups), quorum)


def verify_witness_quorum(
    signed_checkpoint: str, policy: WitnessPolicy, *, log_public_key: bytes | None = None, now: int | None = None
) -> dict[str, Cosignature]:
    """Check the cosignatures on a (log-verified) checkpoint against ``policy``; return them by witness.

    Call it after the log's own signature has been verified. Every cosignature line by a policy
    witness must verify (signed-note: a known key's bad signature rejects the note); lines by
    unknown keys are ignored. With ``log_public_key``, a policy that lists logs must list it.
    Raises :class:`~ledger.errors.VerificationFailed`: ``witness_policy_log_unknown``,
    ``cosignature_invalid``, or ``witness_quorum_not_met`` whose evidence says which witnesses
    signed (``cosigned_by``), which are known (``witnesses``) and the quorum (``quorum``).
    """
    if log_public_key is not None and policy.logs and all(key != log_public_key for key, _ in policy.logs):
        raise VerificationFailed(
            "the witness policy does not list this log's key", code=codes.WITNESS_POLICY_LOG_UNKNOWN
        )
    note = parse_note(signed_checkpoint)
    present = {(s.name, s.key_id) for s in note.signatures}
    cosigned: dict[str, Cosignature] = {}
    for witness in policy.witnesses:
        key = witness.key
        if (key.name, key.key_id) in present:
            cosigned[witness.name] = verify_cosignature(signed_checkpoint, key, now=now)
    if not policy.quorum_met(cosigned):
        signed = sorted(cosigned)
        raise VerificationFailed(
            f"witness quorum {policy.describe_quorum()} not met: cosigned by "
            f"{', '.join(signed) if signed else 'no known witness'}",
            code=codes.WITNESS_QUORUM_NOT_MET,
            cosigned_by=signed,
            witnesses=[w.name for w in policy.witnesses],
            quorum=policy.describe_quorum(),
            checkpoint=signed_checkpoint,
        )
    return cosigned


def _public_key(text: str, fail: Callable[[str], MalformedInput]) -> bytes:
    if not _HEX_KEY.fullmatch(text):
        raise fail(f"public key {text[:20]!r} is not 64 hex digits")
    return bytes.fromhex(text)


def _new_name(name: str, names: set[str], fail: Callable[[str], MalformedInput]) -> str:
    if name in names:
        raise fail(f"name {name!r} is already defined")
    return name
