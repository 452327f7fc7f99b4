"""Tests of the policy (ledger/policy/default.json, `parse_policy`, `policy.set`): DESIGN §4, DOMAIN.md.

The policy holds the DOMAIN.md thresholds, `min_pact_coverage` and `revocation_bar_days`, each with
its source. It is strict: anything it does not know, or a number in the wrong form, is refused with
code `invalid_policy`. A `policy.set` entry replaces it from that entry on.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from ledger.canonical import load_json
from ledger.crypto.keys import encode_base64, public_key_bytes
from ledger.entry import SCORE_AREAS, Submission, format_time, parse_time
from ledger.errors import LedgerError, MalformedInput, Refused
from ledger.rules import Policy, default_policy_document, fold, legacy_policy_document, parse_policy
from tests.builder import LOG_TIME, PASSING_WBK, LedgerBuilder

U = "dinkes"
DECIMAL_STRING = re.compile(r"\d+\.\d+")


@pytest.fixture
def b() -> LedgerBuilder:
    builder = LedgerBuilder()
    builder.standard_cast()
    return builder


def refuse(b: LedgerBuilder, submission: Submission, code: str) -> Refused:
    before = copy.deepcopy(b.state)
    with pytest.raises(LedgerError) as info:
        fold(b.state, submission, LOG_TIME)
    assert type(info.value) is Refused, f"{type(info.value).__name__}: {info.value}"
    assert info.value.code == code, info.value.message
    assert b.state == before
    return info.value


def policy_doc(version: int = 2, **changes: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = legacy_policy_document()
    document["version"] = version
    for change in changes.values():
        change(document)
    return document


def set_coverage(value: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["min_pact_coverage"]["value"] = value

    return change


def policy_set(b: LedgerBuilder, document: dict[str, Any], signer: Any = None) -> Submission:
    return b.sign(signer or b.admin, "policy.set", "ledger", {"policy": document})


def stage(b: LedgerBuilder, source: str, target: str, **kwargs: Any) -> Submission:
    signer = {"building": b.heads[U], "nominated": b.regent, "revoked": b.minister}[target]
    body = {"from": source, "to": target, "track": "wbk", "note": kwargs.pop("note", "")}
    return b.sign(signer, "stage.advanced", f"unit/{U}", body, **kwargs)


# --- the default policy --------------------------------------------------------------------------


def test_default_policy_parses() -> None:
    policy = parse_policy(legacy_policy_document())
    assert isinstance(policy, Policy) and policy.version == 1
    assert policy.weights == {
        "change_management": Decimal("8"),
        "business_process": Decimal("7"),
        "hr_management": Decimal("10"),
        "accountability": Decimal("10"),
        "oversight": Decimal("15"),
        "public_service": Decimal("10"),
        "ipak": Decimal("17.5"),
        "performance": Decimal("5"),
        "ipkp": Decimal("17.5"),
    }
    assert sum(policy.weights.values()) == 100
    wbk, wbbm = policy.thresholds["wbk"], policy.thresholds["wbbm"]
    # DOMAIN.md, thresholds for a designation.
    assert (wbk.total, wbk.enabler_share, wbk.ipak, wbk.ipkp, wbk.performance, wbk.prior_predicate) == (
        Decimal("75"),
        Decimal("0.60"),
        Decimal("15.75"),
        Decimal("14"),
        Decimal("2.5"),
        "none",
    )
    assert (wbbm.total, wbbm.enabler_share, wbbm.ipak, wbbm.ipkp, wbbm.performance, wbbm.prior_predicate) == (
        Decimal("85"),
        Decimal("0.75"),
        Decimal("15.75"),
        Decimal("15.75"),
        Decimal("3.75"),
        "wbk",
    )
    assert policy.min_pact_coverage == Decimal("0.90")
    assert policy.revocation_bar_days == 730


def test_default_policy_file_is_the_packaged_document() -> None:
    text = resources.files("ledger").joinpath("policy/default.json").read_text(encoding="utf-8")
    assert load_json(text) == default_policy_document()  # no floats, no duplicate members


def test_edition_1_policy_file_is_the_packaged_legacy_document() -> None:
    text = resources.files("ledger").joinpath("policy/edition-1.json").read_text(encoding="utf-8")
    assert load_json(text) == legacy_policy_document()  # no floats, no duplicate members


def _unsourced_numbers(node: Any, path: str, sourced: bool) -> list[str]:
    if isinstance(node, dict):
        if set(node) == {"value", "source"}:
            assert isinstance(node["source"], str) and node["source"].strip(), f"{path}.source is empty"
            return _unsourced_numbers(node["value"], path, True)
        return [n for key, value in node.items() for n in _unsourced_numbers(value, f"{path}.{key}", sourced)]
    is_number = isinstance(node, int) or (isinstance(node, str) and DECIMAL_STRING.fullmatch(node) is not None)
    return [path] if is_number and not sourced else []


def test_every_number_of_the_default_policy_has_a_source() -> None:
    document = legacy_policy_document()
    body = {k: v for k, v in document.items() if k != "version"}
    assert _unsourced_numbers(body, "policy", False) == []
    # And each named item carries its own source.
    assert document["weights"]["source"]
    for track in ("wbk", "wbbm"):
        for name in ("total", "enabler_share", "ipak", "ipkp", "performance", "prior_predicate"):
            assert document["thresholds"][track][name]["source"].strip()
    assert document["min_pact_coverage"]["source"].strip()
    assert document["revocation_bar_days"]["source"].strip()
    # DOMAIN.md: numbers seen only in secondary sources say so.
    assert document["thresholds"]["wbk"]["total"]["source"].startswith("unconfirmed")
    assert document["thresholds"]["wbbm"]["total"]["source"].startswith("unconfirmed")


# --- parse_policy refuses ----------------------------------------------------------------------


def _edit(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set (or, with value `...`, delete) the member at a dotted path."""
    *parents, last = path.split(".")

    def change(document: dict[str, Any]) -> None:
        node = document
        for name in parents:
            node = node[name]
        if value is ...:
            del node[last]
        else:
            node[last] = value

    return change


