"""Persons of a rules-edition-3 log found by name or employee number (issue 15), through the
personal-data store (ledger.store.personal), never through the view tables: those hold pseudonyms
only (projections.people), so that erasing a person's row leaves no name anywhere to delete.

Only readers allowed to read personal data call this (auditor, operator: docs/contract/personal-data.md,
"Reads"); each person it returns is a read of their data, recorded first (who, when, which record,
the purpose "search"; UU 27/2022 art. 31). A person whose data was erased has no row, and one whose
erasure is logged but not yet finished is skipped: erased persons are never found.

The words match as the search box matches the views (projections.people.words: accents and case
ignored; each word of the question begins a word of the name, or begins the employee number). The
store is scanned row by row: a regency's few thousand persons take milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.store.personal import PersonalDataStore, has_personal_data
from ledger.store.reader import LedgerReader
from projections import people

SEARCH_PURPOSE = "search"


def matcher(query: list[str]) -> Callable[[str, str | None], bool]:
    """Whether a person's (name, number) answers every word of `query` (words of projections.people)."""

    def accepts(name: str, number: str | None) -> bool:
        name_words = people.words(name)
        return all(
            any(word.startswith(asked) for word in name_words) or (number is not None and number.startswith(asked))
            for asked in query
        )

    return accepts


def find_persons(
    directory: Path,
    ledger: LedgerReader,
    q: str,
    *,
    reader: str,
    at: str,
    limit: int,
    purpose: str = SEARCH_PURPOSE,
) -> dict[str, Any] | None:
    """`{"total", "data": [{"person", "name", "number", "indices"}…]}`: the persons the log names and
    has not erased whose name or number every word of `q` begins, the first `limit` of them read
    (and each read recorded) in pseudonym order; None for a ledger that keeps no personal-data store."""
    asked = people.query_words(q)  # invalid_parameter for an empty or too long question
    if not has_personal_data(directory):
        return None
    with PersonalDataStore(directory) as store:
        found = [person for person in store.find(matcher(asked)) if _named_and_not_erased(ledger, person)]
        rows = []
        for person in found[:limit]:
            data = store.read(person, reader=reader, record=f"person/{person}", purpose=purpose, at=at)
            known = ledger.person(person)
            if data is None or known is None:
                continue  # erased between the search and the read
            rows.append({"person": person, "name": data.name, "number": data.number, "indices": known.indices})
    return {"total": len(found), "data": rows}


def _named_and_not_erased(ledger: LedgerReader, person: str) -> bool:
    known = ledger.person(person)
    return known is not None and known.erased_index is None
