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

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ledger import codes
from ledger.crypto.keys import encode_base64
from ledger.crypto.merkle import hash_leaf
from ledger.entry import parse_leaf
from ledger.errors import LedgerError
from ledger.rules import Assessment, KeyRecord, LeafIndex, LedgerState, UnitState, day_end, decide, evolve
from projections import people

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
class PactEvent:
    """One pact entry as an event of its employee's document (`ViewFold.employee`): signed (with
    the name, the day and, from edition 2, the occasion) or released (with the reason). Like the
    history rows, the events live in the view tables online, one row each, and are gathered when an
    employee is read: at national scale they are 85 % of the entries (issue 16, bounded memory)."""

    unit: str
    number: str
    event: dict[str, Any]


@dataclass
class Changes:
    """What one applied leaf changed, so that a materialised view writes only that."""

    units: set[str] = field(default_factory=set)
    signers: set[str] = field(default_factory=set)
    employees: set[tuple[str, str]] = field(default_factory=set)
    history: list[HistoryRow] = field(default_factory=list)
    pact_events: list[PactEvent] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    people: set[str] = field(default_factory=set)  # keys whose directory document changed
    indexed: set[tuple[str, str]] = field(default_factory=set)  # (what, id) whose search terms changed
    leaf_hash: bytes = b""  # of the leaf applied: the caller's Merkle tree needs it, parsing computed it


