"""A small ledger builder for tests: deterministic keys, entries with the right seq/prev, and the
usual steps of a unit's life, applied either to a bare rules state or to a store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.keys import encode_base64, fingerprint, private_key_from_seed, public_key_bytes
from ledger.endorsement import sign_endorsement
from ledger.entry import Submission, format_time, sign_entry
from ledger.rules import LedgerState, default_policy_document, fold, legacy_policy_document

ORIGIN = "test.integritas.example/log"
LOG_TIME = datetime(2030, 1, 1, tzinfo=UTC)

PASSING_WBK = {
    "change_management": "7.00",
    "business_process": "6.00",
    "hr_management": "8.50",
    "accountability": "8.50",
    "oversight": "13.00",
    "public_service": "8.50",
    "ipak": "16.00",
    "performance": "4.00",
    "ipkp": "15.00",
}  # total 86.50
PASSING_WBBM = {**PASSING_WBK, "ipkp": "16.00", "change_management": "7.50"}  # total 88.00
FAILING = {**PASSING_WBK, "ipak": "12.00"}

# Rules edition 2: scores are exactly the areas of the year's model (ledger/policy/default.json).
# PermenPANRB 90/2021 (cycles from 2022) has the same areas as edition 1, so the scores above pass it.
PASSING_90_2021 = {"wbk": PASSING_WBK, "wbbm": PASSING_WBBM}
PASSING_10_2019_WBK = {
    "change_management": "4.00",
    "business_process": "4.00",
    "hr_management": "12.00",
    "accountability": "8.00",
    "oversight": "12.00",
    "public_service": "8.00",
    "ipak": "14.00",
    "tlhp": "4.00",
    "ipkp": "17.00",
}  # enablers 48.00, total 83.00
PASSING_10_2019_WBBM = {
    **PASSING_10_2019_WBK,
    "change_management": "4.50",
    "business_process": "4.50",
    "hr_management": "13.00",
    "accountability": "8.50",
    "oversight": "13.00",
    "public_service": "8.50",
    "tlhp": "4.50",
    "ipkp": "18.00",
}  # enablers 52.00, total 88.50
PASSING_10_2019 = {"wbk": PASSING_10_2019_WBK, "wbbm": PASSING_10_2019_WBBM}


def passing_scores(year: int, track: str = "wbk") -> dict[str, str]:
    """Scores that pass `track` under the edition-2 default policy's model for `year`."""
    return dict((PASSING_10_2019 if year <= 2021 else PASSING_90_2021)[track])


def key_for(name: str) -> Ed25519PrivateKey:
    return private_key_from_seed(hashlib.sha256(f"test/{name}".encode()).digest())


def digest(text: str) -> str:
    return encode_base64(hashlib.sha256(text.encode()).digest())


