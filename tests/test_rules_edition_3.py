"""Rules edition 3: persons named by pseudonym and salted commitment (docs/contract/personal-data.md).

Each rule's acceptance has its refusal beside it; an edition-2 log refuses edition 3's forms, so
logs written before keep accepting and refusing what they did.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes
from ledger.errors import MalformedInput, VerificationFailed
from ledger.personal import (
    Disclosure,
    PersonalData,
    compute_commitment,
    format_auditor_file,
    make_disclosure,
    parse_auditor_file,
    verify_disclosure,
)
from tests.builder import LedgerBuilder, digest, key_for
from tests.test_rules import accept, refuse

U = "dinkes"


def committed(disclosure: Disclosure) -> dict[str, str]:
    return {"person": disclosure.person, "commitment": disclosure.commitment}


def pact_body(disclosure: Disclosure, **extra: Any) -> dict[str, Any]:
    return {
        "employee": committed(disclosure),
        "pact_digest": digest("pakta integritas"),
        "signed_on": "2022-03-01",
        "occasion": "unit_ceremony",
        **extra,
    }


def edition_3(b: LedgerBuilder) -> None:
    """Raise the builder's edition-2 log to edition 3 by policy.set (the upgrade path)."""
    accept(b, b.sign(b.admin, "policy.set", "ledger", {"policy": {**b.edition_2_policy(), "version": 2, "rules": 3}}))


@pytest.fixture
def b() -> LedgerBuilder:
    builder = LedgerBuilder(start=datetime(2022, 1, 1, tzinfo=UTC))
    builder.standard_cast_edition_2()
    builder.register_unit(U)
    edition_3(builder)
    return builder


@pytest.fixture
def ani() -> Disclosure:
    return make_disclosure(PersonalData("Ani Lestari (fiktif)", "198001012010012001"))


# --- the commitment itself -----------------------------------------------------------------------


def test_the_commitment_is_hmac_sha256_of_the_canonical_data_under_the_salt() -> None:
    salt = bytes(range(32))
    data = PersonalData("Budi Santoso", "198001012010011001")
    # Written out without ledger.canonical: RFC 8785 of {"name","number"} is sorted, compact JSON.
    message = json.dumps(
        {"number": "198001012010011001", "name": "Budi Santoso"}, sort_keys=True, separators=(",", ":")
    )
    expected = encode_base64(hmac.new(salt, message.encode(), hashlib.sha256).digest())
    assert compute_commitment(salt, data) == expected
    assert compute_commitment(salt, PersonalData("Budi Santoso")) != expected  # the number is committed to


@pytest.mark.parametrize(
    "altered",
    [
        PersonalData("Budi Santosa", "198001012010011001"),
        PersonalData("Budi Santoso", "198001012010011002"),
        PersonalData("Budi Santoso"),
    ],
)
def test_altered_personal_data_does_not_open_the_commitment(altered: PersonalData) -> None:
    original = make_disclosure(PersonalData("Budi Santoso", "198001012010011001"))
    verify_disclosure(original, original.commitment)
    forged = Disclosure(original.person, altered, original.salt)
    with pytest.raises(VerificationFailed) as info:
        verify_disclosure(forged, original.commitment)
    assert info.value.code == "personal_data_mismatch"


def test_another_salt_does_not_open_the_commitment() -> None:
    original = make_disclosure(PersonalData("Budi Santoso", "198001012010011001"))
    with pytest.raises(VerificationFailed):
        verify_disclosure(Disclosure(original.person, original.data, bytes(32)), original.commitment)


def test_pseudonyms_are_random_and_salts_differ() -> None:
    data = PersonalData("Budi Santoso", "198001012010011001")
    first, second = make_disclosure(data), make_disclosure(data)
    assert first.person != second.person and first.salt != second.salt
    assert first.commitment != second.commitment  # the same person under two salts: unlinkable


def test_disclosures_and_the_auditor_file_round_trip_and_refuse_bad_shapes(ani: Disclosure) -> None:
    assert Disclosure.from_json(ani.to_json()) == ani
    assert parse_auditor_file(format_auditor_file([ani])) == [ani]
    for bad in (
        {**ani.to_json(), "extra": 1},
        {**ani.to_json(), "person": "198001012010012001"},
        {**ani.to_json(), "salt": encode_base64(bytes(16))},
        {**ani.to_json(), "data": {"name": ""}},
        {**ani.to_json(), "data": {"name": "A", "nik": "1"}},
    ):
        with pytest.raises(MalformedInput):
            Disclosure.from_json(bad)


# --- the rules ------------------------------------------------------------------------------------


