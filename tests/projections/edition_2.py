"""A small edition-2 ledger written with the test builder (docs/design/rules-edition-2.md): two yearly
cycles, a batch decree, a passed-with-notes screening, a failed screening with a granted appeal, a
proposal that lapses and one proposed again, yearly monitoring, a WBK revoked from a unit building
toward WBBM, an open case at a designated unit and a closed one. Every unit with an adverse record is
plainly fictional (`fiktif-...`).

`edition_2_story` runs on any builder holding the edition-2 cast (`standard_cast_edition_2`): the
pure fold's, or a store's (tests/projections/helpers.StoreBuilder); `empty_twin` is the same cast
with a cycle and one unit building, and none of the new data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger.store.datadir import init_ledger
from tests.builder import ORIGIN, PASSING_WBK, LedgerBuilder, digest, key_for
from tests.projections.helpers import StoreBuilder

START = datetime(2022, 1, 3, tzinfo=UTC)

DESIGNATED = "fiktif-dinas-a"  # WBK in 2022 (batch decree), monitored in 2023, an open case
APPEALED = "fiktif-dinas-b"  # 2022: screening failed, appeal granted, lapsed; proposed again in 2023
REVOKED = "fiktif-kantor-c"  # WBK in 2022 (the same decree), building toward WBBM, WBK revoked in 2023
LAPSED = "fiktif-kecamatan-e"  # proposed in 2022, never evaluated: lapsed and still waiting
BUILDING = "dinas-d"  # building, nothing adverse

BATCH_DECREE = {"number": "B/100/M.KT.01/2022", "date": "2022-11-30", "document": digest("SK penetapan 2022")}
REVOCATION_DECREE = {"number": "B/7/M.KT.01/2023", "date": "2023-02-20", "document": digest("SK pencabutan 2023")}
BARRED_UNTIL = "2025-02-19"  # the revocation decree's date + 730 days
CASE_OPEN = f"case/{DESIGNATED}/2023-01"
CASE_CLOSED = f"case/{REVOKED}/2023-01"


def _building(b: Any, unit: str, type_: str = "dinas") -> None:
    b.register_unit(unit, headcount=10, type_=type_)
    b.stage(unit, "registered", "declared")
    b.stage(unit, "declared", "building")  # edition 2: no coverage gate


def _nominate(b: Any, unit: str, cycle: int) -> None:
    b.assess(unit, "internal", "lke", PASSING_WBK, "passed", year=cycle)
    b.stage(unit, "building", "nominated", cycle=cycle)


def _screening(b: Any, unit: str, outcome: str, notes: list[str]) -> None:
    b.submit(b.tpn, "screening.recorded", f"unit/{unit}", {"cycle": 2022, "outcome": outcome, "notes": notes})


def edition_2_story(b: LedgerBuilder) -> None:
    """The story, from 3 January 2022 to March 2023 (the cast must be in the ledger already)."""
    s: Any = b
    s.clock = START
    s.open_cycle(2022)
    for unit, type_ in ((DESIGNATED, "dinas"), (APPEALED, "dinas"), (REVOKED, "kantor"), (LAPSED, "kecamatan")):
        _building(s, unit, type_)
    _building(s, BUILDING)
    for unit in (DESIGNATED, APPEALED, REVOKED, LAPSED):
        _nominate(s, unit, 2022)
    for unit in (DESIGNATED, REVOKED):
        _screening(s, unit, "passed_with_notes", ["Surat pernyataan belum bermeterai"])
        s.assess(unit, "national", "desk", PASSING_WBK, "passed", year=2022)
        s.assess(unit, "national", "field", PASSING_WBK, "passed", year=2022)
    _screening(s, APPEALED, "failed", ["LKE tidak ditandatangani kepala unit"])
    s.submit(
        s.heads[APPEALED],
        "appeal.filed",
        f"unit/{APPEALED}",
        {"cycle": 2022, "text": "LKE bertanda tangan terlampir", "documents": [digest("LKE bertanda tangan")]},
    )
    s.submit(s.tpn, "appeal.decided", f"unit/{APPEALED}", {"cycle": 2022, "outcome": "granted", "note": "Diterima"})
    s.clock = datetime(2022, 11, 30, 2, tzinfo=UTC)
    for unit in (DESIGNATED, REVOKED):
        s.stage(unit, "nominated", "designated", sk=BATCH_DECREE)
    # 2023: the 2022 cycle has closed; the appealed unit's proposal lapsed undecided, and so did LAPSED's.
    s.clock = datetime(2023, 1, 9, 2, tzinfo=UTC)
    s.open_cycle(2023)
    s.stage(APPEALED, "nominated", "nominated", cycle=2023, signer=s.regent)
    s.submit(
        s.tpi,
        "monitoring.recorded",
        f"unit/{DESIGNATED}",
        {"year": 2023, "outcome": "maintained", "note": "Pelayanan terjaga"},
    )
    s.submit(
        s.overseer, "oversight.noted", f"oversight/{DESIGNATED}", {"topic": "accompaniment", "text": "Pendampingan"}
    )
    s.submit(
        s.overseer,
        "case.opened",
        CASE_OPEN,
        {"stage": "inquiry", "concerns": "employee", "text": "Laporan pungutan di loket (rekaan)"},
    )
    s.submit(s.overseer, "case.advanced", CASE_OPEN, {"stage": "investigation", "text": "Naik ke penyidikan"})
    s.stage(REVOKED, "designated", "declared", track="wbbm")
    s.submit(
        s.overseer,
        "case.opened",
        CASE_CLOSED,
        {"stage": "investigation", "concerns": "unit_head", "text": "Kepala unit ditetapkan tersangka (rekaan)"},
    )
    s.clock = datetime(2023, 2, 20, 2, tzinfo=UTC)
    s.submit(
        s.minister,
        "predicate.revoked",
        f"unit/{REVOKED}",
        {"predicate": "wbk", "ground": "suspect_named", "sk": REVOCATION_DECREE, "note": "Kepala unit tersangka"},
    )
    s.submit(s.overseer, "case.closed", CASE_CLOSED, {"outcome": "referred", "text": "Dilimpahkan ke penuntutan"})


def empty_twin(b: LedgerBuilder) -> None:
    """The cast, the 2022 cycle and one unit building: none of the data the new queries report."""
    s: Any = b
    s.clock = START
    s.open_cycle(2022)
    _building(s, BUILDING)


def build(directory: Path, write: Callable[[LedgerBuilder], None]) -> None:
    """An edition-2 data directory (SQLite) holding the edition-2 cast and what `write` adds."""
    store = init_ledger(
        directory,
        origin=ORIGIN,
        name="Uji edisi 2",
        root_key=key_for("root"),
        log_key=key_for("log"),
        policy=LedgerBuilder().edition_2_policy(),
        genesis_at=datetime(2021, 11, 1, tzinfo=UTC),
    )
    builder = StoreBuilder(store, start=datetime(2021, 11, 2, tzinfo=UTC))
    builder.standard_cast_edition_2()
    write(builder)
    store.close()
