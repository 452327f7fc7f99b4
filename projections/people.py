"""People and search (issue 13): the directory of keys, a person's page, one search box, signers by name.

This module is the one place that knows where names come from and how they are indexed. The fold
(projections.fold) asks it for the documents and search terms it stores in the view tables, and the
queries below read them back through the `Views` protocol. Names are read from the log (a key's
`holder.name`, a pact's `employee.name`) under rules editions 1 and 2. Under edition 3 the log names
a person by pseudonym only (docs/contract/personal-data.md), and so do the view tables: the rules
fold gives the pseudonym where the name was, so the directory and search index pseudonyms, never a
name or a NIP from the personal-data store. That keeps erasure complete (no view row holds personal
data to delete); finding an edition-3 person by name would be a look-up in the store at query time,
recorded as a read, and is not built.

Search is an index in the views, not a scan of the log: every unit, key and employee has a few
terms (normalised words of its name, its id, number or fingerprint) in `view_search`, keyed by
term, and a query's words are each matched as a prefix of a term (a B-tree range), the results
being the items that every word matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ledger import codes
from ledger.entry import FINGERPRINT_PATTERN
from ledger.errors import MalformedInput, NotFound

if TYPE_CHECKING:
    from ledger.rules import KeyRecord

WHATS = ("unit", "key", "employee")  # what a search result is, in the order results are listed
MAX_QUERY = 128  # characters of a search box
MAX_WORDS = 8
CANDIDATES_SHOWN = 10
_WORD = re.compile(r"[a-z0-9]+")


# --- where names come from (the one place: rules edition 3 moves them to the personal-data store) ------


def holder_name(key: KeyRecord) -> str:
    """The name of a key's holder."""
    return key.holder_name


def employee_name(pact_name: str | None) -> str | None:
    """The name of an employee, as their latest pact gives it."""
    return pact_name


# --- terms ----------------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """The searchable words of `text`: accents dropped (NFKD), case folded, split on anything but a-z, 0-9.

    Terms and queries are both made with this, so that "Sri Wahyuni", "SRI wahyuní" and "sri-wahyuni"
    find each other; the terms are ASCII, so that a prefix range compares the same in SQLite and in
    PostgreSQL whatever its collation.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _WORD.findall(plain)


def name_key(name: str | None) -> str:
    """How the directory sorts a name: its words, space-separated."""
    return " ".join(words(name or ""))


def unit_terms(unit: str, name: str) -> set[str]:
    return {unit, *words(unit), *words(name)}


def key_terms(document: dict[str, Any]) -> set[str]:
    terms = {document["fingerprint"], *words(document["name"] or "")}
    if document.get("employee_number"):
        terms.add(document["employee_number"])
    return terms


def employee_terms(number: str, name: str | None) -> set[str]:
    return {number, *words(name or "")}


def key_document(key: KeyRecord, registered_at: str | None, revoked_at: str | None) -> dict[str, Any]:
    """A key as the directory lists it: who holds it, what it may sign, and when it was valid."""
    return {
        "fingerprint": key.fingerprint,
        "name": holder_name(key),
        "title": key.holder_title,
        "role": key.role,
        "scope": list(key.scope),
        "office": None if key.office_id is None else {"id": key.office_id, "name": key.office_name},
        "employee_number": key.employee_number,
        "valid_from": {"index": key.registered_index, "at": registered_at},
        "revoked": None
        if key.revoked_index is None
        else {"index": key.revoked_index, "at": revoked_at, "reason": key.revoked_reason},
    }


# --- the queries ----------------------------------------------------------------------------------------


def query_words(q: str) -> list[str]:
    """The words of a search box, checked: at least one, not too many."""
    if len(q) > MAX_QUERY:
        raise MalformedInput(
            f"the search is {len(q)} characters long, at most {MAX_QUERY}", code=codes.INVALID_PARAMETER
        )
    found = list(dict.fromkeys(words(q)))
    if not found:
        raise MalformedInput(f"search {q!r} has no letter or digit to look for", code=codes.INVALID_PARAMETER)
    if len(found) > MAX_WORDS:
        raise MalformedInput(f"the search has {len(found)} words, at most {MAX_WORDS}", code=codes.INVALID_PARAMETER)
    return found


