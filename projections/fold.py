"""Status views folded from the log (DESIGN §1.3, §7), with the rules' own code.

`ViewFold.apply` runs `ledger.rules.decide`/`evolve` for every leaf, exactly as the store and the
verifier do, and then records what the views need beyond the rules state: oversight notes, witness
attestations, assessment results with their failing checks, pact histories, signer activity and the
history rows of each unit. There is no second copy of the rules here: stage, track, predicate,
coverage, remediation and bars are read from the rules state after each entry.

The documents it produces are plain JSON (strings, integers, lists, objects: no floats), so their
canonical form, and the digest over it, is the same wherever the fold runs: in the server's view
tables or offline from an exported directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ledger import codes
from ledger.crypto.keys import encode_base64
from ledger.crypto.merkle import hash_leaf
from ledger.entry import parse_leaf
from ledger.errors import LedgerError
from ledger.rules import Assessment, KeyRecord, LedgerState, UnitState, decide, evolve

# Views never re-judge when the log accepted an entry: the "not in the future" rule gets a clock
# past any entry, so that folding online, offline or next year gives the same documents.
VIEW_CLOCK = datetime(9999, 1, 1, tzinfo=UTC)
MAX_NOTES_IN_STATUS = 20


@dataclass
class HistoryRow:
    """One entry as a line of a unit's (or a signer's) history."""

    index: int
    unit: str | None
    stream: str
    kind: str
    at: str
    signer: str
    summary: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "unit": self.unit,
            "stream": self.stream,
            "kind": self.kind,
            "at": self.at,
            "signer": self.signer,
            "summary": self.summary,
        }


@dataclass
class Changes:
    """What one applied leaf changed, so that a materialised view writes only that."""

    units: set[str] = field(default_factory=set)
    signers: set[str] = field(default_factory=set)
    employees: set[tuple[str, str]] = field(default_factory=set)
    history: list[HistoryRow] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    leaf_hash: bytes = b""  # of the leaf applied: the caller's Merkle tree needs it, parsing computed it


class ViewFold:
    """The views of a log's first `size` leaves, built leaf by leaf."""

    def __init__(self, origin: str, *, keep_history: bool = False) -> None:
        self.state = LedgerState(origin=origin)
        # The history lines live in the view tables online; offline (MemoryViews) the fold keeps them.
        self.history_log: list[dict[str, Any]] | None = [] if keep_history else None
        self.notes: dict[str, list[dict[str, Any]]] = {}
        self.witnesses: dict[str, dict[str, list[dict[str, Any]]]] = {}  # unit -> declaration -> attestations
        self.results: dict[str, dict[str, Any]] = {}  # unit -> {"internal": ..., "national": ...}
        self.released: dict[str, dict[str, dict[str, Any]]] = {}  # unit -> number -> release
        self.last_activity: dict[str, dict[str, Any]] = {}
        self.signers: dict[str, dict[str, Any]] = {}
        self.employees: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.refused: list[dict[str, Any]] = []  # leaves the rules refuse (only a damaged log has any)
        self.assessment_log: list[dict[str, Any]] = []  # every assessment result, in log order
        self.size = 0
        # The `at` of the last leaf that parsed as an entry, refused or not: answers' `as_of.at`, the
        # day they count to by default (a leaf too damaged to parse has no time to give).
        self.last_at: str | None = None

    # --- folding -------------------------------------------------------------------------------

    def apply(self, index: int, leaf: bytes) -> Changes:
        """Fold leaf `index` (the next one) and return what changed."""
        if index != self.size:
            raise LedgerError(f"views are at leaf {self.size}, cannot apply leaf {index}", code=codes.VIEW_OUT_OF_ORDER)
        self.size = index + 1
        changes = Changes()
        try:
            submission = parse_leaf(leaf)
            changes.leaf_hash = submission.leaf_hash
            self.last_at = submission.entry.at
            decision = decide(self.state, submission, index, VIEW_CLOCK, signature_verified=True)
        except LedgerError as exc:
            if not changes.leaf_hash:  # the leaf did not parse: hash its bytes as they are
                changes.leaf_hash = hash_leaf(leaf)
            self.refused.append({"index": index, "code": exc.code, "message": exc.message})
            return changes
        evolve(self.state, decision)
        entry = submission.entry
        body = entry.body
        unit = entry.unit
        summary = _summary(entry.kind, body)
        rules = self.state.policy.rules if self.state.policy is not None else 1
        if entry.kind in ("oversight.noted", "declaration.witnessed"):
            summary["office"] = _signed_for(body, decision.key, rules)["office"]  # edition 2: the key's
        row = HistoryRow(index, unit, entry.stream, entry.kind, entry.at, entry.signer, summary)
        changes.history.append(row)
        if self.history_log is not None:
            self.history_log.append(row.to_json())
        self._signed(entry.signer, entry.kind, entry.at, index)
        changes.signers.add(entry.signer)
        if unit is None:
            if entry.kind in ("key.registered", "key.revoked"):
                changes.signers.add(entry.stream_subject or "")
            return changes
        changes.units.add(unit)
        self.last_activity[unit] = {"at": entry.at, "index": index, "kind": entry.kind}
        if entry.kind == "oversight.noted":
            self.notes.setdefault(unit, []).append(
                {
                    "index": index,
                    "at": entry.at,
                    "signer": entry.signer,
                    **_signed_for(body, decision.key, rules),
                    "topic": body["topic"],
                    "text": body["text"],
                }
            )
        elif entry.kind == "declaration.witnessed":
            self.witnesses.setdefault(unit, {}).setdefault(body["declaration"], []).append(
                {"index": index, "at": entry.at, "signer": entry.signer, **_signed_for(body, decision.key, rules)}
            )
        elif entry.kind == "stage.advanced" and body["to"] == "declared":
            self.witnesses.setdefault(unit, {})[encode_base64(submission.leaf_hash)] = []
        elif entry.kind == "assessment.reviewed":
            assert decision.assessment is not None
            result = _assessment_json(decision.assessment, unit, [item["id"] for item in body["remediation"]])
            self.results.setdefault(unit, {})[decision.assessment.level] = result
            self.assessment_log.append(result)
            changes.assessments.append(result)
        elif entry.kind in ("pact.signed", "pact.released"):
            number = entry.stream_subject or ""
            event = {"index": index, "at": entry.at, "kind": entry.kind, "signer": entry.signer}
            if entry.kind == "pact.signed":
                event |= {"name": body["employee"]["name"], "signed_on": body["signed_on"]}
                self.released.get(unit, {}).pop(number, None)
            else:
                pact = self.state.units[unit].pacts[number]
                event |= {"reason": body["reason"]}
                self.released.setdefault(unit, {})[number] = {
                    "number": number,
                    "name": pact.employee_name,
                    "released_at": entry.at,
                    "reason": body["reason"],
                    "index": index,
                }
            self.employees.setdefault((unit, number), []).append(event)
            changes.employees.add((unit, number))
        return changes

    def _signed(self, signer: str, kind: str, at: str, index: int) -> None:
        activity = self.signers.setdefault(signer, {"entries": 0, "by_kind": {}, "first": None, "last": None})
        activity["entries"] += 1
        activity["by_kind"][kind] = activity["by_kind"].get(kind, 0) + 1
        activity["first"] = activity["first"] or {"at": at, "index": index}
        activity["last"] = {"at": at, "index": index}

    # --- documents -------------------------------------------------------------------------------

    def unit_document(self, unit_id: str) -> dict[str, Any]:
        """The status of one unit, as the views store and answer it."""
        unit: UnitState = self.state.units[unit_id]
        results = self.results.get(unit_id, {})
        declarations = self.witnesses.get(unit_id, {})
        latest_declaration = next(reversed(declarations), None) if declarations else None
        return {
            "unit": unit.id,
            "name": unit.name,
            "type": unit.type,
            "headcount": unit.headcount,
            "registered_at": unit.registered_at,
            "stage": unit.stage,
            "track": unit.track,
            "predicate": unit.predicate,
            "stage_since": unit.stage_since,
            "stage_index": unit.stage_index,
            "barred_until": unit.barred_until,
            "pact_coverage": {
                "valid": unit.valid_pacts,
                "headcount": unit.headcount,
                "ratio": f"{(Decimal(unit.valid_pacts) / Decimal(unit.headcount)).quantize(Decimal('0.0001'))}",
            },
            "released_pacts": sorted(self.released.get(unit_id, {}).values(), key=lambda r: r["number"]),
            "internal": results.get("internal"),
            "national": results.get("national"),
            "remediation_open": [
                {
                    "id": item.id,
                    "area": item.area,
                    "text": item.text,
                    "opened_at": item.opened_at,
                    "opened_index": item.opened_index,
                }
                for item in sorted(unit.open_remediation, key=lambda i: (i.opened_index, i.id))
            ],
            "declaration": None
            if latest_declaration is None
            else {"leaf_hash": latest_declaration, "witnesses": declarations[latest_declaration]},
            # The latest notes; every note stays in the unit's history. Keeps each document small.
            "oversight_notes": self.notes.get(unit_id, [])[-MAX_NOTES_IN_STATUS:],
            "oversight_notes_total": len(self.notes.get(unit_id, [])),
            "last_activity": self.last_activity.get(unit_id),
        }

    def signer_document(self, fingerprint: str) -> dict[str, Any]:
        key = self.state.keys.get(fingerprint)
        activity = self.signers.get(fingerprint, {"entries": 0, "by_kind": {}, "first": None, "last": None})
        return {
            "signer": fingerprint,
            "role": key.role if key else None,
            "scope": list(key.scope) if key else None,
            "holder": {"name": key.holder_name, "title": key.holder_title} if key else None,
            "registered_index": key.registered_index if key else None,
            "revoked_index": key.revoked_index if key else None,
            **activity,
        }

    def employee_document(self, unit: str, number: str) -> dict[str, Any]:
        pact = self.state.units[unit].pacts.get(number)
        return {
            "unit": unit,
            "number": number,
            "name": pact.employee_name if pact else None,
            "valid": bool(pact and pact.valid),
            "events": self.employees.get((unit, number), []),
        }


