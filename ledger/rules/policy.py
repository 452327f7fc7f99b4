"""The versioned policy (DOMAIN.md, thresholds) and the threshold checks it sets.

A policy document arrives in `ledger.genesis` and `policy.set` entries; `parse_policy` validates it
and refuses, naming the member, anything else. `failing_checks` compares scores with a track's bar
and returns each miss as a `FailingCheck`: a code with parameters whose English sentence is what
the views keep for a failed assessment, and which `parse_failing_check` reads back exactly.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

from ledger.crypto.keys import decode_base64
from ledger.entry import ALL_SCORE_AREAS, ID_PATTERN, RATIO_PATTERN, SCORE_AREAS, SCORE_PATTERN
from ledger.errors import MalformedInput
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
class ModelThresholds:
    """The bar of one predicate in one score model (edition 2; docs/design/rules-edition-2.md)."""

    total: Decimal
    enabler_share: Decimal | None  # each enabler area at least this share of its weight (90/2021)
    enablers_total: Decimal | None  # the enablers' sum at least this (10/2019)
    minimums: Mapping[str, Decimal]  # result area -> minimum score
    prior_predicate: str


@dataclass(frozen=True)
class ScoreModel:
    """An evaluation model (areas, weights, thresholds) and the cycle years it applies to."""

    id: str
    first_year: int
    last_year: int | None
    enablers: tuple[str, ...]
    results: tuple[str, ...]
    weights: Mapping[str, Decimal]
    thresholds: Mapping[str, ModelThresholds]
    sources: Mapping[str, str]

    @property
    def areas(self) -> tuple[str, ...]:
        return self.enablers + self.results

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


@dataclass(frozen=True)
class Policy:
    """The versioned policy carried by `ledger.genesis` and `policy.set` entries.

    `rules` is the rules edition (absent in the document: 1). Edition 1 reads `weights`,
    `thresholds` and `min_pact_coverage`; edition 2 reads `models` and `national_root` instead
    (docs/design/rules-edition-2.md), and leaves the edition-1 members empty.
    """

    version: int
    weights: Mapping[str, Decimal]
    thresholds: Mapping[str, TrackThresholds]
    min_pact_coverage: Decimal
    revocation_bar_days: int
    document: Mapping[str, Any]
    rules: int = 1
    national_root: bytes | None = None
    models: Mapping[str, ScoreModel] = field(default_factory=dict)

    def model_for_year(self, year: int) -> ScoreModel | None:
        """The one score model whose years include `year` (edition 2), or None."""
        found = [model for model in self.models.values() if model.covers(year)]
        return found[0] if len(found) == 1 else None


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
    rules = document.get("rules", 1)
    if rules not in (1, 2, 3) or isinstance(rules, bool):
        raise refused("policy_rules_edition", rules=rules)
    if rules >= 2:
        # Edition 3 is edition 2's policy with persons held as commitments (ledger.rules.persons).
        return _parse_edition_2(document, rules)
    allowed = {"version", "name", "note", "weights", "thresholds", "min_pact_coverage", "revocation_bar_days"}
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise refused("policy_unknown_members", members=unknown)
    version = _version(document)
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
    return Policy(version, weights, thresholds, coverage, _bar_days(document), document)


def _version(document: Mapping[str, Any]) -> int:
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise refused("policy_version_invalid")
    return version


def _bar_days(document: Mapping[str, Any]) -> int:
    bar = _sourced(document, "revocation_bar_days")
    if not isinstance(bar, int) or isinstance(bar, bool) or not 0 <= bar <= 36500:
        raise refused("policy_bar_days")
    return bar


_EDITION_2_MEMBERS = {"version", "rules", "name", "note", "national_root", "models", "revocation_bar_days"}
_MODEL_MEMBERS = {"years", "enablers", "results", "weights", "thresholds", "sources"}
_MODEL_THRESHOLD_MEMBERS = {"total", "enabler_share", "enablers_total", "minimums", "prior_predicate"}


def _parse_edition_2(document: Mapping[str, Any], rules: int = 2) -> Policy:
    unknown = sorted(set(document) - _EDITION_2_MEMBERS)
    if unknown:
        raise refused("policy_unknown_members", members=unknown)
    version = _version(document)
    national_root = None
    if "national_root" in document:
        root_text = _sourced(document, "national_root")
        try:
            national_root = decode_base64(root_text, size=32, what="policy.national_root")
        except MalformedInput as exc:
            raise refused("policy_national_root") from exc
    models_doc = _sourced(document, "models")
    if not isinstance(models_doc, dict) or not models_doc:
        raise refused("policy_models")
    models = {model_id: _parse_model(model_id, doc) for model_id, doc in sorted(models_doc.items())}
    ordered = sorted(models.values(), key=lambda m: m.first_year)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.last_year is None or earlier.last_year >= later.first_year:
            raise refused("policy_models_overlap", first=earlier.id, second=later.id)
    return Policy(
        version=version,
        weights={},
        thresholds={},
        min_pact_coverage=Decimal(0),
        revocation_bar_days=_bar_days(document),
        document=document,
        rules=rules,
        national_root=national_root,
        models=models,
    )


def _parse_model(model_id: str, doc: Any) -> ScoreModel:
    where = f"policy.models.{model_id}"
    if not ID_PATTERN.fullmatch(model_id) or not isinstance(doc, dict) or set(doc) != _MODEL_MEMBERS:
        raise refused("policy_model_members", model=model_id, names=sorted(_MODEL_MEMBERS))
    years = doc["years"]
    if (
        not isinstance(years, list)
        or len(years) != 2
        or not _is_year(years[0])
        or not (years[1] is None or (_is_year(years[1]) and years[1] >= years[0]))
    ):
        raise refused("policy_model_years", model=model_id)
    enablers, results = doc["enablers"], doc["results"]
    for group in (enablers, results):
        if not isinstance(group, list) or not group or not all(a in ALL_SCORE_AREAS for a in group):
            raise refused("policy_model_areas", model=model_id, areas=list(ALL_SCORE_AREAS))
    areas = (*enablers, *results)
    if len(set(areas)) != len(areas):
        raise refused("policy_model_areas", model=model_id, areas=list(ALL_SCORE_AREAS))
    weights_doc = doc["weights"]
    if not isinstance(weights_doc, dict) or set(weights_doc) != set(areas):
        raise refused("policy_weights_areas", areas=list(areas))
    weights = {area: _decimal(weights_doc[area], f"{where}.weights.{area}") for area in areas}
    thresholds_doc = doc["thresholds"]
    if not isinstance(thresholds_doc, dict) or set(thresholds_doc) != {"wbk", "wbbm"}:
        raise refused("policy_thresholds_tracks")
    thresholds = {}
    for track, bar in sorted(thresholds_doc.items()):
        if (
            not isinstance(bar, dict)
            or not {"total", "minimums", "prior_predicate"} <= set(bar) <= _MODEL_THRESHOLD_MEMBERS
        ):
            raise refused("policy_threshold_members", track=track, names=sorted(_MODEL_THRESHOLD_MEMBERS))
        if bar["prior_predicate"] not in ("none", "wbk"):
            raise refused("policy_prior_predicate", track=track)
        minimums = bar["minimums"]
        if not isinstance(minimums, dict) or not set(minimums) <= set(results):
            raise refused("policy_model_areas", model=model_id, areas=list(results))
        share = bar.get("enabler_share")
        thresholds[track] = ModelThresholds(
            total=_decimal(bar["total"], f"{where}.thresholds.{track}.total"),
            enabler_share=None
            if share is None
            else _decimal(share, f"{where}.thresholds.{track}.enabler_share", RATIO_PATTERN),
            enablers_total=None
            if bar.get("enablers_total") is None
            else _decimal(bar["enablers_total"], f"{where}.thresholds.{track}.enablers_total"),
            minimums={a: _decimal(v, f"{where}.thresholds.{track}.minimums.{a}") for a, v in sorted(minimums.items())},
            prior_predicate=bar["prior_predicate"],
        )
        if thresholds[track].enabler_share is not None and thresholds[track].enabler_share > 1:  # type: ignore[operator]
            raise refused("policy_share_above_one", track=track)
    sources = doc["sources"]
    if (
        not isinstance(sources, dict)
        or not sources
        or not all(isinstance(v, str) and v.strip() for v in sources.values())
    ):
        raise refused("policy_source_missing", name=f"{where}.sources")
    return ScoreModel(model_id, years[0], years[1], tuple(enablers), tuple(results), weights, thresholds, dict(sources))


def _is_year(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2999


def _policy_file(name: str) -> dict[str, Any]:
    text = resources.files("ledger").joinpath(f"policy/{name}").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def default_policy_document() -> dict[str, Any]:
    """The packaged default policy for new ledgers (ledger/policy/default.json, rules edition 2)."""
    return _policy_file("default.json")


def legacy_policy_document() -> dict[str, Any]:
    """The edition-1 policy (ledger/policy/edition-1.json): the rules every log before edition 2 was written under."""
    return _policy_file("edition-1.json")


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
    """Each threshold of `track` that `scores` miss under an edition-1 policy, naming both numbers.

    Edition 1's bar is a score model of its own (the 90/2021 areas, a share of each enabler's
    weight, minimums for IPAK, IPKP and performance), so the checks and their sentences are the
    edition-2 model's, in the same order: total, each enabler, then ipak, ipkp, performance.
    """
    return model_failing_checks(scores, track, edition_1_model(policy))


def edition_1_model(policy: Policy) -> ScoreModel:
    """An edition-1 policy's weights and thresholds as a score model (valid for every year)."""
    thresholds = {
        track: ModelThresholds(
            total=bar.total,
            enabler_share=bar.enabler_share,
            enablers_total=None,
            minimums={"ipak": bar.ipak, "ipkp": bar.ipkp, "performance": bar.performance},
            prior_predicate=bar.prior_predicate,
        )
        for track, bar in policy.thresholds.items()
    }
    results = ("ipak", "ipkp", "performance")  # the order edition 1 always checked them in
    return ScoreModel("edition-1", 1900, None, ENABLER_AREAS, results, policy.weights, thresholds, {})