def found_item(views: Any, what: str, item: str) -> dict[str, Any] | None:
    """The row of one search result: a unit, a key, or an employee ("unit/number")."""
    if what == "unit":
        unit = views.unit(item)
        if unit is None:
            return None
        return {
            "what": "unit",
            "unit": unit["unit"],
            "name": unit["name"],
            "type": unit["type"],
            "stage": unit["stage"],
        }
    if what == "key":
        key = views.person(item)
        if key is None:
            return None
        return {"what": "key", **{k: key[k] for k in ("fingerprint", "name", "title", "role", "scope", "revoked")}}
    unit, _, number = item.partition("/")
    employee = views.employee(unit, number)
    if employee is None:
        return None
    events = employee["events"]
    return {
        "what": "employee",
        "unit": unit,
        "number": number,
        "name": employee_name(employee["name"]),
        "valid": employee["valid"],
        "index": events[-1]["index"] if events else None,
    }


def search_rows(views: Any, q: str, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """(total, rows) of the units, keys and employees that every word of `q` matches (as a prefix)."""
    total, hits = views.search(query_words(q), offset=offset, limit=limit)
    rows = [row for what, item in hits if (row := found_item(views, what, item)) is not None]
    return total, rows


def pacts_of(views: Any, key: dict[str, Any]) -> list[dict[str, Any]]:
    """The pacts of a key's holder: those of the key's own employee number, or of the same name in a unit
    the key covers (a unit head signs a pact as an employee of the unit)."""
    number = key.get("employee_number")
    wanted = name_key(key["name"])
    terms = [number] if number else words(key["name"] or "")
    if not terms:
        return []
    _, hits = views.search(terms[:MAX_WORDS], offset=0, limit=500)
    pacts = []
    for what, item in hits:
        if what != "employee":
            continue
        row = found_item(views, what, item)
        if row is None:
            continue
        covered = key["scope"] == ["*"] or row["unit"] in key["scope"]
        if (number and row["number"] == number) or (not number and covered and name_key(row["name"]) == wanted):
            pacts.append(row)
    return pacts


def resolve_signer(views: Any, signer: str) -> str:
    """The fingerprint a signer question means: a fingerprint, the start of one, or a holder's name (each
    word the start of a word of the name), matched by the search index as the search box matches. Raises
    unknown_signer when no key matches, ambiguous_signer with (up to 10 of) the candidates when several do."""
    text = signer.strip()
    lowered = text.lower()
    if FINGERPRINT_PATTERN.fullmatch(lowered):
        return lowered
    if not text:
        raise MalformedInput("give a signer's fingerprint, a prefix of it or a name", code=codes.INVALID_PARAMETER)
    total, hits = views.search(query_words(text), offset=0, limit=CANDIDATES_SHOWN, what="key")
    keys = [key for _, item in hits if (key := views.person(item)) is not None]
    if not keys:
        raise NotFound(f"no key's fingerprint or holder matches {text!r}", code=codes.UNKNOWN_SIGNER)
    exact = [k for k in keys if name_key(k["name"]) == name_key(text)] if total <= CANDIDATES_SHOWN else []
    if total == 1 or len(exact) == 1:  # one key, or one whose holder's whole name is what was typed
        fingerprint: str = (exact or keys)[0]["fingerprint"]
        return fingerprint
    candidates = [candidate(k) for k in keys[:CANDIDATES_SHOWN]]
    more = f" and {total - len(candidates)} more" if total > len(candidates) else ""
    raise MalformedInput(
        f"{text!r} matches {total} keys: " + "; ".join(_describe(c) for c in candidates) + more,
        code=codes.AMBIGUOUS_SIGNER,
        candidates=candidates,
    )


def candidate(key: dict[str, Any]) -> dict[str, Any]:
    """A key as a candidate of an ambiguous signer question."""
    return {
        "fingerprint": key["fingerprint"],
        "name": key["name"],
        "role": key["role"],
        "scope": key["scope"],
        "revoked": key["revoked"] is not None,
    }


def _describe(c: dict[str, Any]) -> str:
    revoked = ", revoked" if c["revoked"] else ""
    return f"{c['fingerprint'][:16]} {c['name']} ({c['role']}, {','.join(c['scope'])}{revoked})"


def index_rows(terms: Iterable[str]) -> list[str]:
    """A set of terms in a stable order (what the recorder writes)."""
    return sorted(set(terms))