class ViewFold:
    """The views of a log's first `size` leaves, built leaf by leaf."""

    def __init__(self, origin: str, *, keep_history: bool = False, rows: bytearray | None = None) -> None:
        # `rows`: the leaf hashes of the caller's tree, which it appends every applied leaf's hash to
        # (refused or not) right after `apply`: the rules' leaf index reads them instead of a copy.
        self.state = LedgerState(origin=origin, leaf_indices=LeafIndex(rows=rows))
        # The history lines and the employees' pact events live in the view tables online; offline
        # (MemoryViews) the fold keeps them.
        self.history_log: list[dict[str, Any]] | None = [] if keep_history else None
        self.pact_log: dict[tuple[str, str], list[dict[str, Any]]] | None = {} if keep_history else None
        self.notes: dict[str, list[dict[str, Any]]] = {}  # unit -> its latest MAX_NOTES_IN_STATUS notes
        self.notes_total: dict[str, int] = {}  # unit -> how many notes it has had
        self.witnesses: dict[str, dict[str, list[dict[str, Any]]]] = {}  # unit -> declaration -> attestations
        self.results: dict[str, dict[str, Any]] = {}  # unit -> {"internal": ..., "national": ...}
        self.released: dict[str, dict[str, dict[str, Any]]] = {}  # unit -> number -> release
        self.last_activity: dict[str, dict[str, Any]] = {}
        self.signers: dict[str, dict[str, Any]] = {}
        self.refused: list[dict[str, Any]] = []  # leaves the rules refuse (only a damaged log has any)
        # Every assessment result in log order: rows of the view tables online; kept offline.
        self.assessment_log: list[dict[str, Any]] | None = [] if keep_history else None
        self.size = 0
        # The `at` of the last leaf that parsed as an entry, refused or not: answers' `as_of.at`, the
        # day they count to by default (a leaf too damaged to parse has no time to give).
        self.last_at: str | None = None
        # Rules edition 2 (docs/design/rules-edition-2.md): what the new kinds recorded, by unit.
        self.edition = 1
        self.agencies: dict[str, str] = {}
        self.cycles: dict[int, dict[str, Any]] = {}
        self.proposals: dict[str, list[dict[str, Any]]] = {}  # unit -> its proposals, latest last
        self.open_proposals: set[str] = set()  # units whose latest proposal is undecided and not lapsed
        # No open proposal lapses before this moment (a lower bound: exact after each scan, lowered
        # as proposals open): entries before it skip the scan, which at national scale (thousands of
        # open proposals) took a large share of every entry's fold (issue 16).
        self.next_lapse: datetime | None = None
        self.stage_tally: dict[str, Any] | None = None  # units by stage and predicate (projector.counts)
        self.decrees: dict[str, list[dict[str, Any]]] = {}  # unit -> designation and revocation decrees
        self.revocations: dict[str, dict[str, Any]] = {}  # unit -> its latest revocation
        self.monitoring: dict[str, list[dict[str, Any]]] = {}
        self.cases: dict[str, dict[str, Any]] = {}  # stream -> case
        # People and search (projections.people): when each key was registered and revoked.
        self.key_times: dict[str, dict[str, str]] = {}

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
            changes.units |= self._lapse(submission.entry.time)
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
        if self.state.policy is not None and self.state.policy.rules != self.edition:
            # Edition-2 documents have more members: every unit's and signer's document changes.
            self.edition = self.state.policy.rules
            changes.units |= set(self.state.units)
            changes.signers |= set(self.state.keys)
        summary = _summary(entry.kind, body)
        rules = self.state.policy.rules if self.state.policy is not None else 1
        if entry.kind in ("oversight.noted", "declaration.witnessed"):
            signed_for = _signed_for(body, decision.key, rules)
            summary["office"] = signed_for["office"]  # edition 2: the key's
            if "signer_office" in signed_for:
                summary["office_name"] = signed_for["signer_office"]["name"]
        row = HistoryRow(index, unit, entry.stream, entry.kind, entry.at, entry.signer, summary)
        changes.history.append(row)
        if self.history_log is not None:
            self.history_log.append(row.to_json())
        self._signed(entry.signer, entry.kind, entry.at, index)
        changes.signers.add(entry.signer)
        if entry.kind == "pact.signed" and decision.key is not None and decision.key.role == "employee":
            changes.people.add(entry.signer)  # an employee key learns its number from its first pact
            changes.indexed.add(("key", entry.signer))
        if entry.kind in ("ledger.genesis", "root.rotated"):
            # The root key enters (and on rotation leaves) the registry without a key.registered entry.
            for fingerprint, key in self.state.keys.items():
                if key.registered_index == index or key.revoked_index == index:
                    moment = "registered_at" if key.registered_index == index else "revoked_at"
                    self.key_times.setdefault(fingerprint, {})[moment] = entry.at
                    changes.people.add(fingerprint)
                    changes.indexed.add(("key", fingerprint))
        if unit is None:
            if entry.kind in ("key.registered", "key.revoked"):
                subject = entry.stream_subject or ""
                changes.signers.add(subject)
                moment = "registered_at" if entry.kind == "key.registered" else "revoked_at"
                self.key_times.setdefault(subject, {})[moment] = entry.at
                changes.people.add(subject)
                changes.indexed.add(("key", subject))
            elif entry.kind == "cycle.opened":
                self.cycles[body["year"]] = {**body, "index": index, "at": entry.at}
            return changes
        changes.units.add(unit)
        self.last_activity[unit] = {"at": entry.at, "index": index, "kind": entry.kind}
        if entry.kind == "oversight.noted":
            notes = self.notes.setdefault(unit, [])
            notes.append(
                {
                    "index": index,
                    "at": entry.at,
                    "signer": entry.signer,
                    **_signed_for(body, decision.key, rules),
                    "topic": body["topic"],
                    "text": body["text"],
                }
            )
            if len(notes) > MAX_NOTES_IN_STATUS:
                del notes[0]  # older notes live in the unit's history rows, not in memory
            self.notes_total[unit] = self.notes_total.get(unit, 0) + 1
        elif entry.kind == "declaration.witnessed":
            self.witnesses.setdefault(unit, {}).setdefault(body["declaration"], []).append(
                {"index": index, "at": entry.at, "signer": entry.signer, **_signed_for(body, decision.key, rules)}
            )
        elif entry.kind == "unit.registered":
            changes.indexed.add(("unit", unit))
            if "agency" in body:
                self.agencies[unit] = body["agency"]
        elif entry.kind in EDITION_2_UNIT_KINDS:
            self._edition_2(unit, entry, index)
            if entry.kind == "screening.recorded" and body["outcome"] == "failed":
                # A failed administrative screening is a failed review too (DOMAIN.md: "Which units
                # failed review, and why?"): a document check, so its notes are its reasons, no scores.
                self._assessed(_screening_json(entry, unit, index, self.state.units[unit].track), changes)
        elif entry.kind == "stage.advanced" and body["to"] == "declared":
            self.witnesses.setdefault(unit, {})[encode_base64(submission.leaf_hash)] = []
        elif entry.kind == "assessment.reviewed":
            assert decision.assessment is not None
            result = _assessment_json(decision.assessment, unit, [item["id"] for item in body["remediation"]])
            self.results.setdefault(unit, {})[decision.assessment.level] = result
            self._assessed(result, changes)
        elif entry.kind in ("pact.signed", "pact.released"):
            number = entry.stream_subject or ""
            event: dict[str, Any] = {"index": index, "at": entry.at, "kind": entry.kind, "signer": entry.signer}
            if entry.kind == "pact.signed":
                # Edition 3: the pseudonym stands where the name stood; names come from the
                # personal-data store at read time and never enter a view (docs/contract/personal-data.md).
                event["name"] = body["employee"].get("name") or body["employee"]["person"]
                event["signed_on"] = body["signed_on"]
                if "occasion" in body:  # edition 2: when the pact was signed
                    event["occasion"] = body["occasion"]
                self.released.get(unit, {}).pop(number, None)
            else:
                pact = self.state.units[unit].pacts[number]
                event["reason"] = body["reason"]
                self.released.setdefault(unit, {})[number] = {
                    "number": number,
                    "name": pact.employee_name,
                    "released_at": entry.at,
                    "reason": body["reason"],
                    "index": index,
                }
            changes.pact_events.append(PactEvent(unit, number, event))
            if self.pact_log is not None:
                self.pact_log.setdefault((unit, number), []).append(event)
            changes.employees.add((unit, number))
            changes.indexed.add(("employee", f"{unit}/{number}"))
        if entry.kind == "stage.advanced" and self.edition >= 2:
            self._proposal_step(unit, entry, index)
        return changes

    def _assessed(self, result: dict[str, Any], changes: Changes) -> None:
        changes.assessments.append(result)
        if self.assessment_log is not None:
            self.assessment_log.append(result)

    # --- rules edition 2 ------------------------------------------------------------------------------

    def _lapse(self, at: datetime) -> set[str]:
        """Mark the undecided proposals whose cycle closed before `at` as lapsed; their units changed.

        A proposal lapses when an entry's time is after the end (UTC) of its cycle's `closes_on`
        day (the rules' `day_end`): from then on the unit's document says so, wherever the fold runs."""
        if self.next_lapse is None or at < self.next_lapse:
            return set()
        lapsed = set()
        for unit in sorted(self.open_proposals):
            proposal = self.proposals[unit][-1]
            cycle = self.cycles.get(proposal["cycle"])
            if cycle is not None and at >= day_end(cycle["closes_on"]):
                proposal["lapsed"] = True
                lapsed.add(unit)
        self.open_proposals -= lapsed
        self.next_lapse = min(filter(None, (self._lapses_at(unit) for unit in self.open_proposals)), default=None)
        return lapsed

    def _lapses_at(self, unit: str) -> datetime | None:
        """When the open proposal of `unit` lapses (None: its cycle is unknown, so it never does)."""
        cycle = self.cycles.get(self.proposals[unit][-1]["cycle"])
        return None if cycle is None else day_end(cycle["closes_on"])

    def _proposal_step(self, unit: str, entry: Any, index: int) -> None:
        """A nomination opens a proposal in its cycle; a designation, a return or a new nomination
        ends the one before."""
        body = entry.body
        step = (body["from"], body["to"])
        proposals = self.proposals.setdefault(unit, [])
        current = proposals[-1] if proposals and proposals[-1]["decision"] is None else None
        if current is not None and body["from"] == "nominated":
            how = {"designated": "designated", "building": "returned", "nominated": "proposed_again"}[body["to"]]
            current["decision"] = {"outcome": how, "index": index, "at": entry.at}
            self.open_proposals.discard(unit)
        if step == ("nominated", "designated") and "sk" in body:
            self._decree(unit, "designation", body["track"], body["sk"], index, entry.at)
        if body["to"] == "nominated" and "cycle" in body:
            proposal = {
                "cycle": body["cycle"],
                "agency": self.agencies.get(unit, ""),
                "track": body["track"],
                "index": index,
                "at": entry.at,
                "lapsed": False,
                "screening": None,
                "appeal": None,
                "decision": None,
            }
            proposals.append(proposal)
            self.open_proposals.add(unit)
            lapses_at = self._lapses_at(unit)
            if lapses_at is not None and (self.next_lapse is None or lapses_at < self.next_lapse):
                self.next_lapse = lapses_at

    def _decree(self, unit: str, act: str, predicate: str, sk: Any, index: int, at: str) -> None:
        self.decrees.setdefault(unit, []).append(
            {
                "act": act,
                "predicate": predicate,
                **{k: sk[k] for k in ("number", "date", "document")},
                "index": index,
                "at": at,
            }
        )

    def _edition_2(self, unit: str, entry: Any, index: int) -> None:
        """What a unit's document keeps of the new kinds' entries (the rules accepted each)."""
        body, kind, at = entry.body, entry.kind, entry.at
        proposals = self.proposals.get(unit, [])
        proposal = proposals[-1] if proposals else None
        if kind == "screening.recorded" and proposal is not None:
            proposal["screening"] = {"outcome": body["outcome"], "notes": list(body["notes"]), "index": index, "at": at}
        elif kind == "appeal.filed" and proposal is not None:
            proposal["appeal"] = {
                "text": body["text"],
                "documents": len(body["documents"]),
                "index": index,
                "at": at,
                "decided": None,
            }
        elif kind == "appeal.decided" and proposal is not None and proposal["appeal"] is not None:
            proposal["appeal"]["decided"] = {"outcome": body["outcome"], "note": body["note"], "index": index, "at": at}
        elif kind == "predicate.revoked":
            self._decree(unit, "revocation", body["predicate"], body["sk"], index, at)
            self.revocations[unit] = {
                "predicate": body["predicate"],
                "ground": body["ground"],
                "note": body["note"],
                "decree": body["sk"]["number"],
                "index": index,
                "at": at,
            }
            if proposal is not None and proposal["decision"] is None:
                proposal["decision"] = {"outcome": "revoked", "index": index, "at": at}
                self.open_proposals.discard(unit)
        elif kind == "monitoring.recorded":
            self.monitoring.setdefault(unit, []).append(
                {
                    "year": body["year"],
                    "outcome": body["outcome"],
                    "note": body["note"],
                    "index": index,
                    "at": at,
                    "signer": entry.signer,
                }
            )
        elif kind.startswith("case."):
            self._case(unit, entry, index)

    def _case(self, unit: str, entry: Any, index: int) -> None:
        body, at = entry.body, entry.at
        if entry.kind == "case.opened":
            key = self.state.keys.get(entry.signer)
            self.cases[entry.stream] = {
                "id": entry.stream_subject,
                "unit": unit,
                "stage": body["stage"],
                "concerns": body["concerns"],
                "text": body["text"],
                "office": None if key is None else key.office_id,  # the office of the key that opened it
                "office_name": None if key is None else key.office_name,
                "signer": entry.signer,
                "opened_at": at,
                "opened_index": index,
                "advanced": [],
                "closed": None,
            }
            return
        case = self.cases[entry.stream]
        if entry.kind == "case.advanced":
            case["stage"] = body["stage"]
            case["advanced"].append({"stage": body["stage"], "text": body["text"], "index": index, "at": at})
        else:
            case["closed"] = {"outcome": body["outcome"], "text": body["text"], "index": index, "at": at}

    def _edition_2_members(self, unit_id: str) -> dict[str, Any]:
        """The members an edition-2 log's unit documents have beyond edition 1's."""
        cases = sorted(
            (case for case in self.cases.values() if case["unit"] == unit_id), key=lambda c: c["opened_index"]
        )
        return {
            "agency": self.agencies.get(unit_id, ""),
            "proposals": self.proposals.get(unit_id, []),
            "decrees": self.decrees.get(unit_id, []),
            "revocation": self.revocations.get(unit_id),
            "monitoring": sorted(self.monitoring.get(unit_id, []), key=lambda m: (m["year"], m["index"])),
            "cases": cases,
            "open_cases": sum(1 for case in cases if case["closed"] is None),
        }

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
            "oversight_notes_total": self.notes_total.get(unit_id, 0),
            "last_activity": self.last_activity.get(unit_id),
        } | (self._edition_2_members(unit_id) if self.edition >= 2 else {})

    def cycles_document(self) -> list[dict[str, Any]]:
        """The cycles opened (rules edition 2), by year: what the proposals are counted against."""
        return [self.cycles[year] for year in sorted(self.cycles)]

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
        } | ({"office": {"id": key.office_id, "name": key.office_name}} if key and key.office_id else {})

    def person_document(self, fingerprint: str) -> dict[str, Any]:
        """A registered key as the directory lists it (projections.people)."""
        times = self.key_times.get(fingerprint, {})
        return people.key_document(self.state.keys[fingerprint], times.get("registered_at"), times.get("revoked_at"))

    def search_terms(self, what: str, item: str) -> list[str]:
        """The search terms of a unit, a key or an employee ("unit/number") (projections.people)."""
        if what == "unit":
            return people.index_rows(people.unit_terms(item, self.state.units[item].name))
        if what == "key":
            return people.index_rows(people.key_terms(self.person_document(item)))
        unit, _, number = item.partition("/")
        pact = self.state.units[unit].pacts.get(number)
        return people.index_rows(
            people.employee_terms(number, people.employee_name(pact.employee_name if pact else None))
        )

    def everything_indexed(self) -> Iterator[tuple[str, str]]:
        """Every (what, id) the search index holds, each once, made as they are read (a national log's
        1.6 million would be a set of 200 MiB at the end of a rebuild, its peak)."""
        yield from (("unit", unit) for unit in sorted(self.state.units))
        yield from (("key", fingerprint) for fingerprint in sorted(self.state.keys))
        yield from (("employee", f"{unit}/{number}") for unit, number in self.employees())

    def employees(self) -> Iterator[tuple[str, str]]:
        """(unit, number) of every employee with a pact entry, in that order: the rules state's pacts,
        which keep a released pact (invalid) and so every employee a pact entry was accepted for."""
        for unit in sorted(self.state.units):
            for number in sorted(self.state.units[unit].pacts):
                yield unit, number

    def is_employee(self, unit: str, number: str) -> bool:
        known = self.state.units.get(unit)
        return known is not None and number in known.pacts

    def employee_document(self, unit: str, number: str) -> dict[str, Any]:
        """An employee's document as the view tables hold it: without its events (`PactEvent`), which
        are rows of their own, gathered when it is read (`employee`)."""
        pact = self.state.units[unit].pacts.get(number)
        return {
            "unit": unit,
            "number": number,
            "name": pact.employee_name if pact else None,
            "valid": bool(pact and pact.valid),
        }

    def employee(self, unit: str, number: str) -> dict[str, Any]:
        """An employee's document with its pact events in log order, as a reader sees it: from a fold
        that keeps them (`keep_history`, offline)."""
        if self.pact_log is None:
            raise ValueError("this fold does not keep the pact events: read employees from the view tables")
        return with_events(self.employee_document(unit, number), self.pact_log.get((unit, number), []))


