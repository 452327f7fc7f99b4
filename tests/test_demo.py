"""The Blora demo ledger (demo): deterministic, accepted by the fold, telling its story, and adverse
only about units that do not exist."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from demo.build import build_demo
from demo.cast import DEMO_NOTE, DEMO_UNITS, FICTIONAL_UNITS, WITNESS_OFFICES_BLORA, is_fictional, pact_digest
from demo.procedure import model_failures
from demo.story import DEMO_OUTCOMES, QUOTAS, REVOKED_ON, STORY_ENDS
from ledger.crypto.keys import decode_base64, encode_base64, public_key_bytes
from ledger.endorsement import verify_endorsement
from ledger.entry import NATIONAL_ROLES, Submission, parse_leaf
from ledger.rules import parse_policy
from ledger.store.application import LedgerStore
from ledger.store.datadir import open_ledger
from ledger.store.personal import PersonalDataStore

ENTRIES = 6495  # the story's size: fixed by its structure, whatever the seed
FORKOPIMDA = {"bupati-blora", "dprd-blora", "kejari-blora", "polres-blora", "kodim-0721", "pn-blora", "yonif-410"}


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


@pytest.fixture(scope="module")
def key_bodies(leaves: list[Submission]) -> dict[str, dict[str, Any]]:
    """Each key's registration body, by fingerprint."""
    return {s.entry.stream.removeprefix("key/"): s.entry.body for s in _of_kind(leaves, "key.registered")}


def _of_kind(leaves: list[Submission], kind: str) -> list[Submission]:
    return [s for s in leaves if s.entry.kind == kind]


def _unit_of(submission: Submission) -> str:
    """The unit an entry is about (unit, pact, witness, oversight and case streams)."""
    return submission.entry.stream.split("/")[1]


# --- determinism and the fold ----------------------------------------------------------------------


def test_size_and_progress(store: LedgerStore, progress_calls: list[tuple[int, int]]) -> None:
    assert store.size == ENTRIES
    assert progress_calls[-1] == (ENTRIES, ENTRIES)
    assert [done for done, _ in progress_calls] == sorted(done for done, _ in progress_calls)
    assert len(progress_calls) == 17  # batches of 400 after the genesis


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
    assert times[-1] == "2026-11-16T04:00:00Z"  # the Kajari's accompaniment at Disdik, 11:00 WIB
    assert times[-1] < f"{STORY_ENDS.isoformat()}T00:00:00Z"


def test_kinds(leaves: list[Submission]) -> None:
    assert Counter(s.entry.kind for s in leaves) == {
        "ledger.genesis": 1,
        "key.registered": 265,
        "key.revoked": 6,
        "cycle.opened": 8,
        "unit.registered": 51,
        "unit.headcount_set": 7,
        "stage.advanced": 136,
        "declaration.witnessed": 435,
        "pact.signed": 5463,
        "pact.released": 8,
        "assessment.reviewed": 44,
        "remediation.completed": 2,
        "screening.recorded": 16,
        "appeal.filed": 1,
        "appeal.decided": 1,
        "predicate.revoked": 1,
        "monitoring.recorded": 32,
        "case.opened": 2,
        "case.advanced": 1,
        "case.closed": 1,
        "oversight.noted": 14,
    }


# --- the policy and the national keys -----------------------------------------------------------------


def test_edition_3_policy_with_the_demo_national_root(store: LedgerStore, leaves: list[Submission]) -> None:
    from demo.story import Story

    policy = store.state.policy
    # Rules edition 3 (issue 15): edition 2's policy, with persons held as salted commitments.
    assert policy is not None and policy.rules == 3
    assert sorted(policy.models) == ["permenpanrb-10-2019", "permenpanrb-90-2021"]
    national_root = Story("blora-2020", "x").key("national-root").public_key()
    assert policy.national_root == public_key_bytes(national_root)
    assert leaves[0].entry.body["policy"] == parse_policy(leaves[0].entry.body["policy"]).document


