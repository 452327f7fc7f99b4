"""What the projection tests share: demo keys, ledgers built from demo leaves or with the test
builder, the catalogue of every view query, and readers of the view tables' bookkeeping."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from demo.build import DEMO_NAME, DEMO_ORIGIN, DEMO_SEED
from demo.story import GENESIS_AT
from ledger.crypto.keys import encode_base64, fingerprint, private_key_from_seed
from ledger.entry import Submission, parse_leaf
from ledger.rules import LedgerState, fold, legacy_policy_document
from ledger.store.application import LedgerStore, Receipt
from ledger.store.datadir import SQLITE_FILE, LedgerConfig, init_ledger
from projections import queries
from projections.projector import LEAF_TOPIC, ViewProjector
from projections.queries import Views
from tests.builder import FAILING, LOG_TIME, ORIGIN, LedgerBuilder, digest, key_for

ON = date(2026, 11, 30)  # the day the demo's oversight questions are asked (days are counted to it): its story's end


# --- the demo's keys and ledgers ---------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLedger:
    """The demo ledger's data directory (never written: copy it first) and its leaves."""

    directory: Path
    leaves: tuple[bytes, ...]

    @property
    def size(self) -> int:
        return len(self.leaves)

    def copy(self, target: Path) -> Path:
        shutil.copytree(self.directory, target)
        return target


def demo_key(name: str) -> Any:
    """A demo key as the demo derives it: sha256(f"{seed}/{name}") as the Ed25519 seed."""
    return private_key_from_seed(hashlib.sha256(f"{DEMO_SEED}/{name}".encode()).digest())


def demo_fingerprint(name: str) -> str:
    return fingerprint(demo_key(name).public_key())


DEMO_SIGNERS = (
    "root",
    "admin",
    "regent/1",
    "regent/2",
    "regent/3",
    "witness/regent/1",
    "witness/regent/2",
    "witness/district_prosecutor",
    "witness/inspector",
    "overseer/district_prosecutor",
    "overseer/district_police_chief",
    "tpi/1",
    "tpi/2",
    "national_authority",
    "tpn/1",
    "tpn/2",
    "minister",
    "unit_head/fiktif-dinas-a",
    "unit_head/fiktif-dinas-a/2",
    "unit_head/rsud-soeprapto",
    "pact_registrar/rsud-soeprapto",
    "pact_registrar/dindukcapil",
)
"""The demo keys whose activity the tests ask about (every signer would make each round slow)."""


def demo_signers(present: Any = None) -> list[str]:
    """Fingerprints of DEMO_SIGNERS; with `present` (an offline fold's views), those known to it."""
    found = [demo_fingerprint(name) for name in DEMO_SIGNERS]
    return [f for f in found if present is None or present.signer(f) is not None]


def demo_prefix_ledger(
    directory: Path, leaves: tuple[bytes, ...], size: int, *, postgres_url: str | None = None
) -> LedgerStore:
    """A ledger holding the demo's first `size` leaves (the same genesis, keys and leaf bytes)."""
    store = init_ledger(
        directory,
        origin=DEMO_ORIGIN,
        name=DEMO_NAME,
        root_key=demo_key("root"),
        log_key=demo_key("log"),
        genesis_at=GENESIS_AT,
        postgres_dsn=postgres_url,
        policy=parse_leaf(leaves[0]).entry.body["policy"],
    )
    assert store.leaf(0) == leaves[0], "init_ledger no longer makes the demo's genesis leaf"
    append_leaves(store, leaves, size)
    return store


def append_leaves(store: LedgerStore, leaves: tuple[bytes, ...], size: int, batch: int = 400) -> None:
    """Append the demo leaves from the store's size up to `size`."""
    submissions = [parse_leaf(leaf) for leaf in leaves[store.size : size]]
    for start in range(0, len(submissions), batch):
        store.append_batch(submissions[start : start + batch])
    assert store.size == size


# --- ledgers written with the test builder ---------------------------------------------------------------


def new_test_ledger(directory: Path, *, postgres_url: str | None = None) -> LedgerStore:
    """A ledger holding only its genesis entry, signed by tests.builder's root key."""
    return init_ledger(
        directory,
        origin=ORIGIN,
        name="Uji proyeksi",
        root_key=key_for("root"),
        log_key=key_for("log"),
        postgres_dsn=postgres_url,
        genesis_at=datetime(2010, 1, 1, tzinfo=UTC),
        policy=legacy_policy_document(),
    )