INVALID = {
    # missing or empty sources
    "weights without source": _edit("weights", legacy_policy_document()["weights"]["value"]),
    "weights source missing": _edit("weights.source", ...),
    "total source missing": _edit("thresholds.wbk.total.source", ...),
    "enabler_share source missing": _edit("thresholds.wbbm.enabler_share.source", ...),
    "prior_predicate source missing": _edit("thresholds.wbbm.prior_predicate.source", ...),
    "coverage source missing": _edit("min_pact_coverage.source", ...),
    "bar source missing": _edit("revocation_bar_days.source", ...),
    "source empty": _edit("thresholds.wbk.ipak.source", "   "),
    "source not a string": _edit("thresholds.wbk.ipak.source", 1),
    "coverage bare number": _edit("min_pact_coverage", "0.90"),
    # unknown or missing members
    "unknown member": _edit("bonus", {"value": "1.00", "source": "x"}),
    "unknown member of a sourced item": _edit("thresholds.wbk.ipkp.unit", "points"),
    "unknown threshold": _edit("thresholds.wbk.integrity", {"value": "1.00", "source": "x"}),
    "third track": _edit("thresholds.zi", {}),
    "missing track": _edit("thresholds.wbbm", ...),
    "missing threshold": _edit("thresholds.wbk.ipak", ...),
    "missing weight": _edit("weights.value.ipkp", ...),
    "unknown weight": _edit("weights.value.integrity", "1.00"),
    "missing coverage": _edit("min_pact_coverage", ...),
    "missing bar": _edit("revocation_bar_days", ...),
    "missing thresholds": _edit("thresholds", ...),
    "missing version": _edit("version", ...),
    # numbers in the wrong form
    "total without fraction": _edit("thresholds.wbk.total.value", "75"),
    "total one fraction digit": _edit("thresholds.wbk.total.value", "75.0"),
    "total three fraction digits": _edit("thresholds.wbk.total.value", "75.000"),
    "total leading zero": _edit("thresholds.wbk.total.value", "075.00"),
    "total plus sign": _edit("thresholds.wbk.total.value", "+75.00"),
    "total negative": _edit("thresholds.wbk.total.value", "-75.00"),
    "total spaces": _edit("thresholds.wbk.total.value", " 75.00"),
    "total comma": _edit("thresholds.wbk.total.value", "75,00"),
    "total exponent": _edit("thresholds.wbk.total.value", "7.5e1"),
    "total float": _edit("thresholds.wbk.total.value", 75.0),
    "total integer": _edit("thresholds.wbk.total.value", 75),
    "weight float": _edit("weights.value.ipak", 17.5),
    "weight one fraction digit": _edit("weights.value.ipak", "17.5"),
    "share percent": _edit("thresholds.wbk.enabler_share.value", "60%"),
    "share no leading digit": _edit("thresholds.wbk.enabler_share.value", ".60"),
    "share five fraction digits": _edit("thresholds.wbk.enabler_share.value", "0.60000"),
    "share whole number": _edit("thresholds.wbk.enabler_share.value", "60"),
    "share float": _edit("thresholds.wbk.enabler_share.value", 0.6),
    "coverage float": _edit("min_pact_coverage.value", 0.9),
    "coverage comma": _edit("min_pact_coverage.value", "0,90"),
    "coverage above 1": _edit("min_pact_coverage.value", "1.01"),
    "coverage above 1 by a little": _edit("min_pact_coverage.value", "1.0001"),
    "coverage 2": _edit("min_pact_coverage.value", "2.0"),
    "bar string": _edit("revocation_bar_days.value", "730"),
    "bar negative": _edit("revocation_bar_days.value", -1),
    "bar boolean": _edit("revocation_bar_days.value", True),
    "bar float": _edit("revocation_bar_days.value", 730.0),
    "bar a century": _edit("revocation_bar_days.value", 36501),
    "version zero": _edit("version", 0),
    "version string": _edit("version", "1"),
    "version boolean": _edit("version", True),
    "prior predicate wbbm": _edit("thresholds.wbbm.prior_predicate.value", "wbbm"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_parse_policy_refuses(case: str) -> None:
    document = legacy_policy_document()
    INVALID[case](document)
    with pytest.raises(LedgerError) as info:
        parse_policy(document)
    assert type(info.value) is Refused and info.value.code == "invalid_policy", info.value


@pytest.mark.parametrize("document", [None, [], "policy", 1])
def test_parse_policy_refuses_a_non_object(document: Any) -> None:
    with pytest.raises(Refused) as info:
        parse_policy(document)
    assert info.value.code == "invalid_policy"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("min_pact_coverage.value", "1.0000"),
        ("min_pact_coverage.value", "0.0"),
        ("thresholds.wbk.enabler_share.value", "0.6"),
        ("revocation_bar_days.value", 0),
        ("name", ...),
        ("note", ...),
    ],
)
def test_parse_policy_accepts_edges(path: str, value: Any) -> None:
    document = legacy_policy_document()
    _edit(path, value)(document)
    parse_policy(document)