def test_national_keys_are_endorsed_by_the_national_root(store: LedgerStore, key_bodies: dict[str, Any]) -> None:
    policy = store.state.policy
    assert policy is not None and policy.national_root is not None
    national = {fp: body for fp, body in key_bodies.items() if body["role"] in NATIONAL_ROLES}
    assert Counter(body["role"] for body in national.values()) == {
        "national_authority": 1,
        "national_assessor": 2,
        "minister": 1,
    }
    for body in national.values():
        verify_endorsement(policy.national_root, body)
    # The negative twin: an endorsement over another holder does not verify.
    body = next(iter(national.values()))
    with pytest.raises(Exception, match="endorsement"):
        verify_endorsement(policy.national_root, {**body, "holder": {**body["holder"], "name": "Someone Else"}})
    assert all("endorsement" not in b for b in key_bodies.values() if b["role"] not in NATIONAL_ROLES)


def test_witness_and_overseer_keys_carry_their_office(key_bodies: dict[str, Any]) -> None:
    offices = Counter(b["office"]["id"] for b in key_bodies.values() if b["role"] == "witness")
    # The regent's office has three keys (the regents of 2016, 2021 and 2025).
    assert offices == {**dict.fromkeys((o.id for o in WITNESS_OFFICES_BLORA), 1), "bupati-blora": 3}
    overseers = sorted(b["office"]["id"] for b in key_bodies.values() if b["role"] == "overseer")
    assert overseers == ["kejari-blora", "polres-blora"]
    assert all("office" not in b for b in key_bodies.values() if b["role"] not in ("witness", "overseer"))


def test_regent_keys_rotate(store: LedgerStore, leaves: list[Submission]) -> None:
    regents = sorted((k for k in store.state.keys.values() if k.role == "regent"), key=lambda k: k.registered_index)
    assert [k.holder_title for k in regents] == [
        "Bupati Blora 2016–2021",
        "Bupati Blora 2021–2024",
        "Bupati Blora 2025–2030",
    ]
    assert [k.revoked_index is None for k in regents] == [False, False, True]
    nominations = [s for s in _of_kind(leaves, "stage.advanced") if s.entry.body["to"] == "nominated"]
    signers = Counter(s.entry.signer for s in nominations)
    assert signers == {regents[1].fingerprint: 12, regents[2].fingerprint: 4}


# --- units, declarations, witnesses, pacts ----------------------------------------------------------


def test_units(store: LedgerStore) -> None:
    units = store.state.units
    assert len(DEMO_UNITS) == 51
    assert units.keys() == DEMO_UNITS.keys()
    assert Counter(u.type for u in units.values()) == {
        "dinas": 20,
        "kecamatan": 17,
        "badan": 4,
        "puskesmas": 4,
        "other": 3,
        "rsud": 2,
        "kantor": 1,
    }
    assert units["rsud-soetijono"].name == "RSUD dr. R. Soetijono Blora"
    assert units["kec-cepu"].name == "Kecamatan Cepu"
    assert units["pkm-blora"].name == "Puskesmas Blora"
    assert "illustrative" in DEMO_NOTE and "fiktif-" in DEMO_NOTE and "(unit fiktif)" in DEMO_NOTE


def test_fictional_units_say_so_in_their_registration(leaves: list[Submission]) -> None:
    fictional = {u.id for u in FICTIONAL_UNITS}
    assert fictional == {"fiktif-dinas-a", "fiktif-dinas-b", "fiktif-puskesmas", "fiktif-kecamatan"}
    registered = {s.entry.unit: s.entry.body["name"] for s in _of_kind(leaves, "unit.registered")}
    assert {u for u in registered if is_fictional(u)} == fictional
    assert registered["fiktif-dinas-a"] == "Dinas Contoh A (unit fiktif)"
    assert registered["fiktif-puskesmas"] == "Puskesmas Contoh (unit fiktif)"
    for uid, name in registered.items():
        assert name.endswith(" (unit fiktif)") == is_fictional(uid), uid


