"""What the view fold keeps in memory at national scale (issue 16, item 4) changes none of its
documents: a unit's latest notes and their total, an employee's events as the same JSON objects,
and its leaf index reading the tree it is folded beside."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.crypto.merkle import MerkleTree
from ledger.entry import Submission
from ledger.rules import LedgerState
from ledger.rules import fold as rules_fold
from projections.fold import MAX_NOTES_IN_STATUS, ViewFold
from tests.builder import LOG_TIME, ORIGIN, LedgerBuilder, digest


def note(text: str) -> dict[str, str]:
    return {"office": "district_prosecutor", "topic": "finding", "text": text}


def logged() -> tuple[LedgerBuilder, list[bytes]]:
    state = LedgerState(origin=ORIGIN)
    leaves: list[bytes] = []

    def keep(submission: Submission) -> Any:
        decision = rules_fold(state, submission, LOG_TIME)
        leaves.append(submission.leaf_bytes)
        return decision

    builder = LedgerBuilder(state=state, apply=keep)
    builder.standard_cast()
    builder.register_unit("dinsos", headcount=4)
    return builder, leaves


def pact(employee: dict[str, str], signed_on: str) -> dict[str, Any]:
    return {"employee": employee, "pact_digest": digest("pakta integritas"), "signed_on": signed_on}


def folded(leaves: list[bytes]) -> tuple[ViewFold, MerkleTree]:
    tree = MerkleTree()
    view = ViewFold(ORIGIN, rows=tree.leaf_rows)
    for index, leaf in enumerate(leaves):
        tree.append(view.apply(index, leaf).leaf_hash)
    return view, tree


def test_a_unit_keeps_its_latest_notes_and_counts_them_all() -> None:
    builder, leaves = logged()
    for n in range(MAX_NOTES_IN_STATUS + 5):
        builder.submit(builder.overseer, "oversight.noted", "oversight/dinsos", note(f"n{n}"))
    view, _ = folded(leaves)
    document = view.unit_document("dinsos")
    assert [note["text"] for note in document["oversight_notes"]] == [
        f"n{n}" for n in range(5, MAX_NOTES_IN_STATUS + 5)
    ]
    assert document["oversight_notes_total"] == MAX_NOTES_IN_STATUS + 5
    assert len(view.notes["dinsos"]) == MAX_NOTES_IN_STATUS  # the older five are not held


def test_employee_events_leave_the_fold_as_rows_it_does_not_keep() -> None:
    """The online fold hands each pact event to the view tables (`Changes.pact_events`) and keeps
    none: the employee's document holds no events, and asking the fold for them is refused."""
    builder, leaves = logged()
    number = "198001012005011001"
    stream = f"pact/dinsos/{number}"
    employee = {"number": number, "name": "Sri Rahayu"}
    signed = builder.submit(builder.registrars["dinsos"], "pact.signed", stream, pact(employee, "2024-01-02"))
    released = builder.submit(builder.registrars["dinsos"], "pact.released", stream, {"reason": "transfer"})
    again = builder.submit(builder.registrars["dinsos"], "pact.signed", stream, pact(employee, "2025-01-02"))
    tree = MerkleTree()
    view = ViewFold(ORIGIN, rows=tree.leaf_rows)
    rows = []
    for index, leaf in enumerate(leaves):
        applied = view.apply(index, leaf)
        tree.append(applied.leaf_hash)
        rows += applied.pact_events
    registrar = signed.submission.entry.signer
    assert {(row.unit, row.number) for row in rows} == {("dinsos", number)}
    events = [row.event for row in rows]
    assert events == [
        {
            "index": signed.index,
            "at": signed.submission.entry.at,
            "kind": "pact.signed",
            "signer": registrar,
            "name": "Sri Rahayu",
            "signed_on": "2024-01-02",
        },
        {
            "index": released.index,
            "at": released.submission.entry.at,
            "kind": "pact.released",
            "signer": registrar,
            "reason": "transfer",
        },
        {
            "index": again.index,
            "at": again.submission.entry.at,
            "kind": "pact.signed",
            "signer": registrar,
            "name": "Sri Rahayu",
            "signed_on": "2025-01-02",
        },
    ]
    assert view.pact_log is None and view.employee_document("dinsos", number) == {
        "unit": "dinsos",
        "number": number,
        "name": "Sri Rahayu",
        "valid": True,
    }
    with pytest.raises(ValueError, match="does not keep the pact events"):
        view.employee("dinsos", number)
    assert view.state.leaf_indices[again.submission.leaf_hash] == again.index == tree.size - 1
    assert view.state.leaf_indices == builder.state.leaf_indices