def _assessment_json(assessment: Assessment, unit: str, remediation: list[str]) -> dict[str, Any]:
    return {
        "unit": unit,
        "index": assessment.index,
        "at": assessment.at,
        "level": assessment.level,
        "year": assessment.year,
        "track": assessment.track,
        "step": assessment.step,
        "outcome": assessment.outcome,
        "total": f"{assessment.total:.2f}",
        "scores": dict(assessment.scores),
        "failing_checks": list(assessment.failing),
        "remediation": remediation,
    }


def _signed_for(body: Any, key: KeyRecord | None, rules: int) -> dict[str, Any]:
    """For whom a note or an attestation is signed: edition 1, the body's office; edition 2, the
    signing key's (the rules hold any body office to it), with the key's holder and registered office,
    so that a notes card names who signed. Edition-1 documents keep exactly their old members, so
    that views kept by an earlier release stay equal to a fold by this one."""
    assert key is not None
    if rules < 2:
        return {"office": body["office"]}
    return {
        "office": key.office_id,
        "holder": {"name": key.holder_name, "title": key.holder_title},
        "signer_office": {"id": key.office_id, "name": key.office_name},
    }


def _summary(kind: str, body: Any) -> dict[str, Any]:
    """The few members of a body a history line shows (names and numbers, not whole documents)."""
    keep = {
        "stage.advanced": ("from", "to", "track", "note"),
        "assessment.reviewed": ("level", "step", "year", "track", "outcome"),
        "remediation.completed": ("item",),
        "pact.released": ("reason",),
        "declaration.witnessed": ("office",),
        "oversight.noted": ("office", "topic"),
        "unit.registered": ("name", "type", "headcount"),
        "unit.headcount_set": ("headcount", "source"),
        "pact.signed": ("occasion",),
        "case.opened": ("stage", "concerns"),
        "case.advanced": ("stage",),
        "case.closed": ("outcome",),
        "key.registered": ("role",),
        "key.revoked": ("reason",),
    }.get(kind, ())
    summary = {name: body[name] for name in keep if name in body}
    if kind == "pact.signed":
        summary = {"employee": body["employee"]["name"], "number": body["employee"]["number"], **summary}
    return summary