def test_declarations_6_in_2019_and_38_on_8_july_2020(leaves: list[Submission]) -> None:
    first: dict[str, str] = {}
    for s in _of_kind(leaves, "stage.advanced"):
        if s.entry.body["to"] == "declared":
            first.setdefault(s.entry.unit or "", s.entry.at)
    assert len(first) == 51
    in_2019 = sorted(u for u, at in first.items() if at.startswith("2019-"))
    assert in_2019 == sorted(["rsud-soetijono", "rsud-soeprapto", "dpmptsp", "dindukcapil", "bppkad", "dinpusip"])
    on_8_july = {u for u, at in first.items() if at.startswith("2020-07-08T")}
    assert len(on_8_july) == 38 and not any(is_fictional(u) for u in on_8_july)


def test_the_heads_sign_at_the_ceremony_and_the_employees_at_their_units(leaves: list[Submission]) -> None:
    """8 July 2020: each head signs at the regency's declaration; the employees at the unit's own
    ceremony on a later day."""
    ceremony = [s for s in _of_kind(leaves, "pact.signed") if s.entry.body["signed_on"] == "2020-07-08"]
    assert len(ceremony) == 38
    assert {s.entry.body["occasion"] for s in ceremony} == {"declaration"}
    heads = {s.entry.unit: s.entry.body["employee"]["person"] for s in ceremony}
    units_2020 = {u for u, spec in DEMO_UNITS.items() if spec.declared_on == date(2020, 7, 8)}
    assert heads.keys() == units_2020
    for s in _of_kind(leaves, "pact.signed"):
        if s.entry.unit in units_2020 and s.entry.body["occasion"] == "unit_ceremony":
            assert s.entry.body["signed_on"] > "2020-07-08"


def test_every_declaration_is_witnessed_by_the_forkopimda_and_the_inspektur(
    store: LedgerStore, leaves: list[Submission], key_bodies: dict[str, Any]
) -> None:
    declarations = {
        s.leaf_hash: s.entry.unit for s in _of_kind(leaves, "stage.advanced") if s.entry.body["to"] == "declared"
    }
    assert len(declarations) == 54  # 51 units; RSUD Cepu and Dinas Contoh A for WBBM; Contoh A again
    offices: dict[bytes, set[str]] = defaultdict(set)
    for s in _of_kind(leaves, "declaration.witnessed"):
        declaration = decode_base64(s.entry.body["declaration"])
        assert declarations[declaration] == s.entry.unit
        assert "office" not in s.entry.body  # edition 2: the office is the signing key's
        offices[declaration].add(key_bodies[s.entry.signer]["office"]["id"])
    assert offices.keys() == declarations.keys()
    for declaration, unit in declarations.items():
        board = {"rsud-soetijono": {"dewas-rsud-soetijono"}, "rsud-soeprapto": {"dewas-rsud-soeprapto"}}
        assert offices[declaration] == FORKOPIMDA | {"inspektorat-blora"} | board.get(unit or "", set())