def model_total(scores: Mapping[str, str], model: ScoreModel) -> Decimal:
    """The total under a score model (edition 2): the sum of the model's areas."""
    return sum((Decimal(scores[area]) for area in model.areas), Decimal("0.00"))


def model_failing_checks(scores: Mapping[str, str], track: str, model: ScoreModel) -> list[FailingCheck]:
    """Each threshold of `track` in `model` that `scores` miss (edition 2; the scores are the model's areas).

    90/2021 sets a share of each enabler's weight (`enabler_share`), 10/2019 a minimum for the
    enablers' sum (`enablers_total`); a model may set either or both (ledger/policy/default.json
    cites each number's source).
    """
    bar = model.thresholds[track]
    failures = []
    total = model_total(scores, model)
    if total < bar.total:
        failures.append(FailingCheck("score_below", {"area": "total", "score": f"{total}", "needed": f"{bar.total}"}))
    if bar.enablers_total is not None:
        enablers = sum((Decimal(scores[area]) for area in model.enablers), Decimal("0.00"))
        if enablers < bar.enablers_total:
            params = {"score": f"{enablers}", "needed": f"{bar.enablers_total}"}
            failures.append(FailingCheck("enablers_total_below", params))
    if bar.enabler_share is not None:
        for area in model.enablers:
            needed = model.weights[area] * bar.enabler_share
            if Decimal(scores[area]) < needed:
                share = f"{bar.enabler_share:.2%}".removesuffix("%")
                params = {
                    "area": area,
                    "score": scores[area],
                    "needed": _score_text(needed),
                    "share": share,
                    "weight": f"{model.weights[area]}",
                }
                failures.append(FailingCheck("share_below", params))
    for area in model.results:
        minimum = bar.minimums.get(area)
        if minimum is not None and Decimal(scores[area]) < minimum:
            failures.append(FailingCheck("score_below", {"area": area, "score": scores[area], "needed": f"{minimum}"}))
    return failures


def predicate_check(predicate: str, track: str, needed: str) -> FailingCheck:
    """The check a nomination or designation fails when the unit lacks the track's prior predicate."""
    return FailingCheck("predicate_mismatch", {"predicate": predicate, "track": track, "needed": needed})


# The exact inverse of the two score sentences above, for the views, which keep only the sentence.
_ENABLERS_SENTENCE = re.compile(r"enablers total (?P<score>[0-9]+\.[0-9]+) is below (?P<needed>[0-9]+\.[0-9]+)")
_SCORE_SENTENCE = re.compile(
    r"(?P<area>[a-z_]+) (?P<score>[0-9]+\.[0-9]+) is below (?P<needed>[0-9]+\.[0-9]+)"
    r"(?: \((?P<share>[0-9]+\.[0-9]{2})% of (?P<weight>[0-9]+\.[0-9]+)\))?"
)


def parse_failing_check(sentence: str) -> FailingCheck | None:
    """The failing check whose English sentence is `sentence`, or None if it is not one."""
    enablers = _ENABLERS_SENTENCE.fullmatch(sentence)
    if enablers is not None:
        check = FailingCheck("enablers_total_below", enablers.groupdict())
        return check if check == sentence else None
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
