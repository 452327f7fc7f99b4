"""Yearly cycles (rules edition 2; docs/design/rules-edition-2.md): `cycle.opened` by the national
authority, and the proposal rules every cycle sets: its deadline, quota per agency and closing day.

PermenPANRB 90/2021 has the ministry run one evaluation a year: agencies propose units by a
deadline, within a number set per agency, and a proposal not decided when the year's evaluation
closes lapses (DOMAIN.md, stages and the yearly cycle). The dates and quotas themselves are the
cycle's data, not rules. Project defaults, not from the regulation: days are UTC days; the deadline
is compared with the entry's UTC date; a proposal lapses at the end of the `closes_on` day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from ledger.entry import Submission
from ledger.rules.messages import refused
from ledger.rules.state import Cycle, Decision, KeyRecord, KindRule, LedgerState, UnitState, current_policy


def decide_cycle_opened(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    body = entry.body
    year = body["year"]
    stream_year = int(entry.stream.removeprefix("cycle/"))
    if entry.seq != 0 or stream_year in state.cycles:
        raise refused("cycle_exists", year=stream_year)
    if year != stream_year:
        raise refused("cycle_year_mismatch", year=year, stream_year=stream_year)
    model = current_policy(state).model_for_year(year)
    if model is None:
        raise refused("no_model_for_year", year=year)
    if body["model"] != model.id:
        raise refused("cycle_model_mismatch", year=year, model=body["model"], needed=model.id)
    if body["closes_on"] < body["proposal_deadline"]:  # ISO dates: string order is date order
        raise refused("cycle_dates", closes_on=body["closes_on"], deadline=body["proposal_deadline"])
    return Decision(submission, index, key)


def evolve_cycle_opened(state: LedgerState, decision: Decision) -> None:
    body = decision.submission.entry.body
    state.cycles[body["year"]] = Cycle(
        year=body["year"],
        model=body["model"],
        proposal_deadline=body["proposal_deadline"],
        appeal_days=body["appeal_days"],
        closes_on=body["closes_on"],
        quota=body["quota"],
        quotas=dict(body.get("quotas", {})),
        index=decision.index,
    )


def known_cycle(state: LedgerState, year: int) -> Cycle:
    """The opened cycle of `year`; refused (`unknown_cycle`) if there is none."""
    cycle = state.cycles.get(year)
    if cycle is None:
        raise refused("unknown_cycle", cycle=year)
    return cycle


def day_end(day: str) -> datetime:
    """The end (UTC) of an ISO date: the first moment after it."""
    return datetime.combine(date.fromisoformat(day), time(), tzinfo=UTC) + timedelta(days=1)


def lapsed(state: LedgerState, unit: UnitState, at: datetime) -> bool:
    """Whether the unit's proposal lapsed: still nominated after the end of its cycle's closing day.

    A nomination made before the log's policy reached edition 2 names no cycle: no national act can
    decide it any more, so it counts as lapsed and the regent may propose the unit in a cycle.
    """
    if unit.stage != "nominated":
        return False
    if unit.proposal_cycle is None:
        return True
    return at >= day_end(state.cycles[unit.proposal_cycle].closes_on)


def open_proposal(state: LedgerState, unit: UnitState, cycle: int, at: datetime) -> Cycle:
    """The cycle of the unit's live proposal, for a national act naming `cycle`.

    Refused if the unit is not proposed in that cycle (`not_proposed`) or its proposal lapsed
    (`cycle_closed`).
    """
    check_not_lapsed(state, unit, at)
    if unit.stage != "nominated" or unit.proposal_cycle != cycle:
        raise refused("not_proposed", unit=unit.id, cycle=cycle)
    return state.cycles[cycle]


def check_not_lapsed(state: LedgerState, unit: UnitState, at: datetime) -> None:
    """Refuse (`cycle_closed`) a national step or designation of a lapsed proposal."""
    if lapsed(state, unit, at):
        if unit.proposal_cycle is None:
            raise refused("proposal_without_cycle", unit=unit.id)
        closes_on = state.cycles[unit.proposal_cycle].closes_on
        raise refused("cycle_closed", unit=unit.id, cycle=unit.proposal_cycle, closes_on=closes_on)


RULES = {"cycle.opened": KindRule(decide_cycle_opened, evolve_cycle_opened)}