def test_pacts(store: LedgerStore, leaves: list[Submission], demo_dir: Path) -> None:
    signed = _of_kind(leaves, "pact.signed")
    assert Counter(s.entry.body["occasion"] for s in signed) == {
        "unit_ceremony": 4198,
        "yearly": 1205,
        "declaration": 51,
        "appointment": 6,
        "transfer": 3,
    }
    roles = Counter(store.state.keys[s.entry.signer].role for s in signed)
    assert roles["employee"] > 100
    assert roles["pact_registrar"] > 3000
    # Edition 3: the log names each employee by pseudonym and commitment; the NIP is in the
    # personal-data store, and opens the commitment.
    with PersonalDataStore(demo_dir) as personal:
        held = {d.person: d for d in personal.all()}
    for s in signed:
        employee = s.entry.body["employee"]
        assert set(employee) == {"person", "commitment"} and s.entry.stream_subject == employee["person"]
        disclosure = held[employee["person"]]
        assert disclosure.commitment == employee["commitment"]
        number = disclosure.data.number or ""
        assert re.fullmatch(r"(19[6-9]\d)(0[1-9]|1[0-2])([0-2]\d)(19|20)\d\d(0[1-9]|1[0-2])[12]\d{3}", number), number
        key = store.state.keys[s.entry.signer]
        if key.role == "employee":
            assert key.holder_person == employee["person"]
            assert "document_digest" not in s.entry.body
        else:
            assert "document_digest" in s.entry.body
        assert s.entry.body["pact_digest"] == pact_digest(DEMO_UNITS[s.entry.unit or ""].name)
    released = Counter(s.entry.body["reason"] for s in _of_kind(leaves, "pact.released"))
    assert released == {"transfer": 4, "retired": 3, "other": 1}
    # New employees (CPNS of April 2022 and July 2024) and a new head sign on appointment.
    appointed = Counter(s.entry.body["signed_on"] for s in signed if s.entry.body["occasion"] == "appointment")
    assert appointed == {"2022-04-04": 3, "2023-01-02": 1, "2024-07-03": 2}
    # Yearly re-signing in January 2024-2026 at the designated units of up to ~120 staff.
    yearly = Counter(
        (s.entry.body["signed_on"][:4], s.entry.unit) for s in signed if s.entry.body["occasion"] == "yearly"
    )
    assert {year for year, _ in yearly} == {"2024", "2025", "2026"}
    assert ("2026", "rsud-soeprapto") not in yearly and ("2026", "kec-blora") in yearly


def test_no_leaf_carries_a_name_or_a_number(store: LedgerStore, demo_dir: Path) -> None:
    """Edition 3 (issue 15): the people's names and NIPs are in the personal-data store only."""
    with PersonalDataStore(demo_dir) as personal:
        held = list(personal.all())
    assert len(held) > 3000
    log = b"\n".join(store.leaves())
    # Names longer than a word (a one-word name might occur in a unit's or an office's text).
    needles = {d.data.name for d in held if " " in d.data.name} | {d.data.number for d in held if d.data.number}
    assert not [needle for needle in needles if needle.encode() in log]
    # The negative twin: the scan finds a name that is in a leaf.
    assert b"Kabupaten Blora" in log


def test_pact_text_covers_reporting_and_protecting_reporters() -> None:
    from demo.cast import PACT_TEXT

    assert "menyampaikan informasi penyimpangan integritas" in PACT_TEXT
    assert "menjaga kerahasiaan saksi" in PACT_TEXT


def test_headcounts_come_from_the_roster(store: LedgerStore, leaves: list[Submission]) -> None:
    changes = _of_kind(leaves, "unit.headcount_set")
    assert {store.state.keys[s.entry.signer].role for s in changes} == {"administrator"}
    assert all(s.entry.body["source"].startswith("BKD/SIASN") for s in changes)
    assert [(s.entry.unit, s.entry.body["headcount"]) for s in changes] == [
        ("dindukcapil", 61),
        ("kec-cepu", 43),
        ("dpmptsp", 45),
        ("bppkad", 113),
        ("kec-randublatung", 35),
        ("dinkes", 186),
        ("pkm-blora", 50),
    ]


def test_pact_coverage(store: LedgerStore) -> None:
    units = store.state.units
    below = {u.id: (u.valid_pacts, u.headcount) for u in units.values() if u.valid_pacts < u.headcount}
    assert below == {
        "rsud-soetijono": (545, 562),
        "rsud-soeprapto": (308, 318),
        "disdik": (230, 240),
        "dinpertan": (158, 165),
        "kec-todanan": (29, 30),
        "fiktif-dinas-a": (51, 52),
        "fiktif-dinas-b": (20, 40),
        "fiktif-kecamatan": (15, 25),
    }
    # Coverage is no gate in edition 2: Dinas Contoh B builds (and is proposed) at 50 %.
    assert units["fiktif-dinas-b"].pact_coverage == Decimal("0.5")
    assert units["fiktif-dinas-b"].stage == "building"
    # Every real unit is at 95 % or more.
    assert all(u.pact_coverage >= Decimal("0.95") for u in units.values() if not is_fictional(u.id))


# --- where the story ends ------------------------------------------------------------------------------


