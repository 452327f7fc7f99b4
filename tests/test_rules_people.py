"""Rules edition 2, people (issue 11, items 6 and 7; docs/design/rules-edition-2.md): offices of
witnesses and overseers, pacts and the headcount, cases.

Every rule has its accepted case and its refused twin; a refusal is checked for its exact class and
code and for leaving the state exactly as it was (`refuse`, as in tests/test_rules.py). The logs
here are edition 2 (`standard_cast_edition_2`) unless a test says it holds an edition-1 log to its
old behaviour.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.keys import decode_base64, encode_base64, fingerprint, public_key_bytes
from ledger.entry import Submission
from ledger.errors import MalformedInput
from ledger.rules import Case, Decision, default_policy_document, fold
from projections.fold import ViewFold
from tests.builder import LOG_TIME, LedgerBuilder, digest, key_for
from tests.test_rules import refuse

U = "dinkes"
OTHER = "dukcapil"
KEJARI = {"id": "kejari-blora", "name": "Kejaksaan Negeri Blora"}
POLRES = {"id": "polres-blora", "name": "Kepolisian Resor Blora"}
INSPEKTORAT = {"id": "inspektorat", "name": "Inspektorat Kabupaten Blora"}


class Builder(LedgerBuilder):
    """A builder that keeps the leaves it folded, for the views to fold them again."""

    def __init__(self) -> None:
        self.leaves: list[bytes] = []
        super().__init__(apply=self.accept)

    def accept(self, submission: Submission) -> Decision:
        decision = fold(self.state, submission, LOG_TIME)
        self.leaves.append(submission.leaf_bytes)
        return decision

    def views(self) -> ViewFold:
        views = ViewFold(self.origin, keep_history=True)
        for index, leaf in enumerate(self.leaves):
            views.apply(index, leaf)
        assert views.refused == []
        return views


@pytest.fixture
def b() -> Builder:
    builder = Builder()
    builder.standard_cast_edition_2()
    builder.register_unit(U)
    return builder


@pytest.fixture
def legacy() -> Builder:
    """An edition-1 log, as every log written before edition 2."""
    builder = Builder()
    builder.standard_cast()
    builder.register_unit(U)
    return builder


def fp(key: Ed25519PrivateKey) -> str:
    return fingerprint(key.public_key())


def declare(b: Builder, unit: str = U) -> str:
    """Declare `unit` and return the declaration's leaf hash, as a witness body names it."""
    return encode_base64(b.stage(unit, "registered", "declared").submission.leaf_hash)


def witness(b: Builder, key: Ed25519PrivateKey, declaration: str, **extra: Any) -> Submission:
    return b.sign(key, "declaration.witnessed", f"witness/{U}", {"declaration": declaration, **extra})


def note(b: Builder, key: Ed25519PrivateKey, unit: str = U, **extra: Any) -> Submission:
    body = {"topic": "accompaniment", "text": "Pendampingan pembangunan zona integritas", **extra}
    return b.sign(key, "oversight.noted", f"oversight/{unit}", body)


def key_body(b: Builder, name: str, role: str, **extra: Any) -> tuple[Ed25519PrivateKey, Submission]:
    """The registration of key `name` by the root, signed but not folded."""
    key = key_for(name)
    body = {
        "public_key": encode_base64(public_key_bytes(key.public_key())),
        "role": role,
        "scope": ["*"],
        "holder": {"name": name, "title": role},
        **extra,
    }
    return key, b.sign(b.root, "key.registered", f"key/{fp(key)}", body)


def pact(n: int, *, occasion: str | None = "unit_ceremony", name: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "employee": {"name": name or f"Pegawai {n}", "number": f"19800101201000{n:04d}"},
        "pact_digest": digest("pakta integritas, teks lengkap"),
        "signed_on": "2020-07-08",
    }
    if occasion is not None:
        body["occasion"] = occasion
    return body


def sign_pact(b: Builder, n: int, **options: Any) -> Submission:
    body = pact(n, **options)
    return b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{body['employee']['number']}", body)


def case(b: Builder, kind: str, body: dict[str, Any], *, key: Ed25519PrivateKey | None = None) -> Submission:
    return b.sign(key or b.overseer, kind, f"case/{U}/perkara-1", body)