class LedgerBuilder:
    """Builds entries against a ledger state; `apply` is where they go (pure fold by default)."""

    def __init__(
        self,
        *,
        state: LedgerState | None = None,
        apply: Callable[[Submission], Any] | None = None,
        origin: str = ORIGIN,
        start: datetime = datetime(2020, 1, 1, tzinfo=UTC),
    ) -> None:
        self.origin = origin
        self._state = state if state is not None else LedgerState(origin=origin)
        self._apply = apply or (lambda s: fold(self._state, s, LOG_TIME))
        self.clock = start
        self.root = key_for("root")
        self.national_root = key_for("national-root")  # the ministry's, outside every regency's log

    @property
    def state(self) -> LedgerState:
        return self._state

    def tick(self, days: float = 1) -> str:
        self.clock += timedelta(days=days)
        return format_time(self.clock)

    # --- entries ---------------------------------------------------------------------------------

    def entry(
        self,
        signer: Ed25519PrivateKey,
        kind: str,
        stream: str,
        body: dict[str, Any],
        *,
        at: str | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        head = self.state.streams.get(stream)
        entry = {
            "v": 1,
            "log": self.origin,
            "kind": kind,
            "stream": stream,
            "seq": 0 if head is None else head.seq + 1,
            "prev": None if head is None else encode_base64(head.leaf_hash),
            "at": at or self.tick(),
            "signer": fingerprint(signer.public_key()),
            "body": body,
        }
        entry.update(overrides)
        return entry

    def sign(
        self, signer: Ed25519PrivateKey, kind: str, stream: str, body: dict[str, Any], **kwargs: Any
    ) -> Submission:
        return sign_entry(self.entry(signer, kind, stream, body, **kwargs), signer)

    def submit(self, signer: Ed25519PrivateKey, kind: str, stream: str, body: dict[str, Any], **kwargs: Any) -> Any:
        return self._apply(self.sign(signer, kind, stream, body, **kwargs))

    # --- the usual steps ----------------------------------------------------------------------------

    def genesis(self, policy: dict[str, Any] | None = None) -> Any:
        body = {
            "name": "Test regency",
            "root_key": encode_base64(public_key_bytes(self.root.public_key())),
            "policy": policy or legacy_policy_document(),
        }
        return self.submit(self.root, "ledger.genesis", "ledger", body)

    def register_key(
        self,
        name: str,
        role: str,
        scope: list[str] | None = None,
        *,
        by: Ed25519PrivateKey | None = None,
        holder: str | None = None,
        office: dict[str, str] | None = None,
        endorse: bool = False,
    ) -> Ed25519PrivateKey:
        """Register key `name`; `office` for witness and overseer keys, `endorse` for national keys
        (the national root's endorsement, rules edition 2)."""
        key = key_for(name)
        body: dict[str, Any] = {
            "public_key": encode_base64(public_key_bytes(key.public_key())),
            "role": role,
            "scope": scope or ["*"],
            "holder": {"name": holder or name, "title": role},
        }
        if office is not None:
            body["office"] = office
        if endorse:
            body["endorsement"] = sign_endorsement(self.national_root, body)
        self.submit(by or self.root, "key.registered", f"key/{fingerprint(key.public_key())}", body)
        return key

    def standard_cast(self) -> None:
        """Genesis and one key per role, all regency-wide except the unit heads and registrars."""
        self.genesis()
        self.admin = self.register_key("admin", "administrator")
        self.regent = self.register_key("regent", "regent")
        self.witness = self.register_key("kajari-witness", "witness")
        self.tpi = self.register_key("tpi", "internal_assessor")
        self.tpn = self.register_key("tpn", "national_assessor")
        self.minister = self.register_key("minister", "minister")
        self.overseer = self.register_key("kajari", "overseer")

    # --- rules edition 2 (docs/design/rules-edition-2.md) -------------------------------------------

    def edition_2_policy(self) -> dict[str, Any]:
        """The packaged edition-2 policy with this builder's national root."""
        national_root = encode_base64(public_key_bytes(self.national_root.public_key()))
        return {**default_policy_document(), "national_root": {"value": national_root, "source": "test national root"}}

    def standard_cast_edition_2(self) -> None:
        """Genesis under the edition-2 policy, the regency's keys (witness and overseer with their
        offices) and the ministry's keys endorsed by the national root."""
        self.genesis(self.edition_2_policy())
        self.admin = self.register_key("admin", "administrator")
        self.regent = self.register_key("regent", "regent")
        self.witness = self.register_key(
            "kajari-witness", "witness", office={"id": "kejari-blora", "name": "Kejaksaan Negeri Blora"}
        )
        self.tpi = self.register_key("tpi", "internal_assessor")
        self.overseer = self.register_key(
            "kajari", "overseer", office={"id": "kejari-blora", "name": "Kejaksaan Negeri Blora"}
        )
        self.national_authority = self.register_key("kemenpanrb", "national_authority", endorse=True)
        self.tpn = self.register_key("tpn", "national_assessor", endorse=True)
        self.minister = self.register_key("minister", "minister", endorse=True)

    def open_cycle(
        self,
        year: int,
        *,
        deadline: str | None = None,
        closes_on: str | None = None,
        appeal_days: int = 7,
        quota: int = 5,
        model: str | None = None,
        **extra: Any,
    ) -> Any:
        """Open the cycle of `year` (signed by the national authority): deadline 30 June, closing 31 December."""
        body = {
            "year": year,
            "model": model or ("permenpanrb-10-2019" if year <= 2021 else "permenpanrb-90-2021"),
            "proposal_deadline": deadline or f"{year}-06-30",
            "appeal_days": appeal_days,
            "closes_on": closes_on or f"{year}-12-31",
            "quota": quota,
            **extra,
        }
        return self.submit(self.national_authority, "cycle.opened", f"cycle/{year}", body)

    def register_unit(self, unit: str, headcount: int = 10, type_: str = "dinas") -> None:
        self.submit(
            self.admin,
            "unit.registered",
            f"unit/{unit}",
            {"name": f"Unit {unit}", "type": type_, "headcount": headcount},
        )
        self.heads = getattr(self, "heads", {})
        self.registrars = getattr(self, "registrars", {})
        self.heads[unit] = self.register_key(f"head-{unit}", "unit_head", [unit], by=self.admin)
        self.registrars[unit] = self.register_key(f"registrar-{unit}", "pact_registrar", [unit], by=self.admin)

    def stage(
        self,
        unit: str,
        source: str,
        target: str,
        track: str = "wbk",
        signer: Ed25519PrivateKey | None = None,
        **extra: Any,
    ) -> Any:
        role_key = {
            ("registered", "declared"): self.heads.get(unit),
            ("declared", "building"): self.heads.get(unit),
            ("building", "nominated"): self.regent,
            ("nominated", "building"): self.tpn,
            ("nominated", "nominated"): self.regent,  # edition 2: a lapsed proposal proposed again
            ("nominated", "designated"): self.minister,
            ("designated", "declared"): self.heads.get(unit),
            ("designated", "revoked"): self.minister,
            ("revoked", "declared"): self.heads.get(unit),
        }.get((source, target), self.heads.get(unit))
        body = {"from": source, "to": target, "track": track, "note": extra.pop("note", "")}
        body.update(extra)
        return self.submit(signer or role_key, "stage.advanced", f"unit/{unit}", body)

    def sign_pacts(self, unit: str, count: int, start: int = 0, occasion: str | None = None) -> None:
        """Pacts of employees start..start+count-1; `occasion` (edition 2) says when they were signed
        (default in an edition-2 log: the unit's own ceremony)."""
        if occasion is None and self.state.policy is not None and self.state.policy.rules >= 2:
            occasion = "unit_ceremony"
        for n in range(start, start + count):
            number = f"1980010120100{n:05d}"
            body: dict[str, Any] = {
                "employee": {"name": f"Pegawai {n}", "number": number},
                "pact_digest": digest("pakta integritas"),
                "signed_on": self.clock.date().isoformat(),
            }
            if occasion is not None:
                body["occasion"] = occasion
            self.submit(self.registrars[unit], "pact.signed", f"pact/{unit}/{number}", body)

    def assess(
        self,
        unit: str,
        level: str,
        step: str,
        scores: dict[str, str],
        outcome: str,
        track: str = "wbk",
        remediation: list[dict[str, str]] | None = None,
        year: int = 2021,
        signer: Ed25519PrivateKey | None = None,
    ) -> Any:
        signer = signer or (self.tpi if level == "internal" else self.tpn)
        return self.submit(
            signer,
            "assessment.reviewed",
            f"unit/{unit}",
            {
                "level": level,
                "year": year,
                "track": track,
                "step": step,
                "scores": scores,
                "outcome": outcome,
                "remediation": remediation or [],
            },
        )

    def to_building(self, unit: str, headcount: int = 10, track: str = "wbk") -> None:
        self.register_unit(unit, headcount)
        self.stage(unit, "registered", "declared", track)
        self.sign_pacts(unit, headcount)
        self.stage(unit, "declared", "building", track)

    def to_designated(self, unit: str, track: str = "wbk") -> None:
        self.to_building(unit)
        scores = PASSING_WBK if track == "wbk" else PASSING_WBBM
        self.assess(unit, "internal", "lke", scores, "passed", track)
        self.stage(unit, "building", "nominated", track)
        for step in ("screening", "desk", "field"):
            self.assess(unit, "national", step, scores, "passed", track)
        self.stage(unit, "nominated", "designated", track)

    # --- rules edition 2: the usual steps (docs/design/rules-edition-2.md) -----------------------------

    @staticmethod
    def decree(number: str, date: str, document: str | None = None) -> dict[str, str]:
        """A decree (SK) object: number, date and the digest of the published document."""
        return {"number": number, "date": date, "document": digest(document or f"SK {number}")}

    def ensure_cycle(self, year: int) -> None:
        """Open the cycle of `year` with the builder's defaults unless it is open already."""
        if year not in self.state.cycles:
            self.open_cycle(year)

    def register_unit_edition_2(self, unit: str, headcount: int = 10, agency: str | None = None) -> None:
        body: dict[str, Any] = {"name": f"Unit {unit}", "type": "dinas", "headcount": headcount}
        if agency is not None:
            body["agency"] = agency
        self.submit(self.admin, "unit.registered", f"unit/{unit}", body)
        self.heads = getattr(self, "heads", {})
        self.registrars = getattr(self, "registrars", {})
        self.heads[unit] = self.register_key(f"head-{unit}", "unit_head", [unit], by=self.admin)
        self.registrars[unit] = self.register_key(f"registrar-{unit}", "pact_registrar", [unit], by=self.admin)

    def to_building_edition_2(
        self, unit: str, headcount: int = 10, track: str = "wbk", *, pacts: int | None = None, agency: str | None = None
    ) -> None:
        """Register, declare, sign `pacts` pacts (all by default; no coverage gate) and start building."""
        self.register_unit_edition_2(unit, headcount, agency)
        self.stage(unit, "registered", "declared", track)
        self.sign_pacts(unit, headcount if pacts is None else pacts, occasion="declaration")
        self.stage(unit, "declared", "building", track)

    def propose(self, unit: str, cycle: int, track: str = "wbk", source: str = "building", **extra: Any) -> Any:
        """The regent's proposal (usulan) of `unit` in `cycle`."""
        return self.stage(unit, source, "nominated", track, cycle=cycle, **extra)

    def screen(self, unit: str, cycle: int, outcome: str = "passed", notes: list[str] | None = None) -> Any:
        body = {"cycle": cycle, "outcome": outcome, "notes": notes if notes is not None else []}
        return self.submit(self.tpn, "screening.recorded", f"unit/{unit}", body)

    def to_nominated_edition_2(self, unit: str, year: int = 2022, track: str = "wbk", **kwargs: Any) -> None:
        """To building, a passing internal LKE of `year`'s model, and the proposal in cycle `year`."""
        self.ensure_cycle(year)
        self.to_building_edition_2(unit, track=track, **kwargs)
        self.assess(unit, "internal", "lke", passing_scores(year, track), "passed", track, year=year)
        self.propose(unit, year, track)

    def to_designated_edition_2(
        self, unit: str, year: int = 2022, track: str = "wbk", sk: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        """The whole edition-2 path: proposal, screening passed, desk and field passed, designation by decree."""
        self.to_nominated_edition_2(unit, year, track, **kwargs)
        self.screen(unit, year)
        for step in ("desk", "field"):
            self.assess(unit, "national", step, passing_scores(year, track), "passed", track, year=year)
        decree = sk or self.decree(f"SK-{unit}-{year}", self.clock.date().isoformat())
        self.stage(unit, "nominated", "designated", track, sk=decree)

    def revoke_predicate(
        self, unit: str, predicate: str, sk: dict[str, str], ground: str = "other", note: str = "test revocation"
    ) -> Any:
        body = {"predicate": predicate, "ground": ground, "sk": sk, "note": note}
        return self.submit(self.minister, "predicate.revoked", f"unit/{unit}", body)

    def monitor(
        self, unit: str, year: int, outcome: str = "maintained", signer: Ed25519PrivateKey | None = None
    ) -> Any:
        body = {"year": year, "outcome": outcome, "note": "pemantauan"}
        return self.submit(signer or self.tpn, "monitoring.recorded", f"unit/{unit}", body)