def test_parse_policy_refuses_an_enabler_share_above_one() -> None:
    document = legacy_policy_document()
    document["thresholds"]["wbk"]["enabler_share"]["value"] = "1.50"
    with pytest.raises(Refused) as info:
        parse_policy(document)
    assert info.value.code == "invalid_policy"


def test_a_float_cannot_reach_the_policy_on_the_wire() -> None:
    with pytest.raises(MalformedInput) as info:
        load_json(json.dumps({"min_pact_coverage": {"value": 0.9, "source": "x"}}))
    assert info.value.code == "float_not_allowed"


def test_genesis_with_an_invalid_policy_is_refused() -> None:
    b = LedgerBuilder()
    document = legacy_policy_document()
    del document["min_pact_coverage"]["source"]
    body = {
        "name": "Test regency",
        "root_key": encode_base64(public_key_bytes(b.root.public_key())),
        "policy": document,
    }
    refuse(b, b.sign(b.root, "ledger.genesis", "ledger", body), "invalid_policy")
    assert b.state.size == 0 and b.state.policy is None


# --- policy.set ---------------------------------------------------------------------------------


def test_policy_set_by_an_administrator_replaces_the_policy(b: LedgerBuilder) -> None:
    decision = fold(b.state, policy_set(b, policy_doc(2, c=set_coverage("0.75"))), LOG_TIME)
    assert b.state.policy is not None
    assert (b.state.policy.version, b.state.policy.min_pact_coverage) == (2, Decimal("0.75"))
    assert decision.policy == b.state.policy
    assert b.state.streams["ledger"].leaf_hash == decision.submission.leaf_hash
    fold(b.state, policy_set(b, policy_doc(5), signer=b.root), LOG_TIME)  # versions may skip
    assert b.state.policy.version == 5


def test_policy_set_needs_a_higher_version(b: LedgerBuilder) -> None:
    refuse(b, policy_set(b, policy_doc(1, c=set_coverage("0.50"))), "invalid_policy")
    fold(b.state, policy_set(b, policy_doc(3)), LOG_TIME)
    refuse(b, policy_set(b, policy_doc(3)), "invalid_policy")
    refuse(b, policy_set(b, policy_doc(2)), "invalid_policy")
    fold(b.state, policy_set(b, policy_doc(4)), LOG_TIME)