OPENED = {"stage": "inquiry", "concerns": "employee", "text": "Penyelidikan atas laporan masyarakat"}


# --- offices: witness and overseer keys carry theirs ------------------------------------------------------


@pytest.mark.parametrize("role", ["witness", "overseer"])
def test_a_witness_or_overseer_key_needs_its_office(b: Builder, role: str) -> None:
    _, without = key_body(b, f"no-office-{role}", role)
    refuse(b, without, "office_required")
    key, with_office = key_body(b, f"no-office-{role}", role, office=INSPEKTORAT)
    b.accept(with_office)
    record = b.state.keys[fp(key)]
    assert (record.office_id, record.office_name) == ("inspektorat", "Inspektorat Kabupaten Blora")


def test_other_roles_need_no_office(b: Builder) -> None:
    key, submission = key_body(b, "second-tpi", "internal_assessor")
    b.accept(submission)
    assert b.state.keys[fp(key)].office_id is None


def test_an_edition_1_log_registers_witnesses_without_office(legacy: Builder) -> None:
    key = legacy.register_key("old-witness", "witness")
    assert legacy.state.keys[fp(key)].office_id is None
    # ... and refuses the edition-2 member, exactly as parsing did before edition 2.
    _, with_office = key_body(legacy, "new-witness", "witness", office=KEJARI)
    refuse(legacy, with_office, "unknown_member", MalformedInput)


def test_a_witness_from_outside_the_forkopimda_attests_a_declaration(b: Builder) -> None:
    # DOMAIN.md: a declaration is witnessed by Forkopimda members "but also e.g. the Inspektur".
    inspektur = b.register_key("inspektur", "witness", office=INSPEKTORAT, holder="Inspektur Kabupaten")
    declaration = declare(b)
    b.accept(witness(b, inspektur, declaration))
    assert fp(inspektur) in b.state.units[U].declarations[decode_base64(declaration)]
    # Its twin: the same key cannot attest as another office.
    other = b.register_key("inspektur-2", "witness", office=INSPEKTORAT)
    refuse(b, witness(b, other, declaration, office="district_prosecutor"), "office_not_signer")


def test_a_witness_body_may_name_its_own_office(b: Builder) -> None:
    declaration = declare(b)
    b.accept(witness(b, b.witness, declaration, office="kejari-blora"))


def test_an_overseer_notes_office_follows_its_key(b: Builder) -> None:
    # The Kajari's key cannot write a note as the Kapolres office.
    refuse(b, note(b, b.overseer, office="polres-blora"), "office_not_signer")
    refuse(b, note(b, b.overseer, office="district_police_chief"), "office_not_signer")
    b.accept(note(b, b.overseer, office="kejari-blora"))
    b.accept(note(b, b.overseer))
    kapolres = b.register_key("kapolres", "overseer", office=POLRES, holder="Kapolres Blora")
    b.accept(note(b, kapolres))


def test_a_key_registered_without_office_signs_no_note_in_edition_2(legacy: Builder) -> None:
    # A log that moves to edition 2 keeps its edition-1 overseer key, but the key has no office to
    # sign for: the body's word is no longer taken.
    upgraded = {**default_policy_document(), "version": 2}
    legacy.submit(legacy.admin, "policy.set", "ledger", {"policy": upgraded})
    assert legacy.state.policy is not None and legacy.state.policy.rules == 2
    refuse(legacy, note(legacy, legacy.overseer, office="district_prosecutor"), "office_required")
    refuse(legacy, note(legacy, legacy.overseer), "office_required")
    with_office = legacy.register_key("kajari-2", "overseer", office=KEJARI)
    legacy.accept(note(legacy, with_office))


def test_an_edition_1_note_keeps_its_body_office(legacy: Builder) -> None:
    legacy.accept(note(legacy, legacy.overseer, office="district_police_chief"))  # as edition 1 always did
    refuse(legacy, note(legacy, legacy.overseer), "missing_member", MalformedInput)