def test_every_unit_ends_as_documented(store: LedgerStore) -> None:
    actual = {u.id: (u.stage, u.track, u.predicate) for u in store.state.units.values()}
    expected = {uid: (o.stage, o.track, o.predicate) for uid, o in DEMO_OUTCOMES.items()}
    assert actual == expected
    assert Counter(stage for stage, _, _ in actual.values()) == {
        "building": 38,
        "designated": 10,
        "nominated": 2,
        "declared": 1,
    }


def test_cycles(store: LedgerStore, leaves: list[Submission]) -> None:
    cycles = {s.entry.body["year"]: s.entry.body for s in _of_kind(leaves, "cycle.opened")}
    assert sorted(cycles) == list(range(2019, 2027))
    for year, body in cycles.items():
        assert body["model"] == ("permenpanrb-10-2019" if year <= 2021 else "permenpanrb-90-2021")
        assert (body["proposal_deadline"], body["closes_on"], body["appeal_days"]) == (
            f"{year}-06-30",
            f"{year}-12-31",
            7,
        )
        assert body["quota"] == QUOTAS[year]
    signers = {store.state.keys[s.entry.signer].role for s in _of_kind(leaves, "cycle.opened")}
    assert signers == {"national_authority"}
    # Proposals per cycle: 2023 uses its quota of four.
    assert store.state.proposals == {
        (2021, ""): 3,
        (2022, ""): 3,
        (2023, ""): 4,
        (2024, ""): 2,
        (2025, ""): 2,
        (2026, ""): 2,
    }
    nominations = [s for s in _of_kind(leaves, "stage.advanced") if s.entry.body["to"] == "nominated"]
    for s in nominations:
        assert s.entry.at[:10] <= f"{s.entry.body['cycle']}-06-30"
        assert s.entry.at[:4] == str(s.entry.body["cycle"])
        assert "statement" in s.entry.body


def test_scores_follow_the_model_of_their_year(store: LedgerStore, leaves: list[Submission]) -> None:
    policy = store.state.policy
    assert policy is not None
    outcomes: Counter[tuple[str, str]] = Counter()
    for s in _of_kind(leaves, "assessment.reviewed"):
        body = s.entry.body
        model = policy.model_for_year(body["year"])
        assert model is not None
        assert set(body["scores"]) == set(model.areas)
        assert ("tlhp" in body["scores"]) == (body["year"] <= 2021)
        assert all(re.fullmatch(r"\d+\.\d\d", v) and Decimal(v) <= model.weights[a] for a, v in body["scores"].items())
        failing = model_failures(body["scores"], body["track"], model)
        if body["outcome"] == "passed":
            assert failing == [] and body["remediation"] == []
        else:
            assert failing and len(body["remediation"]) >= 1
        assert "workbook" in body["evidence"]
        outcomes[body["step"], body["outcome"]] += 1
    assert outcomes == {
        ("lke", "passed"): 15,
        ("lke", "failed"): 2,
        ("desk", "passed"): 15,
        ("field", "passed"): 12,
    }
    years = Counter(s.entry.body["year"] for s in _of_kind(leaves, "assessment.reviewed"))
    assert years == {2021: 9, 2022: 9, 2023: 9, 2024: 6, 2025: 7, 2026: 4}


def test_screenings_and_the_appeal(store: LedgerStore, leaves: list[Submission]) -> None:
    screenings = [
        (s.entry.unit, s.entry.body["cycle"], s.entry.body["outcome"]) for s in _of_kind(leaves, "screening.recorded")
    ]
    assert [s for s in screenings if s[2] != "passed"] == [
        ("rsud-soeprapto", 2021, "passed_with_notes"),
        ("kec-cepu", 2022, "passed_with_notes"),
        ("fiktif-dinas-b", 2023, "failed"),
        ("pkm-cepu", 2025, "passed_with_notes"),
        ("disdik", 2026, "passed_with_notes"),
    ]
    assert len(screenings) == 16
    [filed] = _of_kind(leaves, "appeal.filed")
    [decided] = _of_kind(leaves, "appeal.decided")
    failed = next(s for s in _of_kind(leaves, "screening.recorded") if s.entry.body["outcome"] == "failed")
    assert filed.entry.unit == decided.entry.unit == failed.entry.unit == "fiktif-dinas-b"
    assert filed.entry.time - failed.entry.time < __import__("datetime").timedelta(days=7)
    assert decided.entry.body["outcome"] == "rejected"
    sent_back = next(
        s
        for s in _of_kind(leaves, "stage.advanced")
        if (s.entry.body["from"], s.entry.body["to"]) == ("nominated", "building")
    )
    assert sent_back.entry.unit == "fiktif-dinas-b"
    assert sent_back.entry.body["basis"] == encode_base64(decided.leaf_hash)