class BatchBuilder(LedgerBuilder):
    """Signs entries on its own copy of the store's rules state; `flush` appends them in one batch."""

    def __init__(self, store: LedgerStore, start: datetime = datetime(2010, 1, 2, tzinfo=UTC)) -> None:
        self.store = store
        self.pending: list[Submission] = []
        super().__init__(state=copy.deepcopy(store.state), apply=self._collect, origin=store.origin, start=start)

    def genesis(self, policy: dict[str, Any] | None = None) -> None:
        """The store has its genesis already (new_test_ledger), signed by the same root key."""

    def _collect(self, submission: Submission) -> Any:
        decision = fold(self.state, submission, LOG_TIME)
        self.pending.append(submission)
        return decision

    def flush(self) -> list[Receipt]:
        pending, self.pending = self.pending, []
        return self.store.append_batch(pending) if pending else []


class StoreBuilder(LedgerBuilder):
    """Signs on the store's own stream heads and appends each entry with `store.append`."""

    def __init__(self, store: LedgerStore, start: datetime = datetime(2010, 1, 2, tzinfo=UTC)) -> None:
        self.store = store
        super().__init__(apply=store.append, origin=store.origin, start=start)

    @property
    def state(self) -> LedgerState:
        return self.store.state

    def genesis(self, policy: dict[str, Any] | None = None) -> None:
        """The store has its genesis already (new_test_ledger), signed by the same root key."""

    def continue_from(self, other: LedgerBuilder) -> StoreBuilder:
        """Take over the cast (keys, unit heads, registrars) and the clock of a builder whose entries
        are in the store already."""
        for name in ("admin", "regent", "witness", "tpi", "tpn", "minister", "overseer", "heads", "registrars"):
            setattr(self, name, getattr(other, name))
        self.clock = other.clock
        return self


def unit_life(builder: LedgerBuilder, unit: str, pacts: int = 18) -> None:
    """A unit's first year: registered (headcount `pacts` + 2: 90 % coverage needs `pacts` >= 18),
    declared and witnessed, pacts, building, a failed LKE with two remediation items (one completed),
    an overseer's note, and one pact released."""
    b: Any = builder
    b.register_unit(unit, headcount=pacts + 2)
    declared = b.stage(unit, "registered", "declared")
    leaf_hash = declared.leaf_hash if isinstance(declared, Receipt) else declared.submission.leaf_hash
    b.submit(
        b.witness,
        "declaration.witnessed",
        f"witness/{unit}",
        {"declaration": encode_base64(leaf_hash), "office": "district_prosecutor"},
    )
    b.sign_pacts(unit, pacts)
    b.stage(unit, "declared", "building")
    items = [
        {"id": f"{unit}-1", "area": "ipak", "text": "Survei antikorupsi di bawah target"},
        {"id": f"{unit}-2", "area": "oversight", "text": "Pengendalian gratifikasi belum berjalan"},
    ]
    b.assess(unit, "internal", "lke", FAILING, "failed", remediation=items)
    b.submit(
        b.heads[unit],
        "remediation.completed",
        f"unit/{unit}",
        {"item": f"{unit}-1", "evidence": [digest(f"evidence {unit}")]},
    )
    b.submit(
        b.overseer,
        "oversight.noted",
        f"oversight/{unit}",
        {"office": "district_prosecutor", "topic": "accompaniment", "text": f"Pendampingan {unit}"},
    )
    b.submit(b.registrars[unit], "pact.released", f"pact/{unit}/198001012010000000", {"reason": "transfer"})


# --- every query ---------------------------------------------------------------------------------------------


