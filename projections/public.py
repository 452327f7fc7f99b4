"""The public answers (issue 14): what anyone may read without a token, as pure functions of the log.

Each answer is built from the views' documents through a whitelist: a public row is made by naming
the members it keeps (`_pick`), never by deleting known-personal members from a full document, so a
member the views add later stays private until it is named here. Nothing here names a person: no
employee name or number, no key holder; offices and units only. Each answer has the envelope of every
view answer (`queries.answer`: query, params, as_of, page, data, digest), so the same functions over
an offline fold (`queries.MemoryViews`) give the same digests.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledger import codes
from ledger.entry import STAGES
from ledger.errors import NotFound
from projections.queries import PREDICATES, Views, answer

UNIT_MEMBERS = ("unit", "name", "type", "agency", "stage", "track", "predicate", "stage_since", "registered_at")
"""What a public unit row keeps of a unit's document (the rest of it stays behind a read token)."""
COVERAGE_MEMBERS = ("valid", "headcount", "ratio")  # counts only: who signed stays private
DECREE_MEMBERS = ("act", "predicate", "number", "date", "document", "index", "at")
REVOCATION_MEMBERS = ("predicate", "ground", "decree", "index", "at")  # not its note: free text
MONITORING_MEMBERS = ("year", "outcome", "index")  # not its note: free text

PUBLIC_RECORD_MEMBERS: dict[str, frozenset[str]] = {
    # The signed records a public check serves whole (its leaf must hash to the log's): a decree's
    # designation and its revocation. Every member a rules edition allows them is on the list; an
    # entry with any other member is not served (`public_record_allowed`).
    "stage.advanced": frozenset({"from", "to", "track", "note", "basis", "decree", "cycle", "statement", "sk"}),
    "predicate.revoked": frozenset({"predicate", "ground", "sk", "note", "basis"}),
}


def _pick(document: dict[str, Any] | None, members: tuple[str, ...]) -> dict[str, Any] | None:
    if document is None:
        return None
    return {name: document.get(name) for name in members}


def public_unit_row(document: dict[str, Any]) -> dict[str, Any]:
    """A unit as the public sees it: status, pact coverage as counts, decrees, revocation, monitoring."""
    row = _pick(document, UNIT_MEMBERS) or {}
    row["agency"] = row["agency"] or ""  # an edition-1 log's units have none
    row["pact_coverage"] = _pick(document["pact_coverage"], COVERAGE_MEMBERS)
    row["decrees"] = [_pick(d, DECREE_MEMBERS) for d in document.get("decrees", [])]
    row["revocation"] = _pick(document.get("revocation"), REVOCATION_MEMBERS)
    row["monitoring"] = [_pick(m, MONITORING_MEMBERS) for m in document.get("monitoring", [])]
    row["designation"] = _standing_designation(row)
    return row


def _standing_designation(row: dict[str, Any]) -> dict[str, Any] | None:
    """The designation decree of the predicate the unit holds now (None: it holds none)."""
    if row["predicate"] == "none":
        return None
    held = [d for d in row["decrees"] if d["act"] == "designation" and d["predicate"] == row["predicate"]]
    return held[-1] if held else None


def public_units(views: Views) -> dict[str, Any]:
    """Every unit's public row, by id."""
    rows = [public_unit_row(u) for u in sorted(views.units(), key=lambda u: u["unit"])]
    return answer("public-units", {}, views, rows)


def public_unit(views: Views, unit: str) -> dict[str, Any]:
    """One unit's public row."""
    document = views.unit(unit)
    if document is None:
        raise NotFound(f"unit {unit} is not registered", code=codes.UNKNOWN_UNIT)
    return answer("public-unit", {"unit": unit}, views, public_unit_row(document))


def public_decrees(views: Views) -> dict[str, Any]:
    """Every decree of designation and revocation, with its unit; by date, then log order."""
    rows = [
        {"unit": u["unit"], "name": u["name"], **(_pick(d, DECREE_MEMBERS) or {})}
        for u in views.units()
        for d in u.get("decrees", [])
    ]
    rows.sort(key=lambda r: (r["date"], r["index"]))
    return answer("public-decrees", {}, views, rows)


def public_overview(views: Views) -> dict[str, Any]:
    """Counts by stage, predicate and type, pact coverage in total, and how many decrees."""
    units = views.units()
    by_type: dict[str, int] = {}
    for u in units:
        by_type[u["type"]] = by_type.get(u["type"], 0) + 1
    valid = sum(u["pact_coverage"]["valid"] for u in units)
    headcount = sum(u["pact_coverage"]["headcount"] for u in units)
    decrees = [d for u in units for d in u.get("decrees", [])]
    data = {
        "units": len(units),
        "by_stage": {s: sum(1 for u in units if u["stage"] == s) for s in STAGES},
        "by_predicate": {p: sum(1 for u in units if u["predicate"] == p) for p in PREDICATES},
        "by_type": dict(sorted(by_type.items())),
        "pact_coverage": {
            "valid": valid,
            "headcount": headcount,
            "ratio": f"{(Decimal(valid) / Decimal(headcount)).quantize(Decimal('0.0001'))}" if headcount else "0",
        },
        "decrees": {
            "designation": sum(1 for d in decrees if d["act"] == "designation"),
            "revocation": sum(1 for d in decrees if d["act"] == "revocation"),
        },
    }
    return answer("public-overview", {}, views, data)


def public_record_allowed(entry: dict[str, Any]) -> bool:
    """Whether a signed entry may be served whole to anyone: a designation or a revocation whose body
    holds only members on its kind's public list."""
    allowed = PUBLIC_RECORD_MEMBERS.get(entry.get("kind", ""))
    body = entry.get("body")
    if allowed is None or not isinstance(body, dict) or not set(body) <= allowed:
        return False
    return entry["kind"] != "stage.advanced" or body.get("to") == "designated"


def plaque_records(row: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The decrees a plaque's check verifies: the designation of the predicate the unit holds, or of the
    one it last lost; and the revocation decreed after that designation, if any. (None, None) for a
    unit no decree designated."""
    decrees = row["decrees"]
    revocations = [d for d in decrees if d["act"] == "revocation"]
    designations = [d for d in decrees if d["act"] == "designation"]
    if not designations:
        return None, None
    if row["predicate"] != "none":
        held = [d for d in designations if d["predicate"] == row["predicate"]]
        designation = held[-1] if held else designations[-1]
    else:
        designation = designations[-1]
    later = [r for r in revocations if r["index"] > designation["index"] and r["predicate"] == designation["predicate"]]
    return designation, (later[0] if later else None)
