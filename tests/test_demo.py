"""The Blora demo ledger (demo): deterministic, accepted by the fold, and telling its story."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from demo.build import build_demo
from demo.cast import DEMO_NOTE, DEMO_UNITS, pact_digest
from demo.story import DEMO_OUTCOMES, REVOKED_ON
from ledger.crypto.keys import decode_base64, encode_base64
from ledger.entry import SCORE_AREAS, WITNESS_OFFICES, Submission, format_time, parse_leaf
from ledger.rules import failing_checks, legacy_policy_document, parse_policy
from ledger.store.application import LedgerStore
from ledger.store.datadir import open_ledger

ENTRIES = 4681  # the story's size: fixed by its structure, whatever the seed
POLICY = parse_policy(legacy_policy_document())


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo") / "ledger"


@pytest.fixture(scope="module")
def progress_calls() -> list[tuple[int, int]]:
    return []


@pytest.fixture(scope="module")
def store(demo_dir: Path, progress_calls: list[tuple[int, int]]) -> LedgerStore:
    return build_demo(demo_dir, progress=lambda done, total: progress_calls.append((done, total)))


@pytest.fixture(scope="module")
def leaves(store: LedgerStore) -> list[Submission]:
    return [parse_leaf(leaf) for leaf in store.leaves()]


def _of_kind(leaves: list[Submission], kind: str) -> list[Submission]:
    return [s for s in leaves if s.entry.kind == kind]


# --- determinism and the fold ----------------------------------------------------------------------


def test_size_and_progress(store: LedgerStore, progress_calls: list[tuple[int, int]]) -> None:
    assert store.size == ENTRIES
    assert progress_calls[-1] == (ENTRIES, ENTRIES)
    assert [done for done, _ in progress_calls] == sorted(done for done, _ in progress_calls)
    assert len(progress_calls) == 12  # batches of 400 after the genesis


def test_same_seed_same_root_other_seed_other_root(store: LedgerStore, tmp_path: Path) -> None:
    again = build_demo(tmp_path / "again")
    assert (again.size, again.tree.root()) == (store.size, store.tree.root())
    other = build_demo(tmp_path / "other", seed="cepu-2021")
    assert other.size == ENTRIES
    assert other.tree.root() != store.tree.root()
    # The story's structure does not depend on the seed.
    assert {u.id: (u.stage, u.track, u.predicate) for u in other.state.units.values()} == {
        u.id: (u.stage, u.track, u.predicate) for u in store.state.units.values()
    }


def test_reopening_replays_every_leaf_through_the_rules(store: LedgerStore, demo_dir: Path) -> None:
    reopened = open_ledger(demo_dir)
    assert reopened.size == ENTRIES
    assert reopened.tree.root() == store.tree.root()
    assert reopened.latest_checkpoint() == store.latest_checkpoint()
    assert reopened.state.units.keys() == store.state.units.keys()


def test_log_is_in_story_order(leaves: list[Submission]) -> None:
    times = [s.entry.at for s in leaves]
    assert times == sorted(times)
    assert times[0] == "2019-01-02T01:00:00Z"  # genesis, 08:00 WIB
    assert times[-1] == "2023-07-03T06:00:00Z"  # RSUD Cepu's WBBM screening, 13:00 WIB


def test_kinds(leaves: list[Submission]) -> None:
    assert Counter(s.entry.kind for s in leaves) == {
        "ledger.genesis": 1,
        "key.registered": 228,
        "key.revoked": 3,
        "unit.registered": 44,
        "unit.headcount_set": 6,
        "stage.advanced": 108,
        "declaration.witnessed": 315,
        "pact.signed": 3897,
        "pact.released": 7,
        "assessment.reviewed": 44,
        "remediation.completed": 14,
        "oversight.noted": 14,
    }


# --- units and declarations --------------------------------------------------------------------------


def test_units(store: LedgerStore) -> None:
    units = store.state.units
    assert len(DEMO_UNITS) == 44
    assert units.keys() == DEMO_UNITS.keys()
    assert Counter(u.type for u in units.values()) == {
        "dinas": 18,
        "kecamatan": 16,
        "badan": 4,
        "other": 3,
        "rsud": 2,
        "kantor": 1,
    }
    assert units["rsud-soetijono"].name == "RSUD dr. R. Soetijono Blora"
    assert units["kec-cepu"].name == "Kecamatan Cepu"
    assert "illustrative" in DEMO_NOTE


def test_declarations_6_in_2019_and_38_on_8_july_2020(leaves: list[Submission]) -> None:
    first: dict[str, str] = {}
    for s in _of_kind(leaves, "stage.advanced"):
        if s.entry.body["to"] == "declared":
            first.setdefault(s.entry.unit or "", s.entry.at)
    assert len(first) == 44
    in_2019 = sorted(u for u, at in first.items() if at.startswith("2019-"))
    assert in_2019 == sorted(["rsud-soetijono", "rsud-soeprapto", "dpmptsp", "dindukcapil", "bppkad", "dinpusip"])
    assert sum(at.startswith("2020-07-08T") for at in first.values()) == 38


def test_every_declaration_is_witnessed_by_the_forkopimda(store: LedgerStore, leaves: list[Submission]) -> None:
    declarations = {
        s.leaf_hash: s.entry.unit for s in _of_kind(leaves, "stage.advanced") if s.entry.body["to"] == "declared"
    }
    assert len(declarations) == 45  # 44 units, and RSUD Cepu again for WBBM
    offices: dict[bytes, list[str]] = defaultdict(list)
    for s in _of_kind(leaves, "declaration.witnessed"):
        declaration = decode_base64(s.entry.body["declaration"])
        assert declarations[declaration] == s.entry.unit
        offices[declaration].append(s.entry.body["office"])
    assert offices.keys() == declarations.keys()
    assert all(sorted(o) == sorted(WITNESS_OFFICES) for o in offices.values())
    for unit in store.state.units.values():
        assert all(len(witnesses) == 7 for witnesses in unit.declarations.values())


# --- where the story ends ------------------------------------------------------------------------------


def test_every_unit_ends_as_documented(store: LedgerStore) -> None:
    actual = {u.id: (u.stage, u.track, u.predicate) for u in store.state.units.values()}
    expected = {uid: (o.stage, o.track, o.predicate) for uid, o in DEMO_OUTCOMES.items()}
    assert actual == expected
    assert Counter(stage for stage, _, _ in actual.values()) == {
        "building": 35,
        "designated": 3,
        "declared": 3,
        "nominated": 2,
        "revoked": 1,
    }


def test_designations(store: LedgerStore) -> None:
    units = store.state.units
    assert (units["dpmptsp"].stage, units["dpmptsp"].predicate) == ("designated", "wbk")
    assert units["dpmptsp"].stage_since == "2021-12-08T03:00:00Z"
    assert (units["dindukcapil"].stage, units["dindukcapil"].predicate) == ("designated", "wbk")
    assert units["dindukcapil"].stage_since == "2022-12-07T03:00:00Z"
    assert (units["kec-cepu"].stage, units["kec-cepu"].predicate) == ("designated", "wbk")


def test_wbbm_track(store: LedgerStore, leaves: list[Submission]) -> None:
    cepu = store.state.units["rsud-soeprapto"]
    assert (cepu.stage, cepu.track, cepu.predicate) == ("nominated", "wbbm", "wbk")
    path = [
        (s.entry.body["from"], s.entry.body["to"], s.entry.body["track"], s.entry.at[:10])
        for s in _of_kind(leaves, "stage.advanced")
        if s.entry.unit == "rsud-soeprapto"
    ]
    assert path == [
        ("registered", "declared", "wbk", "2019-03-05"),
        ("declared", "building", "wbk", "2019-04-22"),
        ("building", "nominated", "wbk", "2021-04-05"),
        ("nominated", "designated", "wbk", "2021-12-08"),
        ("designated", "declared", "wbbm", "2022-01-17"),
        ("declared", "building", "wbbm", "2022-02-07"),
        ("building", "nominated", "wbbm", "2022-06-06"),
        ("nominated", "building", "wbbm", "2022-10-10"),
        ("building", "nominated", "wbbm", "2023-06-05"),
    ]
    assert cepu.national["screening"].outcome == "passed"


def test_revocation(store: LedgerStore, leaves: list[Submission]) -> None:
    dpupr = store.state.units["dpupr"]
    assert (dpupr.stage, dpupr.predicate) == ("revoked", "none")
    assert dpupr.barred_until == format_time(REVOKED_ON + timedelta(days=730))
    assert dpupr.barred_until == "2024-06-19T03:00:00Z"
    revocation = next(s for s in _of_kind(leaves, "stage.advanced") if s.entry.body["to"] == "revoked")
    assert revocation.entry.unit == "dpupr"
    assert "tersangka" in revocation.entry.body["note"]
    assert store.state.keys[revocation.entry.signer].role == "minister"
    case = next(
        s
        for s in _of_kind(leaves, "oversight.noted")
        if s.entry.unit == "dpupr" and s.entry.body["topic"] == "case_opened"
    )
    assert case.entry.body["office"] == "district_prosecutor"
    assert case.entry.at < revocation.entry.at
    assert revocation.entry.body["basis"] == encode_base64(case.leaf_hash)
    # The suspected head's key was revoked and an acting head registered.
    heads = [k for k in store.state.keys.values() if k.role == "unit_head" and k.scope == ("dpupr",)]
    assert sorted(k.revoked_index is None for k in heads) == [False, True]


def test_stalled_units(store: LedgerStore) -> None:
    units = store.state.units
    stalled = sorted(u.id for u in units.values() if u.stage == "declared")
    assert stalled == ["dinpermades", "kec-bogorejo", "kec-jiken"]
    jiken = units["kec-jiken"]
    assert jiken.stage_since.startswith("2020-07-08T")
    assert (jiken.valid_pacts, jiken.headcount) == (20, 26)
    assert jiken.pact_coverage < POLICY.min_pact_coverage
    assert units["dinpusip"].stage_since == "2019-06-03T02:00:00Z"  # building since 2019
    assert units["dinpusip"].internal is None


def test_pact_coverage(store: LedgerStore) -> None:
    units = store.state.units
    below = {u.id: (u.valid_pacts, u.headcount) for u in units.values() if u.valid_pacts < u.headcount}
    assert below == {
        "rsud-soetijono": (517, 562),
        "rsud-soeprapto": (308, 318),
        "disdik": (228, 240),
        "dinpertan": (155, 165),
        "dpupr": (149, 150),
        "kec-todanan": (27, 30),
        "kec-jiken": (20, 26),
        "kec-bogorejo": (18, 22),
        "dinpermades": (36, 44),
    }
    for unit in units.values():
        if unit.stage != "declared":
            assert unit.pact_coverage >= POLICY.min_pact_coverage, unit.id


def test_pacts(store: LedgerStore, leaves: list[Submission]) -> None:
    signed = _of_kind(leaves, "pact.signed")
    roles = Counter(store.state.keys[s.entry.signer].role for s in signed)
    assert roles["employee"] > 100
    assert roles["pact_registrar"] > 3000
    for s in signed:
        employee = s.entry.body["employee"]
        number = employee["number"]
        assert re.fullmatch(r"(19[6-9]\d)(0[1-9]|1[0-2])([0-2]\d)(19|20)\d\d(0[1-9]|1[0-2])[12]\d{3}", number), number
        key = store.state.keys[s.entry.signer]
        if key.role == "employee":
            assert key.holder_name == employee["name"]
            assert "document_digest" not in s.entry.body
        else:
            assert "document_digest" in s.entry.body
        assert s.entry.body["pact_digest"] == pact_digest(DEMO_UNITS[s.entry.unit or ""].name)
    released = Counter(s.entry.body["reason"] for s in _of_kind(leaves, "pact.released"))
    assert released == {"transfer": 3, "retired": 3, "other": 1}
    # New employees (CPNS appointed April 2022) sign on appointment.
    newcomers = [s for s in signed if s.entry.body["employee"]["number"][8:14] == "202204"]
    assert len(newcomers) == 3
    assert {s.entry.body["signed_on"] for s in newcomers} == {"2022-04-04"}


def test_remediation(store: LedgerStore) -> None:
    open_items = {
        u.id: sorted(item.id for item in u.open_remediation) for u in store.state.units.values() if u.open_remediation
    }
    assert open_items == {
        "rsud-soetijono": ["2021-lke-2", "2021-lke-3"],
        "bppkad": ["2022-screening-2"],
        "dinkes": ["2021-lke-1", "2021-lke-2"],
        "kec-blora": ["2022-lke-2"],
    }
    closed = [
        item for u in store.state.units.values() for item in u.remediation.values() if item.completed_index is not None
    ]
    assert len(closed) == 14


def test_assessments_meet_their_thresholds(leaves: list[Submission]) -> None:
    outcomes: Counter[tuple[str, str]] = Counter()
    for s in _of_kind(leaves, "assessment.reviewed"):
        body = s.entry.body
        assert set(body["scores"]) == set(SCORE_AREAS)
        assert all(re.fullmatch(r"\d+\.\d\d", v) and Decimal(v) <= POLICY.weights[a] for a, v in body["scores"].items())
        failing = failing_checks(body["scores"], body["track"], POLICY)
        if body["outcome"] == "passed":
            assert failing == [] and body["remediation"] == []
        else:
            assert failing and len(body["remediation"]) >= 1
        outcomes[body["step"], body["outcome"]] += 1
    assert outcomes == {
        ("lke", "passed"): 12,
        ("lke", "failed"): 5,
        ("screening", "passed"): 9,
        ("screening", "failed"): 3,
        ("desk", "passed"): 7,
        ("desk", "failed"): 1,
        ("field", "passed"): 5,
        ("field", "failed"): 2,
    }
    years = Counter(s.entry.body["year"] for s in _of_kind(leaves, "assessment.reviewed"))
    assert years.keys() == {2021, 2022, 2023}


def test_oversight_notes(leaves: list[Submission], store: LedgerStore) -> None:
    notes = _of_kind(leaves, "oversight.noted")
    assert Counter((s.entry.body["office"], s.entry.body["topic"]) for s in notes) == {
        ("district_prosecutor", "accompaniment"): 5,
        ("district_prosecutor", "finding"): 1,
        ("district_prosecutor", "case_opened"): 1,
        ("district_police_chief", "accompaniment"): 4,
        ("district_police_chief", "finding"): 1,
        ("district_police_chief", "case_opened"): 1,
        ("district_police_chief", "case_closed"): 1,
    }
    assert {store.state.keys[s.entry.signer].role for s in notes} == {"overseer"}


def test_regent_keys_rotate(store: LedgerStore, leaves: list[Submission]) -> None:
    regents = sorted((k for k in store.state.keys.values() if k.role == "regent"), key=lambda k: k.registered_index)
    assert [k.holder_title for k in regents] == ["Bupati Blora 2016–2021", "Bupati Blora 2021–2024"]
    assert regents[0].revoked_index is not None and regents[1].revoked_index is None
    nominations = [s for s in _of_kind(leaves, "stage.advanced") if s.entry.body["to"] == "nominated"]
    assert {s.entry.signer for s in nominations} == {regents[1].fingerprint}