def with_events(document: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """An employee's stored document with its events, the last member as it always was. Views written
    before the events had rows of their own (meta `employee_events` absent) still hold them inside."""
    return document if "events" in document else {**document, "events": events}


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


def _screening_json(entry: Any, unit: str, index: int, track: str | None) -> dict[str, Any]:
    """A failed screening as a row of the failed reviews: the notes are its failing checks."""
    return {
        "unit": unit,
        "index": index,
        "at": entry.at,
        "level": "national",
        "year": entry.body["cycle"],
        "track": track,
        "step": "screening",
        "outcome": "failed",
        "total": None,
        "scores": {},
        "failing_checks": list(entry.body["notes"]),
        "remediation": [],
    }


EDITION_2_UNIT_KINDS = frozenset(
    (
        "screening.recorded",
        "appeal.filed",
        "appeal.decided",
        "predicate.revoked",
        "monitoring.recorded",
        "case.opened",
        "case.advanced",
        "case.closed",
    )
)
"""The new kinds of rules edition 2 whose stream is a unit's (or a unit's case)."""


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
        "stage.advanced": ("from", "to", "track", "note", "cycle"),
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
        # rules edition 2
        "cycle.opened": ("year", "proposal_deadline", "closes_on", "quota"),
        "screening.recorded": ("cycle", "outcome"),
        "appeal.filed": ("cycle",),
        "appeal.decided": ("cycle", "outcome"),
        "predicate.revoked": ("predicate", "ground"),
        "monitoring.recorded": ("year", "outcome"),
    }.get(kind, ())
    summary = {name: body[name] for name in keep if name in body}
    if kind == "pact.signed":
        employee = body["employee"]
        if "person" in employee:  # edition 3: the pseudonym, never the name or the number
            summary = {
                "employee": employee["person"],
                "number": employee["person"],
                "person": employee["person"],
                **summary,
            }
        else:
            summary = {"employee": employee["name"], "number": employee["number"], **summary}
    elif kind == "key.registered" and "office" in body:
        summary["office"] = body["office"]["name"]
    if "sk" in body:  # a designation or a revocation: its decree's number
        summary["decree"] = body["sk"]["number"]
    return summary