def test_the_views_take_the_office_and_signer_from_the_key(b: Builder) -> None:
    declaration = declare(b)
    b.accept(witness(b, b.witness, declaration))
    b.accept(note(b, b.overseer, topic="finding"))
    doc = b.views().unit_document(U)
    [attestation] = doc["declaration"]["witnesses"]
    assert attestation["office"] == "kejari-blora"
    [row] = doc["oversight_notes"]
    assert (row["office"], row["topic"]) == ("kejari-blora", "finding")
    assert row["holder"] == {"name": "kajari", "title": "overseer"}
    assert row["signer_office"] == KEJARI
    assert row["signer"] == fp(b.overseer)


# --- pacts and the headcount ------------------------------------------------------------------------------


def test_a_pact_needs_its_occasion(b: Builder) -> None:
    refuse(b, sign_pact(b, 1, occasion=None), "occasion_required")
    b.accept(sign_pact(b, 1, occasion="declaration"))
    assert b.state.units[U].pacts["198001012010000001"].occasion == "declaration"


def test_an_edition_1_pact_needs_no_occasion(legacy: Builder) -> None:
    body = pact(1, occasion=None)
    legacy.submit(legacy.registrars[U], "pact.signed", f"pact/{U}/{body['employee']['number']}", body)
    assert legacy.state.units[U].valid_pacts == 1
    refuse(
        legacy,
        legacy.sign(legacy.registrars[U], "pact.signed", f"pact/{U}/198001012010000002", pact(2)),
        "unknown_member",
        MalformedInput,
    )


def test_a_pact_re_signed_yearly_keeps_one_valid_pact(b: Builder) -> None:
    b.accept(sign_pact(b, 1, occasion="unit_ceremony"))
    again = sign_pact(b, 1, occasion="yearly")
    b.accept(again)
    unit = b.state.units[U]
    assert unit.valid_pacts == 1
    assert (unit.pacts["198001012010000001"].occasion, unit.pacts["198001012010000001"].index) == (
        "yearly",
        b.state.size - 1,
    )
    # Its twin: a re-signing must be by the same employee.
    refuse(b, sign_pact(b, 1, occasion="yearly", name="Orang Lain"), "employee_mismatch")


def test_coverage_is_measured_not_a_gate(b: Builder) -> None:
    declare(b)
    for n in range(5):
        b.accept(sign_pact(b, n, occasion="declaration"))
    b.stage(U, "declared", "building")  # 5 of 10: accepted in edition 2
    unit = b.state.units[U]
    assert (unit.stage, unit.valid_pacts, unit.headcount) == ("building", 5, 10)
    assert str(unit.pact_coverage) == "0.5"


def test_the_headcount_comes_from_the_administrator(b: Builder) -> None:
    refuse(b, b.sign(b.heads[U], "unit.headcount_set", f"unit/{U}", {"headcount": 4}), "role_not_allowed")
    b.submit(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 12, "source": "SIASN, Juni 2020"})
    assert b.state.units[U].headcount == 12


def test_an_edition_1_unit_head_still_sets_its_headcount(legacy: Builder) -> None:
    legacy.submit(legacy.heads[U], "unit.headcount_set", f"unit/{U}", {"headcount": 12})
    assert legacy.state.units[U].headcount == 12
    refuse(
        legacy,
        legacy.sign(legacy.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 12, "source": "SIASN"}),
        "unknown_member",
        MalformedInput,
    )


# --- cases -----------------------------------------------------------------------------------------------


def test_a_case_is_opened_advanced_and_closed(b: Builder) -> None:
    opened = b.accept(case(b, "case.opened", OPENED))
    stream = f"case/{U}/perkara-1"
    assert b.state.cases[stream] == Case(
        unit=U,
        id="perkara-1",
        stage="inquiry",
        concerns="employee",
        office_id="kejari-blora",
        opened_at=opened.submission.entry.at,
        opened_index=opened.index,
    )
    assert b.state.units[U].open_cases == {stream}
    b.accept(case(b, "case.advanced", {"stage": "investigation", "text": "Naik ke penyidikan"}))
    assert b.state.cases[stream].stage == "investigation"
    closed = b.accept(case(b, "case.closed", {"outcome": "stopped", "text": "Dihentikan"}))
    record = b.state.cases[stream]
    assert (record.closed_index, record.closed_at, record.outcome) == (
        closed.index,
        closed.submission.entry.at,
        "stopped",
    )
    assert b.state.units[U].open_cases == set()


