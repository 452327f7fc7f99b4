"""Tests of ledger.rules.messages: refusals and failing checks as codes with parameters.

Every reason the rules raise is in the catalogue with an English and an Indonesian template over the
same parameters; a refusal carries its wire code, reason and parameters, and its English text is
rendered from them; a failing check is its English sentence and reads back into its code exactly.
"""

from __future__ import annotations

import copy
import pickle
import re
import string
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import Refused
from ledger.rules import (
    MESSAGES,
    REFUSALS,
    FailingCheck,
    failing_checks,
    fold,
    legacy_policy_document,
    parse_failing_check,
    parse_policy,
    render,
)
from ledger.rules.messages import CHECKS
from tests.builder import FAILING, LOG_TIME, PASSING_WBK, LedgerBuilder

RULES = Path(__file__).resolve().parent.parent / "ledger" / "rules"


def raised_reasons() -> set[str]:
    """Every reason the rules' source raises, read from the source rather than from the catalogue."""
    reasons = set()
    for path in RULES.glob("*.py"):
        reasons |= set(re.findall(r"\brefused\(\s*\"(\w+)\"", path.read_text(encoding="utf-8")))
    return reasons


def fields(template: str) -> dict[str, str]:
    """The parameters a template uses, with their format specs."""
    return {name: spec or "" for _, name, spec, _ in string.Formatter().parse(template) if name}


def sample(template: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in fields(template).items():
        joined = spec in (";", "or", "atau") or name in ("members", "areas", "names", "items", "scope", "outside")
        values[name] = ["a", "b"] if joined else f"<{name}>"
    return values


def test_every_raised_reason_is_in_the_catalogue_and_every_entry_is_raised() -> None:
    raised = raised_reasons()
    assert len(raised) > 50  # the scan found the rules' raises
    assert raised == set(REFUSALS)


@pytest.mark.parametrize("reason", sorted(MESSAGES))
def test_each_message_renders_in_english_and_indonesian(reason: str) -> None:
    message = MESSAGES[reason]
    assert fields(message.en).keys() == fields(message.id).keys(), "both languages use the same parameters"
    params = sample(message.en)
    english, indonesian = render(reason, params, "en"), render(reason, params, "id")
    assert english and indonesian and english != indonesian
    for value in params.values():
        shown = value[0] if isinstance(value, list) else value
        assert shown in english and shown in indonesian
    assert render(reason, params) == english  # English unless told


def test_refusal_codes_are_the_wire_codes() -> None:
    assert {message.code for message in CHECKS.values()} == {""}
    assert all(re.fullmatch(r"[a-z_]+", message.code) for message in REFUSALS.values())
    # Several rules may share a wire code; each keeps its own reason.
    assert [r for r, m in REFUSALS.items() if m.code == "track_mismatch"] == [
        "track_mismatch",
        "designated_track",
        "revoked_track",
        "wbbm_needs_wbk",
    ]


def test_lists_join_by_their_spec() -> None:
    params = {"signer": "0123456789abcdef", "role": "witness", "kind": "unit.registered", "needed": ["x", "y"]}
    assert render("role_not_allowed", params) == "signer 0123456789ab… has role witness, unit.registered needs x or y"
    assert render("role_not_allowed", params, "id") == (
        "penanda tangan 0123456789ab… berperan witness, unit.registered memerlukan x atau y"
    )


@pytest.fixture
def b() -> LedgerBuilder:
    builder = LedgerBuilder()
    builder.standard_cast()
    builder.register_unit("dinkes")
    return builder


def refusal(b: LedgerBuilder, *args: Any) -> Refused:
    with pytest.raises(Refused) as info:
        fold(b.state, b.sign(*args), LOG_TIME)
    return info.value


def test_a_refusal_carries_its_code_reason_and_params(b: LedgerBuilder) -> None:
    error = refusal(
        b, b.witness, "unit.registered", "unit/lain", {"name": "Unit lain", "type": "dinas", "headcount": 3}
    )
    assert (error.code, error.reason) == ("role_not_allowed", "role_not_allowed")
    assert error.params == {
        "signer": error.params["signer"],
        "role": "witness",
        "kind": "unit.registered",
        "needed": ["administrator"],
    }
    assert len(error.params["signer"]) == 64
    assert error.message == render(error.reason, error.params)
    assert error.message.endswith("has role witness, unit.registered needs administrator")

    # One wire code, several rules: the reason tells them apart.
    error = refusal(
        b,
        b.heads["dinkes"],
        "stage.advanced",
        "unit/dinkes",
        {"from": "registered", "to": "declared", "track": "wbbm", "note": ""},
    )
    assert (error.code, error.reason) == ("track_mismatch", "wbbm_needs_wbk")
    assert error.params == {"unit": "dinkes", "predicate": "none"}
    assert error.message == "the wbbm track needs predicate wbk, unit dinkes has none"


def test_a_thresholds_refusal_carries_each_failing_check(b: LedgerBuilder) -> None:
    b.stage("dinkes", "registered", "declared")
    b.sign_pacts("dinkes", 10)
    b.stage("dinkes", "declared", "building")
    body = {
        "level": "internal",
        "year": 2021,
        "track": "wbk",
        "step": "lke",
        "scores": FAILING,
        "outcome": "passed",
        "remediation": [],
    }
    error = refusal(b, b.tpi, "assessment.reviewed", "unit/dinkes", body)
    expected = failing_checks(FAILING, "wbk", parse_policy(legacy_policy_document()))
    assert (error.code, error.reason) == ("thresholds_not_met", "passed_below_thresholds")
    assert error.params == {"checks": [{"code": check.code, "params": dict(check.params)} for check in expected]}
    assert error.evidence["failing"] == expected
    assert error.message == "assessment marked passed misses thresholds: " + "; ".join(expected)
    indonesian = render(error.reason, error.params, "id")
    assert indonesian.startswith("penilaian yang dinyatakan lulus tidak memenuhi ambang batas: ")
    assert "ipak 12.00 di bawah" in indonesian


def test_a_failing_check_is_its_sentence_and_reads_back() -> None:
    policy = parse_policy(legacy_policy_document())
    weak_enabler = {**PASSING_WBK, "business_process": "3.10"}
    checks = failing_checks(FAILING, "wbk", policy) + failing_checks(weak_enabler, "wbbm", policy)
    assert {check.code for check in checks} == {"score_below", "share_below"}
    for check in checks:
        assert isinstance(check, str) and check == render(check.code, check.params)
        again = parse_failing_check(str(check))
        assert again is not None and (again.code, again.params) == (check.code, check.params)
        for copied in (copy.deepcopy(check), pickle.loads(pickle.dumps(check))):
            assert copied == check and (copied.code, copied.params) == (check.code, check.params)
    share = FailingCheck(
        "share_below",
        {"area": "business_process", "score": "3.10", "needed": "4.20", "share": "60.00", "weight": "7.00"},
    )
    assert share == "business_process 3.10 is below 4.20 (60.00% of 7.00)"


@pytest.mark.parametrize(
    "sentence",
    [
        "something else",
        "ipkp 11.06 is below 14.00 ",
        "ipkp 11.06 is below 14",  # not how the rules write a number
        "ipkp 11.06 is below 14.00 (60% of 7.00)",
        "IPKP 11.06 is below 14.00",
        "predicate is none, track wbbm needs wbk",  # refusals only; the views never keep it
    ],
)
def test_parse_failing_check_refuses_what_the_rules_never_write(sentence: str) -> None:
    assert parse_failing_check(sentence) is None