def every_answer(views: Views, *, units: list[str], signers: list[str]) -> dict[str, dict[str, Any]]:
    """The answer of every query the views serve, with a spread of parameters, by a readable name."""
    q = queries
    out: dict[str, dict[str, Any]] = {
        "counts": q.region_counts(views),
        "units": q.unit_list(views, limit=500),
        "units below 0.95": q.unit_list(views, below="0.95", limit=500),
        "units kecamatan": q.unit_list(views, type_="kecamatan", limit=500),
        "units page 2": q.unit_list(views, offset=10, limit=10),
        "pact-gaps": q.pact_gaps(views, limit=500),
        "pact-gaps 0.9": q.pact_gaps(views, below="0.9"),
        "remediation": q.open_remediation(views, on=ON, limit=500),
        "remediation 365": q.open_remediation(views, older_than=365, on=ON),
        "failed-reviews": q.failed_reviews(views, limit=500),
        "failed-reviews national": q.failed_reviews(views, level="national"),
        "failed-reviews 2022": q.failed_reviews(views, since="2022-01-01T00:00:00Z", until="2023-01-01T00:00:00Z"),
    }
    for sort in ("name", "stage", "coverage"):
        out[f"units by {sort}"] = q.unit_list(views, sort=sort, limit=500)
    # rules edition 2's questions (empty on an edition-1 log), selected in SQL by the views (issue 16)
    out["open-cases"] = q.open_cases(views, limit=500)
    out["unmonitored"] = q.unmonitored(views, limit=500)
    out["lapsed"] = q.lapsed(views, limit=500)
    out["barred"] = q.barred(views, on=ON, limit=500)
    out["proposals"] = q.proposals(views, limit=500)
    for days in (0, 365, 700):
        out[f"stalled {days}"] = q.stalled(views, days=days, on=ON, limit=500)
    for unit in units:
        out[f"unit {unit}"] = q.unit_status(views, unit)
        out[f"history {unit}"] = q.unit_history(views, unit, limit=500)
        out[f"history {unit} page 2"] = q.unit_history(views, unit, offset=20, limit=20)
    for signer in signers:
        out[f"signer {signer}"] = q.signer_activity(views, signer, limit=500)
    # people and search (issue 13): the directory and the search index, written entry by entry online
    out["people"] = q.people_directory(views, limit=500)
    out["people employee"] = q.people_directory(views, role="employee", limit=50)
    for words in ("kecamatan", "dinas kesehatan", "19", "sri", "0", "a"):
        out[f"search {words}"] = q.search(views, q=words, limit=500)
    return out


def assert_same_answers(online: dict[str, dict[str, Any]], offline: dict[str, dict[str, Any]]) -> None:
    """Same queries, same as_of, same digests, and the same documents."""
    assert online.keys() == offline.keys()
    differing = [name for name in online if online[name]["digest"] != offline[name]["digest"]]
    assert not differing, f"digests differ for {differing[:10]}"
    assert {n: a["as_of"] for n, a in online.items()} == {n: a["as_of"] for n, a in offline.items()}
    assert online == offline


def unit_ids(views: Views) -> list[str]:
    return [u["unit"] for u in views.units()]


def signer_ids(offline: Any) -> list[str]:
    """Every fingerprint that signed or holds a key, from an offline fold (MemoryViews)."""
    return sorted(set(offline.fold.signers) | set(offline.fold.state.keys))


# --- the view tables' bookkeeping --------------------------------------------------------------------------


def leaf_notification_ids(projector: ViewProjector) -> list[int]:
    """The notification id of each LeafAppended event, in leaf order (other events lie between)."""
    recorder = projector.events.recorder
    ids: list[int] = []
    while True:
        page = recorder.select_notifications((ids[-1] if ids else 0) + 1, 1000, topics=[LEAF_TOPIC])
        if not page:
            return ids
        ids += [notification.id for notification in page]


def view_bookkeeping(directory: Path) -> dict[str, Any]:
    """Raw facts of a ledger's view tables, read with plain SQL outside the library's code."""
    storage = LedgerConfig.read(directory).storage
    history = "SELECT COUNT(*), COUNT(DISTINCT idx), MIN(idx), MAX(idx) FROM view_history"
    if storage.kind == "sqlite":
        with contextlib.closing(sqlite3.connect(directory / SQLITE_FILE)) as connection:
            rows, distinct, low, high = connection.execute(history).fetchone()
            meta = dict(connection.execute("SELECT name, value FROM view_meta").fetchall())
            tracking = connection.execute(
                "SELECT notification_id FROM tracking WHERE application_name = 'Integritas'"
            ).fetchone()
    else:
        import psycopg

        assert storage.postgres_dsn is not None
        with psycopg.connect(storage.postgres_dsn) as connection:
            rows, distinct, low, high = connection.execute(history).fetchone()  # type: ignore[misc]
            meta = dict(connection.execute("SELECT name, value FROM view_meta").fetchall())
            tracking = connection.execute(
                "SELECT notification_id FROM integritas_views_tracking WHERE application_name = 'Integritas'"
            ).fetchone()
    return {
        "history_rows": rows,
        "distinct_idx": distinct,
        "min_idx": low,
        "max_idx": high,
        "tree_size": int(meta["tree_size"]) if "tree_size" in meta else 0,
        "tracking": tracking[0] if tracking else None,
    }


def projector_for(directory: Path) -> ViewProjector:
    config = LedgerConfig.read(directory)
    return ViewProjector(config.storage, config.origin)
