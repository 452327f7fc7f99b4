"""The versioned policy (DOMAIN.md, thresholds) and the threshold checks it sets.

A policy document arrives in `ledger.genesis` and `policy.set` entries; `parse_policy` validates it
and refuses, naming the member, anything else. `failing_checks` compares scores with a track's bar
and returns each miss as a `FailingCheck`: a code with parameters whose English sentence is what
the views keep for a failed assessment, and which `parse_failing_check` reads back exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

from ledger.entry import RATIO_PATTERN, SCORE_AREAS, SCORE_PATTERN
from ledger.rules.messages import refused, render

ENABLER_AREAS = SCORE_AREAS[:6]


@dataclass(frozen=True)
class TrackThresholds:
    """The bar a unit must clear for one predicate (DOMAIN.md, thresholds)."""

    total: Decimal
    enabler_share: Decimal
    ipak: Decimal
    ipkp: Decimal
    performance: Decimal
    prior_predicate: str


@dataclass(frozen=True)
class Policy:
    """The versioned policy carried by `ledger.genesis` and `policy.set` entries."""

    version: int
    weights: Mapping[str, Decimal]
    thresholds: Mapping[str, TrackThresholds]
    min_pact_coverage: Decimal
    revocation_bar_days: int
    document: Mapping[str, Any]


def _sourced(document: Mapping[str, Any], name: str) -> Any:
    item = document.get(name)
    if not isinstance(item, dict) or set(item) != {"value", "source"}:
        raise refused("policy_member_not_sourced", name=name)
    if not isinstance(item["source"], str) or not item["source"].strip():
        raise refused("policy_source_missing", name=name)
    return item["value"]


def _decimal(value: Any, where: str, pattern: Any = SCORE_PATTERN) -> Decimal:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise refused("policy_not_decimal", where=where, value=value)
    return Decimal(value)


def parse_policy(document: Any) -> Policy:
    """Validate a policy document and return it; raise `Refused` (code `invalid_policy`)."""
    if not isinstance(document, dict):
        raise refused("policy_not_object")
    allowed = {"version", "name", "note", "weights", "thresholds", "min_pact_coverage", "revocation_bar_days"}
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise refused("policy_unknown_members", members=unknown)
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise refused("policy_version_invalid")
    weights_doc = _sourced(document, "weights")
    if not isinstance(weights_doc, dict) or set(weights_doc) != set(SCORE_AREAS):
        raise refused("policy_weights_areas", areas=list(SCORE_AREAS))
    weights = {area: _decimal(weights_doc[area], f"policy.weights.{area}") for area in SCORE_AREAS}
    thresholds_doc = document.get("thresholds")
    if not isinstance(thresholds_doc, dict) or set(thresholds_doc) != {"wbk", "wbbm"}:
        raise refused("policy_thresholds_tracks")
    thresholds = {}
    for track, doc in thresholds_doc.items():
        names = {"total", "enabler_share", "ipak", "ipkp", "performance", "prior_predicate"}
        if not isinstance(doc, dict) or set(doc) != names:
            raise refused("policy_threshold_members", track=track, names=sorted(names))
        prior = _sourced(doc, "prior_predicate")
        if prior not in ("none", "wbk"):
            raise refused("policy_prior_predicate", track=track)
        thresholds[track] = TrackThresholds(
            total=_decimal(_sourced(doc, "total"), f"policy.thresholds.{track}.total"),
            enabler_share=_decimal(
                _sourced(doc, "enabler_share"), f"policy.thresholds.{track}.enabler_share", RATIO_PATTERN
            ),
            ipak=_decimal(_sourced(doc, "ipak"), f"policy.thresholds.{track}.ipak"),
            ipkp=_decimal(_sourced(doc, "ipkp"), f"policy.thresholds.{track}.ipkp"),
            performance=_decimal(_sourced(doc, "performance"), f"policy.thresholds.{track}.performance"),
            prior_predicate=prior,
        )
    for track, bar in thresholds.items():
        if bar.enabler_share > 1:
            raise refused("policy_share_above_one", track=track)
    coverage = _decimal(_sourced(document, "min_pact_coverage"), "policy.min_pact_coverage", RATIO_PATTERN)
    if coverage > 1:
        raise refused("policy_coverage_above_one")
    bar = _sourced(document, "revocation_bar_days")
    if not isinstance(bar, int) or isinstance(bar, bool) or not 0 <= bar <= 36500:
        raise refused("policy_bar_days")
    return Policy(version, weights, thresholds, coverage, bar, document)


def default_policy_document() -> dict[str, Any]:
    """The packaged default policy (ledger/policy/default.json) as JSON."""
    text = resources.files("ledger").joinpath("policy/default.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def compute_total(scores: Mapping[str, str]) -> Decimal:
    """The total score: the sum of the nine components, never taken from the submitter."""
    return sum((Decimal(scores[area]) for area in SCORE_AREAS), Decimal("0.00"))


class FailingCheck(str):
    """One missed threshold: a catalogue `code` with `params`, and, as a string, its English sentence.

    It is a string so that every place that kept the sentence (views, problem documents, digests)
    keeps exactly the same text; pages render it in their language from `code` and `params`.
    """

    code: str
    params: Mapping[str, str]

    def __new__(cls, code: str, params: Mapping[str, str]) -> FailingCheck:
        check = super().__new__(cls, render(code, params))
        check.code, check.params = code, dict(params)
        return check

    def __getnewargs__(self) -> tuple[str, Mapping[str, str]]:  # type: ignore[override]
        return self.code, self.params

    def as_message(self) -> dict[str, Any]:
        """The check as a plain value, as it travels in a refusal's params."""
        return {"code": self.code, "params": dict(self.params)}