def test_the_lapsed_proposal_is_proposed_again(leaves: list[Submission]) -> None:
    path = [
        (s.entry.body["from"], s.entry.body["to"], s.entry.body.get("cycle"))
        for s in _of_kind(leaves, "stage.advanced")
        if s.entry.unit == "fiktif-puskesmas"
    ]
    assert path == [
        ("registered", "declared", None),
        ("declared", "building", None),
        ("building", "nominated", 2022),
        ("nominated", "nominated", 2023),  # the 2022 proposal lapsed on 31 December 2022
        ("nominated", "designated", None),
    ]


def test_batch_decrees(leaves: list[Submission]) -> None:
    designations = [s for s in _of_kind(leaves, "stage.advanced") if s.entry.body["to"] == "designated"]
    by_decree: dict[str, list[str]] = defaultdict(list)
    for s in designations:
        by_decree[s.entry.body["sk"]["number"]].append(s.entry.unit or "")
        assert s.entry.body["sk"]["date"] == s.entry.at[:10]
    assert by_decree == {
        "KEP-ZI/1201/2021 (ilustrasi)": ["dpmptsp", "rsud-soeprapto", "fiktif-dinas-a"],
        "KEP-ZI/1187/2022 (ilustrasi)": ["dindukcapil", "kec-cepu"],
        "KEP-ZI/1215/2023 (ilustrasi)": ["bppkad", "fiktif-puskesmas"],
        "KEP-ZI/1216/2023 (ilustrasi)": ["rsud-soeprapto"],
        "KEP-ZI/1174/2024 (ilustrasi)": ["dinkominfo", "pkm-blora"],
        "KEP-ZI/1163/2025 (ilustrasi)": ["kec-blora", "pkm-cepu"],
    }
    batch = [s.entry.body["sk"] for s in designations if s.entry.body["sk"]["number"].startswith("KEP-ZI/1201/")]
    assert len({(sk["date"], sk["document"]) for sk in batch}) == 1


def test_wbbm_track(store: LedgerStore, leaves: list[Submission]) -> None:
    cepu = store.state.units["rsud-soeprapto"]
    assert (cepu.stage, cepu.track, cepu.predicate) == ("designated", "wbbm", "wbbm")
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
        ("building", "nominated", "wbbm", "2023-06-05"),
        ("nominated", "designated", "wbbm", "2023-12-06"),
    ]


def test_wbk_revoked_from_a_unit_on_the_wbbm_track(store: LedgerStore, leaves: list[Submission]) -> None:
    [revocation] = _of_kind(leaves, "predicate.revoked")
    assert revocation.entry.unit == "fiktif-dinas-a"
    body = revocation.entry.body
    assert (body["predicate"], body["ground"], body["sk"]["date"]) == ("wbk", "suspect_named", REVOKED_ON.isoformat())
    assert store.state.keys[revocation.entry.signer].role == "minister"
    # The unit was building toward WBBM when it lost its WBK.
    before = [
        s
        for s in _of_kind(leaves, "stage.advanced")
        if s.entry.unit == "fiktif-dinas-a" and s.entry.at < revocation.entry.at
    ]
    assert (before[-1].entry.body["to"], before[-1].entry.body["track"]) == ("building", "wbbm")
    # Its basis is the case against the head; the head's key was revoked and an acting head registered.
    opened = next(s for s in _of_kind(leaves, "case.opened") if s.entry.unit == "fiktif-dinas-a")
    assert body["basis"] == encode_base64(opened.leaf_hash) and opened.entry.at < revocation.entry.at
    heads = [k for k in store.state.keys.values() if k.role == "unit_head" and k.scope == ("fiktif-dinas-a",)]
    assert sorted(k.revoked_index is None for k in heads) == [False, True]
    # Declared again at once (the bar is on proposals), barred from proposals until 16 June 2027.
    unit = store.state.units["fiktif-dinas-a"]
    assert (unit.stage, unit.predicate) == ("building", "none")
    assert unit.barred_until == "2027-06-16T00:00:00Z"
    assert {u.id for u in store.state.units.values() if u.barred_until} == {"fiktif-dinas-a"}