def test_a_case_may_open_at_any_stage_and_skip_one(b: Builder) -> None:
    b.accept(case(b, "case.opened", {**OPENED, "stage": "investigation"}))
    b.accept(case(b, "case.advanced", {"stage": "prosecution", "text": "Pelimpahan ke penuntutan"}))
    assert b.state.cases[f"case/{U}/perkara-1"].stage == "prosecution"


@pytest.mark.parametrize("stage", ["inquiry", "investigation"])
def test_a_case_never_goes_back_or_stays(b: Builder, stage: str) -> None:
    b.accept(case(b, "case.opened", {**OPENED, "stage": "investigation"}))
    refuse(b, case(b, "case.advanced", {"stage": stage, "text": "mundur"}), "case_stage_backwards")


def test_a_case_is_opened_once(b: Builder) -> None:
    b.accept(case(b, "case.opened", OPENED))
    refuse(b, case(b, "case.opened", OPENED), "case_exists")


@pytest.mark.parametrize(
    ("kind", "body"),
    [("case.advanced", {"stage": "investigation", "text": "x"}), ("case.closed", {"outcome": "other", "text": "x"})],
)
def test_a_step_needs_an_opened_case(b: Builder, kind: str, body: dict[str, Any]) -> None:
    refuse(b, case(b, kind, body), "unknown_case")
    b.accept(case(b, "case.opened", OPENED))
    b.accept(case(b, kind, body))


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("case.opened", OPENED),
        ("case.advanced", {"stage": "prosecution", "text": "x"}),
        ("case.closed", {"outcome": "other", "text": "x"}),
    ],
)
def test_a_closed_case_takes_no_more_entries(b: Builder, kind: str, body: dict[str, Any]) -> None:
    b.accept(case(b, "case.opened", OPENED))
    b.accept(case(b, "case.closed", {"outcome": "referred", "text": "Dilimpahkan"}))
    refuse(b, case(b, kind, body), "case_closed")
    # Another case of the same unit is its own stream.
    b.submit(b.overseer, "case.opened", f"case/{U}/perkara-2", OPENED)
    assert b.state.units[U].open_cases == {f"case/{U}/perkara-2"}


def test_only_an_overseer_in_scope_handles_a_case(b: Builder) -> None:
    refuse(b, case(b, "case.opened", OPENED, key=b.witness), "role_not_allowed")
    b.register_unit(OTHER)
    elsewhere = b.register_key("kapolres-other", "overseer", [OTHER], office=POLRES)
    refuse(b, case(b, "case.opened", OPENED, key=elsewhere), "out_of_scope")
    refuse(b, b.sign(b.overseer, "case.opened", "case/nowhere/perkara-1", OPENED), "unknown_unit")
    b.accept(case(b, "case.opened", OPENED))


def test_another_overseer_takes_a_case_further(b: Builder) -> None:
    # The police's investigation passes to the prosecutor: any overseer in scope may advance or close
    # a case, which stays with the office that opened it.
    kapolres = b.register_key("kapolres", "overseer", office=POLRES)
    b.accept(case(b, "case.opened", {**OPENED, "stage": "investigation"}, key=kapolres))
    b.accept(case(b, "case.advanced", {"stage": "prosecution", "text": "Penuntutan"}))
    assert b.state.cases[f"case/{U}/perkara-1"].office_id == "polres-blora"


def test_an_edition_1_log_has_no_cases(legacy: Builder) -> None:
    refuse(legacy, case(legacy, "case.opened", OPENED), "rules_edition")


def test_the_views_fold_an_edition_2_log_with_cases(b: Builder) -> None:
    b.accept(case(b, "case.opened", OPENED))
    b.accept(case(b, "case.closed", {"outcome": "stopped", "text": "Dihentikan"}))
    b.submit(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 12, "source": "SIASN, Juni 2020"})
    views = b.views()
    assert views.history_log is not None
    summaries = [(row["kind"], row["summary"]) for row in views.history_log if row["unit"] == U][-3:]
    assert summaries == [
        ("case.opened", {"stage": "inquiry", "concerns": "employee"}),
        ("case.closed", {"outcome": "stopped"}),
        ("unit.headcount_set", {"headcount": 12, "source": "SIASN, Juni 2020"}),
    ]