def failing_checks(scores: Mapping[str, str], track: str, policy: Policy) -> list[FailingCheck]:
    """Each threshold of `track` that `scores` miss, naming both numbers."""
    bar = policy.thresholds[track]
    failures = []
    total = compute_total(scores)
    if total < bar.total:
        failures.append(FailingCheck("score_below", {"area": "total", "score": f"{total}", "needed": f"{bar.total}"}))
    for area in ENABLER_AREAS:
        # Compared exactly: a rounded requirement could let a score just under the share pass.
        needed = policy.weights[area] * bar.enabler_share
        if Decimal(scores[area]) < needed:
            share = f"{bar.enabler_share:.2%}".removesuffix("%")
            params = {
                "area": area,
                "score": scores[area],
                "needed": _score_text(needed),
                "share": share,
                "weight": f"{policy.weights[area]}",
            }
            failures.append(FailingCheck("share_below", params))
    for area, minimum in (("ipak", bar.ipak), ("ipkp", bar.ipkp), ("performance", bar.performance)):
        if Decimal(scores[area]) < minimum:
            failures.append(FailingCheck("score_below", {"area": area, "score": scores[area], "needed": f"{minimum}"}))
    return failures


def predicate_check(predicate: str, track: str, needed: str) -> FailingCheck:
    """The check a nomination or designation fails when the unit lacks the track's prior predicate."""
    return FailingCheck("predicate_mismatch", {"predicate": predicate, "track": track, "needed": needed})


# The exact inverse of the two score sentences above, for the views, which keep only the sentence.
_SCORE_SENTENCE = re.compile(
    r"(?P<area>[a-z_]+) (?P<score>[0-9]+\.[0-9]+) is below (?P<needed>[0-9]+\.[0-9]+)"
    r"(?: \((?P<share>[0-9]+\.[0-9]{2})% of (?P<weight>[0-9]+\.[0-9]+)\))?"
)


def parse_failing_check(sentence: str) -> FailingCheck | None:
    """The failing check whose English sentence is `sentence`, or None if it is not one."""
    match = _SCORE_SENTENCE.fullmatch(sentence)
    if match is None:
        return None
    params = {name: value for name, value in match.groupdict().items() if value is not None}
    check = FailingCheck("share_below" if "share" in params else "score_below", params)
    return check if check == sentence else None


def _score_text(value: Decimal) -> str:
    """A score as people write it, two fraction digits, with more only when they matter."""
    cents = value.quantize(Decimal("0.01"))
    return f"{cents}" if cents == value else f"{value.normalize():f}"