@pytest.mark.parametrize("role", ["regent", "minister", "tpi", "tpn", "witness", "overseer", "unit_head"])
def test_policy_set_needs_an_administrator(b: LedgerBuilder, role: str) -> None:
    b.register_unit(U)
    signer = b.heads[U] if role == "unit_head" else getattr(b, role)
    refuse(b, policy_set(b, policy_doc(2), signer=signer), "role_not_allowed")


def test_policy_set_with_an_invalid_policy_is_refused(b: LedgerBuilder) -> None:
    refuse(b, policy_set(b, policy_doc(2, c=set_coverage("1.50"))), "invalid_policy")
    assert b.state.policy is not None and b.state.policy.version == 1


def test_new_min_pact_coverage_applies_to_later_transitions(b: LedgerBuilder) -> None:
    b.register_unit(U, headcount=10)
    b.stage(U, "registered", "declared")
    b.sign_pacts(U, 5)
    refuse(b, stage(b, "declared", "building"), "pact_coverage_too_low")  # 0.50 < 0.90
    fold(b.state, policy_set(b, policy_doc(2, c=set_coverage("0.50"))), LOG_TIME)
    fold(b.state, stage(b, "declared", "building"), LOG_TIME)
    assert b.state.units[U].stage == "building"
    # Raised to 1: nine pacts of ten, enough under the default, are now too few.
    other = "dukcapil"
    fold(b.state, policy_set(b, policy_doc(3, c=set_coverage("1.00"))), LOG_TIME)
    b.register_unit(other, headcount=10)
    b.stage(other, "registered", "declared")
    b.sign_pacts(other, 9)
    body = {"from": "declared", "to": "building", "track": "wbk", "note": ""}
    refuse(b, b.sign(b.heads[other], "stage.advanced", f"unit/{other}", body), "pact_coverage_too_low")
    b.sign_pacts(other, 1, start=9)
    fold(b.state, b.sign(b.heads[other], "stage.advanced", f"unit/{other}", body), LOG_TIME)
    assert b.state.units[other].stage == "building"


def test_new_thresholds_apply_to_later_assessments(b: LedgerBuilder) -> None:
    b.to_building(U)
    stricter = _edit("thresholds.wbk.total.value", "90.00")
    fold(b.state, policy_set(b, policy_doc(2, t=stricter)), LOG_TIME)
    body = {
        "level": "internal",
        "year": 2021,
        "track": "wbk",
        "step": "lke",
        "scores": PASSING_WBK,
        "outcome": "passed",
        "remediation": [],
    }
    error = refuse(b, b.sign(b.tpi, "assessment.reviewed", f"unit/{U}", body), "thresholds_not_met")
    assert error.evidence["failing"] == ["total 86.50 is below 90.00"]
    fold(b.state, b.sign(b.tpi, "assessment.reviewed", f"unit/{U}", {**body, "outcome": "failed"}), LOG_TIME)
    internal = b.state.units[U].internal
    assert internal is not None and internal.failing == ("total 86.50 is below 90.00",)


def test_new_weights_bound_later_scores(b: LedgerBuilder) -> None:
    b.to_building(U)
    lower = _edit("weights.value.performance", "4.00")
    fold(b.state, policy_set(b, policy_doc(2, w=lower)), LOG_TIME)
    body = {
        "level": "internal",
        "year": 2021,
        "track": "wbk",
        "step": "lke",
        "scores": PASSING_WBK,
        "outcome": "failed",
        "remediation": [],
    }
    fold(b.state, b.sign(b.tpi, "assessment.reviewed", f"unit/{U}", body), LOG_TIME)  # performance 4.00
    scores = {**PASSING_WBK, "performance": "4.01"}
    refuse(b, b.sign(b.tpi, "assessment.reviewed", f"unit/{U}", {**body, "scores": scores}), "score_out_of_range")


def test_new_revocation_bar_applies_to_later_revocations(b: LedgerBuilder) -> None:
    b.to_designated(U)
    fold(b.state, policy_set(b, policy_doc(2, r=_edit("revocation_bar_days.value", 365))), LOG_TIME)
    sub = stage(b, "designated", "revoked", note="unit head named a suspect")
    fold(b.state, sub, LOG_TIME)
    expected = format_time(parse_time(sub.entry.at) + timedelta(days=365))
    assert b.state.units[U].barred_until == expected


def test_weights_name_every_score_area() -> None:
    assert set(legacy_policy_document()["weights"]["value"]) == set(SCORE_AREAS)