def test_a_committed_pact_is_accepted_on_the_pseudonym_stream(b: LedgerBuilder, ani: Disclosure) -> None:
    accept(b, b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{ani.person}", pact_body(ani)))
    assert b.state.units[U].valid_pacts == 1
    person = b.state.persons[ani.person]
    assert person.commitment == ani.commitment and person.erased_index is None
    pact = b.state.units[U].pacts[ani.person]
    assert "Ani" not in pact.employee_name  # the state holds the pseudonym, never the name


def test_edition_3_refuses_a_name_in_clear(b: LedgerBuilder) -> None:
    body = {
        "employee": {"name": "Ani Lestari (fiktif)", "number": "198001012010012001"},
        "pact_digest": digest("pakta integritas"),
        "signed_on": "2022-03-01",
        "occasion": "unit_ceremony",
    }
    refuse(b, b.sign(b.registrars[U], "pact.signed", f"pact/{U}/198001012010012001", body), "personal_data_in_clear")
    key = key_for("clear-holder")
    key_body = {
        "public_key": encode_base64(public_key_bytes(key.public_key())),
        "role": "regent",
        "scope": ["*"],
        "holder": {"name": "Nama Terang", "title": "Bupati"},
    }
    refuse(
        b, b.sign(b.admin, "key.registered", f"key/{fingerprint(key.public_key())}", key_body), "personal_data_in_clear"
    )


def test_a_pact_on_another_pseudonyms_stream_is_refused(b: LedgerBuilder, ani: Disclosure) -> None:
    other = make_disclosure(PersonalData("Lain (fiktif)", "198001012010012002"))
    refuse(b, b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{other.person}", pact_body(ani)), "employee_mismatch")


def test_a_person_keeps_one_commitment(b: LedgerBuilder, ani: Disclosure) -> None:
    accept(b, b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{ani.person}", pact_body(ani)))
    resalted = Disclosure(ani.person, ani.data, bytes(32))
    refuse(
        b,
        b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{ani.person}", pact_body(resalted, occasion="yearly")),
        "person_commitment_mismatch",
    )
    accept(b, b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{ani.person}", pact_body(ani, occasion="yearly")))


def test_an_employee_key_signs_only_its_holders_pact(b: LedgerBuilder, ani: Disclosure) -> None:
    key = key_for("ani")
    body = {
        "public_key": encode_base64(public_key_bytes(key.public_key())),
        "role": "employee",
        "scope": [U],
        "holder": {**committed(ani), "title": "Staf"},
    }
    accept(b, b.sign(b.admin, "key.registered", f"key/{fingerprint(key.public_key())}", body))
    assert b.state.keys[fingerprint(key.public_key())].holder_name == ani.person
    other = make_disclosure(PersonalData("Lain (fiktif)", "198001012010012002"))
    refuse(b, b.sign(key, "pact.signed", f"pact/{U}/{other.person}", pact_body(other)), "employee_mismatch")
    accept(b, b.sign(key, "pact.signed", f"pact/{U}/{ani.person}", pact_body(ani)))


def test_erasure_is_an_administrators_entry_about_a_logged_person(b: LedgerBuilder, ani: Disclosure) -> None:
    basis = {"basis": "permintaan subjek data"}
    refuse(b, b.sign(b.admin, "personal_data.erased", f"person/{ani.person}", basis), "person_not_in_log")
    accept(b, b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{ani.person}", pact_body(ani)))
    refuse(b, b.sign(b.regent, "personal_data.erased", f"person/{ani.person}", basis), "role_not_allowed")
    accept(b, b.sign(b.admin, "personal_data.erased", f"person/{ani.person}", basis))
    assert b.state.persons[ani.person].erased_index is not None
    # The erased pseudonym names no one any more: no later entry may name it, nor erase it twice.
    refuse(
        b,
        b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{ani.person}", pact_body(ani, occasion="yearly")),
        "person_erased",
    )
    refuse(b, b.sign(b.admin, "personal_data.erased", f"person/{ani.person}", basis), "person_erased")
    # The pact itself stays: coverage and history are not personal data.
    assert b.state.units[U].valid_pacts == 1


def test_a_case_may_name_its_subject_by_commitment(b: LedgerBuilder, ani: Disclosure) -> None:
    body = {"stage": "inquiry", "concerns": "employee", "text": "Contoh fiktif", "person": committed(ani)}
    accept(b, b.sign(b.overseer, "case.opened", f"case/{U}/contoh-1", body))
    assert b.state.persons[ani.person].indices == [b.state.size - 1]


# --- earlier editions keep their forms ------------------------------------------------------------


@pytest.fixture
def b2() -> LedgerBuilder:
    builder = LedgerBuilder(start=datetime(2022, 1, 1, tzinfo=UTC))
    builder.standard_cast_edition_2()
    builder.register_unit(U)
    return builder


def test_edition_2_refuses_edition_3s_forms_and_kind(b2: LedgerBuilder, ani: Disclosure) -> None:
    refuse(
        b2,
        b2.sign(b2.registrars[U], "pact.signed", f"pact/{U}/{ani.person}", pact_body(ani)),
        "rules_edition",
    )
    refuse(b2, b2.sign(b2.admin, "personal_data.erased", f"person/{ani.person}", {"basis": "x"}), "rules_edition")
    body = {"stage": "inquiry", "concerns": "employee", "text": "Contoh fiktif", "person": committed(ani)}
    refuse(b2, b2.sign(b2.overseer, "case.opened", f"case/{U}/contoh-1", body), "rules_edition")
    b2.sign_pacts(U, 1)  # and its own form still passes
    assert b2.state.units[U].valid_pacts == 1


def test_edition_1_refuses_the_committed_holder() -> None:
    b1 = LedgerBuilder()
    b1.standard_cast()
    d = make_disclosure(PersonalData("Nama (fiktif)"))
    key = key_for("edition-1-holder")
    body = {
        "public_key": encode_base64(public_key_bytes(key.public_key())),
        "role": "regent",
        "scope": ["*"],
        "holder": {**committed(d), "title": "Bupati"},
    }
    refuse(b1, b1.sign(b1.admin, "key.registered", f"key/{fingerprint(key.public_key())}", body), "rules_edition")


def test_the_contracts_commitment_vector() -> None:
    """docs/contract/personal-data.md's vector, for signers in other languages."""
    salt = bytes(range(32))
    assert encode_base64(salt) == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    data = PersonalData("Siti Aminah (fiktif)", "198001012010012001")
    assert compute_commitment(salt, data) == "irdK+pwoa7xLWExOmjlM+HxbMnRl00JpqVYnlxnkZUI="
    assert compute_commitment(salt, PersonalData(data.name)) == "YpobOOp7NSEUOgXYQ8MTvqq7FMXGcHsSQfzdGXX4riU="