def test_open_case_at_a_designated_unit(store: LedgerStore, leaves: list[Submission]) -> None:
    streams = Counter(s.entry.stream for s in leaves if s.entry.kind.startswith("case."))
    assert streams == {"case/fiktif-dinas-a/2024-1": 3, "case/fiktif-puskesmas/2025-1": 1}
    [opened] = [s for s in _of_kind(leaves, "case.opened") if s.entry.unit == "fiktif-puskesmas"]
    assert (opened.entry.body["stage"], opened.entry.body["concerns"]) == ("inquiry", "employee")
    assert store.state.units["fiktif-puskesmas"].stage == "designated"
    [closed] = _of_kind(leaves, "case.closed")
    assert (closed.entry.stream, closed.entry.body["outcome"]) == ("case/fiktif-dinas-a/2024-1", "convicted")


def test_monitoring(store: LedgerStore, leaves: list[Submission]) -> None:
    monitoring = _of_kind(leaves, "monitoring.recorded")
    assert Counter((s.entry.body["year"], s.entry.body["outcome"]) for s in monitoring) == {
        (2022, "maintained"): 3,
        (2023, "maintained"): 5,
        (2024, "maintained"): 7,
        (2025, "maintained"): 7,
        (2025, "concerns"): 1,
        (2026, "maintained"): 9,
    }
    assert {store.state.keys[s.entry.signer].role for s in monitoring} == {"internal_assessor"}
    holders = {u.id for u in store.state.units.values() if u.predicate != "none"}
    monitored_2026 = {s.entry.unit for s in monitoring if s.entry.body["year"] == 2026}
    assert holders - monitored_2026 == {"fiktif-puskesmas"}  # not monitored this year


def test_remediation(store: LedgerStore) -> None:
    open_items = {
        u.id: sorted(item.id for item in u.open_remediation) for u in store.state.units.values() if u.open_remediation
    }
    assert open_items == {"fiktif-dinas-b": ["2025-lke-3"]}
    closed = [
        item for u in store.state.units.values() for item in u.remediation.values() if item.completed_index is not None
    ]
    assert len(closed) == 2


def test_oversight_notes_follow_their_keys(
    store: LedgerStore, leaves: list[Submission], key_bodies: dict[str, Any]
) -> None:
    notes = _of_kind(leaves, "oversight.noted")
    assert all("office" not in s.entry.body for s in notes)  # edition 2: the office is the key's
    assert Counter((key_bodies[s.entry.signer]["office"]["id"], s.entry.body["topic"]) for s in notes) == {
        ("kejari-blora", "accompaniment"): 6,
        ("kejari-blora", "finding"): 1,
        ("polres-blora", "accompaniment"): 6,
        ("polres-blora", "finding"): 1,
    }
    assert {store.state.keys[s.entry.signer].role for s in notes} == {"overseer"}


# --- nothing adverse at a real office ---------------------------------------------------------------

ADVERSE_WORDS = re.compile(r"tersangka|penyidikan|penyelidikan|dugaan|penyimpangan pengadaan|pengaduan|diberhentikan")


def _adverse(kind: str, body: dict[str, Any]) -> str | None:
    """Why an entry is adverse to the unit it concerns, or None (the brief's list: a case, a suspect,
    a revocation, a failed review/screening/LKE, a rejected appeal, a negative finding, "concerns" at
    monitoring, a suspension, an illegal-fee probe)."""
    if kind.startswith("case."):
        return "case"
    if kind == "predicate.revoked" or (kind == "stage.advanced" and body["to"] == "revoked"):
        return "revocation"
    if kind == "stage.advanced" and (body["from"], body["to"]) in (
        ("nominated", "building"),
        ("nominated", "nominated"),
    ):
        return "sent back or lapsed"
    if kind in ("assessment.reviewed", "screening.recorded") and body["outcome"] == "failed":
        return "failed review"
    if kind == "appeal.filed" or (kind == "appeal.decided" and body["outcome"] == "rejected"):
        return "appeal"
    if kind == "monitoring.recorded" and body["outcome"] == "concerns":
        return "concerns"
    if kind == "oversight.noted" and body["topic"] != "accompaniment":
        return "finding"
    if kind == "pact.released" and body["reason"] == "other":
        return "suspension"
    texts = [body.get(name, "") for name in ("note", "text", "reason")]
    if any(isinstance(t, str) and ADVERSE_WORDS.search(t) for t in texts):
        return "adverse text"
    return None


def _adverse_scan(
    entries: list[tuple[str, str, dict[str, Any]]], key_scopes: dict[str, list[str]]
) -> tuple[Counter[str], list[tuple[str, str]]]:
    """Scan (kind, stream, body) triples: the adverse ones by reason, and those at a real office."""
    found: Counter[str] = Counter()
    at_real_offices = []
    for kind, stream, body in entries:
        reason = _adverse(kind, body)
        if reason is None:
            continue
        found[reason] += 1
        # A key's entries concern the units of its scope; every other stream names its unit.
        units = key_scopes[stream.removeprefix("key/")] if stream.startswith("key/") else [stream.split("/")[1]]
        if not all(is_fictional(unit) for unit in units):
            at_real_offices.append((reason, stream))
    return found, at_real_offices


def _triples(leaves: list[Submission]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(s.entry.kind, s.entry.stream, s.entry.body) for s in leaves]


def test_nothing_adverse_at_a_real_office(leaves: list[Submission], key_bodies: dict[str, Any]) -> None:
    scopes = {fp: body["scope"] for fp, body in key_bodies.items()}
    found, at_real_offices = _adverse_scan(_triples(leaves), scopes)
    assert at_real_offices == []
    # The scan finds the demo's adverse storylines, all at invented units.
    assert found == {
        "case": 4,
        "revocation": 1,
        "sent back or lapsed": 2,
        "failed review": 3,
        "appeal": 2,
        "concerns": 1,
        "finding": 2,
        "suspension": 1,
        "adverse text": 1,  # the suspended head's key revocation
    }


def test_the_adverse_scan_flags_an_adverse_entry_at_a_real_office(
    leaves: list[Submission], key_bodies: dict[str, Any]
) -> None:
    """The negative twin: the same scan flags a failed screening, a case or a suspension moved to a real office."""
    scopes = {fp: body["scope"] for fp, body in key_bodies.items()}
    failed = next(s for s in _of_kind(leaves, "screening.recorded") if s.entry.body["outcome"] == "failed")
    case = _of_kind(leaves, "case.opened")[0]
    suspended = next(s for s in _of_kind(leaves, "key.revoked") if "diberhentikan" in s.entry.body["reason"])
    head_of_dpmptsp = next(fp for fp, b in key_bodies.items() if b["role"] == "unit_head" and b["scope"] == ["dpmptsp"])
    moved = [
        (failed.entry.kind, "unit/bppkad", failed.entry.body),
        (case.entry.kind, "case/rsud-soetijono/2024-1", case.entry.body),
        (suspended.entry.kind, f"key/{head_of_dpmptsp}", suspended.entry.body),
    ]
    _, at_real_offices = _adverse_scan(moved, scopes)
    assert [stream for _, stream in at_real_offices] == [stream for _, stream, _ in moved]
