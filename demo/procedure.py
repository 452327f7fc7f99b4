"""The steps of the integrity-zone procedure under rules edition 2, written as dated entries.

Registering a unit with its staff and keys, the declaration and its witnesses, integrity pacts with
their occasion, stage advances, internal (TPI) assessments and remediation, the yearly cycle's
nomination, screening, appeal, desk and field evaluation, designation by decree, monitoring,
revocation of a predicate and structured cases: each step a method that adds the entries the rules
(docs/design/rules-edition-2.md) expect. All variation (names, employee numbers, scores, times of
day) comes from `random.Random(seed)`, drawn in the order the story calls the steps.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from demo.cast import (
    FEMALE_FAMILY_NAMES,
    FEMALE_NAMES,
    JOBS,
    MALE_FAMILY_NAMES,
    MALE_NAMES,
    OWN_KEYS,
    REGENT_HANDOVER,
    REGENT_HANDOVER_2025,
    REMEDIATION_TEXT,
    RETIREE,
    RETIREMENTS,
    WIB,
    WITNESS_OFFICES_BLORA,
    DemoUnit,
    digest,
    pact_digest,
)
from demo.timeline import Ref, Timeline
from ledger.crypto.keys import encode_base64, public_key_bytes
from ledger.rules import Policy, ScoreModel, default_policy_document, parse_policy


@dataclass
class Employee:
    """A civil servant of a unit; `own_key` if they sign their pacts with their own key."""

    name: str
    number: str  # NIP: birth date, appointment (TMT CPNS) month, sex, sequence
    job: str
    own_key: bool = False

    @property
    def born(self) -> date:
        return date.fromisoformat(f"{self.number[:4]}-{self.number[4:6]}-{self.number[6:8]}")


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    """A time of day in Blora, on the story's calendar."""
    return datetime.combine(day, time(hour, minute), tzinfo=WIB)


@dataclass
class UnitRun:
    """What the story needs to remember of a unit while writing it."""

    spec: DemoUnit
    staff: list[Employee]
    headcount: int
    stage: str = "registered"
    track: str = "wbk"
    head_key: str = ""
    declarations: int = 0
    valid: dict[str, tuple[Employee, date]] = field(default_factory=dict)  # number -> first signed
    open_items: list[str] = field(default_factory=list)
    items: int = 0
    last_internal: str = ""
    last_national: str = ""
    last_field: str = ""
    predicate: str = "none"
    cycle: int | None = None  # the cycle of the unit's current proposal


def decree(seed: str, number: str, day: date) -> dict[str, str]:
    """A decree object (SK): its number, date and the SHA-256 of the published document, which the
    demo stands in for with a digest of the number."""
    return {"number": number, "date": day.isoformat(), "document": digest(f"{seed}/sk/{number}")}


def model_failures(scores: dict[str, str], track: str, model: ScoreModel) -> list[str]:
    """The thresholds of `model` for `track` that `scores` miss (the story's own check that a
    passed assessment clears the bar and a failed one does not; the rules check it again)."""
    bar = model.thresholds[track]
    values = {area: Decimal(scores[area]) for area in model.areas}
    failures = []
    if sum(values.values()) < bar.total:
        failures.append("total")
    if bar.enablers_total is not None and sum(values[a] for a in model.enablers) < bar.enablers_total:
        failures.append("enablers_total")
    if bar.enabler_share is not None:
        failures += [a for a in model.enablers if values[a] < model.weights[a] * bar.enabler_share]
    failures += [area for area, minimum in bar.minimums.items() if values[area] < minimum]
    return failures


class Procedure(Timeline):
    """A regency's units going through the procedure; what each unit has reached is kept in `units`."""

    def __init__(self, seed: str, origin: str) -> None:
        super().__init__(seed, origin)
        self.rng = random.Random(seed)
        national_root = encode_base64(public_key_bytes(self.key("national-root").public_key()))
        self.policy_document = {
            **default_policy_document(),
            "rules": 3,  # persons as salted commitments (docs/contract/personal-data.md)
            "national_root": {
                "value": national_root,
                "source": "Demo: the national authority's root key, derived from the demo seed (not KemenPANRB's)",
            },
        }
        self.policy: Policy = parse_policy(self.policy_document)
        self.units: dict[str, UnitRun] = {}
        self._names: set[str] = set()
        self._numbers: set[str] = set()

    # --- people ---

    def person_name(self, sex: int) -> str:
        first, family = (MALE_NAMES, MALE_FAMILY_NAMES) if sex == 1 else (FEMALE_NAMES, FEMALE_FAMILY_NAMES)
        while True:
            parts = [self.rng.choice(first)]
            if self.rng.random() < 0.4:
                parts.append(self.rng.choice(first))
            parts.append(self.rng.choice(family))
            name = " ".join(parts)
            if name not in self._names and len(set(parts)) == len(parts):
                self._names.add(name)
                return name

    def employee(
        self, job: str, *, born: int | None = None, appointed: date | None = None, prefix: str = "", suffix: str = ""
    ) -> Employee:
        """A civil servant with an 18-digit NIP: YYYYMMDD birth, YYYYMM appointment, sex, seq."""
        rng = self.rng
        sex = rng.choice((1, 2))
        year = born if born is not None else rng.randint(1963, 1996)
        birth = date(year, rng.randint(1, 12), rng.randint(1, 28))
        if appointed is None:
            appointed = date(rng.randint(year + 22, min(year + 35, 2019)), rng.choice((1, 3, 4, 12)), 1)
        stem = f"{birth:%Y%m%d}{appointed:%Y%m}{sex}"
        sequence = 1
        while f"{stem}{sequence:03d}" in self._numbers:
            sequence += 1
        number = f"{stem}{sequence:03d}"
        self._numbers.add(number)
        return Employee(f"{prefix}{self.person_name(sex)}{suffix}", number, job)

    # --- scores ---

    def model(self, year: int) -> ScoreModel:
        model = self.policy.model_for_year(year)
        assert model is not None, f"no score model for {year}"
        return model

    def scores(self, year: int, track: str, weak: tuple[str, ...] = ()) -> dict[str, str]:
        """Scores in the areas of `year`'s model that clear `track`'s bar, or miss it in (at least)
        the `weak` areas: each area a share of its weight."""
        rng, model = self.rng, self.model(year)
        assert set(weak) <= set(model.areas), f"{weak} are not areas of {model.id}"
        for _ in range(200):
            result = {}
            for area in model.areas:
                share = rng.randint(400, 550) if area in weak else rng.randint(910, 990)
                hundredths = int(model.weights[area] * 100) * share // 1000
                result[area] = f"{hundredths // 100}.{hundredths % 100:02d}"
            if bool(model_failures(result, track, model)) == bool(weak):
                return result
        raise AssertionError(f"no {track} scores for weak areas {weak}")  # pragma: no cover

    # --- units, staff, declarations, pacts ---

    def regent_at(self, day: date) -> str:
        if day < REGENT_HANDOVER:
            return "regent/1"
        return "regent/2" if day < REGENT_HANDOVER_2025 else "regent/3"

    def open_unit(self, spec: DemoUnit, registered: date) -> None:
        rng = self.rng
        jobs = JOBS.get(spec.type, JOBS["other"])
        own = OWN_KEYS.get(spec.type, 3)
        doctor = spec.type in ("rsud", "puskesmas")
        staff = [
            self.employee(
                spec.head_title,
                born=rng.randint(1964, 1976),
                prefix="dr. " if doctor else "",
                suffix=", M.Kes." if doctor else "",
            ),
            self.employee(f"Pengelola Kepegawaian, {spec.short}"),
        ]
        staff += [
            self.employee(rng.choice(jobs), born=RETIREMENTS.get(spec.id) if n == RETIREE else None)
            for n in range(2, spec.headcount)
        ]
        for employee in staff[2 : 2 + own]:
            employee.own_key = True
        run = UnitRun(spec, staff, spec.headcount, head_key=f"unit_head/{spec.id}")
        self.units[spec.id] = run
        index = len(self.units)
        at = wib(registered, 9) + timedelta(minutes=3 * index)
        self.add(
            at,
            f"unit/{spec.id}",
            "unit.registered",
            "admin",
            {"name": spec.name, "type": spec.type, "headcount": spec.headcount},
        )
        keys_at = wib(registered + timedelta(days=1), 9) + timedelta(minutes=3 * index)
        self.register_key(
            keys_at, run.head_key, "unit_head", [spec.id], staff[0].name, spec.head_title, number=staff[0].number
        )
        self.register_key(
            keys_at + timedelta(minutes=1),
            f"pact_registrar/{spec.id}",
            "pact_registrar",
            [spec.id],
            staff[1].name,
            f"Pengelola Kepegawaian, pencatat pakta integritas, {spec.short}",
            number=staff[1].number,
        )
        for n, employee in enumerate(e for e in staff if e.own_key):
            self.register_key(
                wib(spec.declared_on - timedelta(days=3), 9) + timedelta(minutes=n),
                f"employee/{employee.number}",
                "employee",
                [spec.id],
                employee.name,
                f"{employee.job}, {spec.short}",
                number=employee.number,
            )

    def witness_key(self, office: str, day: date) -> str:
        if office != "regent":
            return f"witness/{office}"
        return "witness/" + self.regent_at(day)

    def declare(self, uid: str, at: datetime, witnesses_at: datetime, track: str = "wbk") -> None:
        """The unit head declares; the regent, the Forkopimda, the Inspektur (and a hospital's
        supervisory board) witness it, each with the office of its key."""
        run = self.units[uid]
        run.declarations += 1
        label = f"declaration/{uid}/{run.declarations}"
        note = (
            "Pencanangan pembangunan Zona Integritas menuju WBK"
            if track == "wbk"
            else "Pencanangan pembangunan Zona Integritas menuju WBBM"
        )
        self.add(
            at,
            f"unit/{uid}",
            "stage.advanced",
            run.head_key,
            {"from": run.stage, "to": "declared", "track": track, "note": note},
            label,
        )
        run.stage, run.track = "declared", track
        offices = [office for office in WITNESS_OFFICES_BLORA if not office.units or uid in office.units]
        for n, office in enumerate(offices):
            self.add(
                witnesses_at + timedelta(minutes=n),
                f"witness/{uid}",
                "declaration.witnessed",
                self.witness_key(office.key, at.date()),
                {"declaration": Ref(label)},
            )

    def sign_pact(self, uid: str, employee: Employee, signed_on: date, at: datetime, occasion: str) -> None:
        run = self.units[uid]
        body: dict[str, Any] = {
            "employee": self.person(employee.name, employee.number),
            "pact_digest": pact_digest(run.spec.name),
            "signed_on": signed_on.isoformat(),
            "occasion": occasion,
        }
        if employee.own_key and at.date() == signed_on:
            signer = f"employee/{employee.number}"
        else:  # wet ink: the registrar records it with the scan's digest
            signer = f"pact_registrar/{uid}"
            body["document_digest"] = digest(f"{self.seed}/scan/{uid}/{employee.number}/{signed_on}")
        self.add(at, f"pact/{uid}/{body['employee']['person']}", "pact.signed", signer, body)
        run.valid.setdefault(employee.number, (employee, signed_on))

    def initial_pacts(self, uid: str, head_at: datetime, ceremony: date) -> None:
        """The head signs at the declaration (occasion `declaration`); the employees at the unit's
        own ceremony on `ceremony` and, for some, at follow-up sittings in the weeks after
        (`unit_ceremony`); the unit's `pact_percent` of its staff ever sign."""
        rng, run = self.rng, self.units[uid]
        head = run.staff[0]
        self.sign_pact(uid, head, head_at.date(), head_at + timedelta(minutes=30), "declaration")
        signers = run.spec.headcount * run.spec.pact_percent // 100
        own = sum(e.own_key for e in run.staff)
        at_ceremony = min(signers, max(own + 2, run.spec.headcount * rng.randint(75, 90) // 100))
        for employee in run.staff[1:at_ceremony]:
            if employee.own_key:
                at = wib(ceremony, 10) + timedelta(minutes=rng.randint(0, 240))
            else:
                at = wib(ceremony + timedelta(days=rng.randint(0, 2)), 13, rng.randint(0, 59))
            self.sign_pact(uid, employee, ceremony, at, "unit_ceremony")
        for employee in run.staff[at_ceremony:signers]:
            signed_on = ceremony + timedelta(days=rng.randint(7, 60))
            at = wib(signed_on + timedelta(days=rng.randint(0, 1)), 14, rng.randint(0, 59))
            self.sign_pact(uid, employee, signed_on, at, "unit_ceremony")

    def resign_all(self, uid: str, day: date, occasion: str) -> None:
        """Everyone with a valid pact signs it again (the yearly re-signing, or a new track)."""
        run = self.units[uid]
        signers = [employee for employee, first in run.valid.values() if first < day]
        for n, employee in enumerate(signers):
            if employee.own_key:
                at = wib(day, 11) + timedelta(minutes=n % 240)
            else:
                at = wib(day + timedelta(days=1 + n % 10), 13, n % 60)
            self.sign_pact(uid, employee, day, at, occasion)

    def release(self, uid: str, employee: Employee, at: datetime, reason: str) -> None:
        run = self.units[uid]
        del run.valid[employee.number]
        stream = f"pact/{uid}/{self.person(employee.name, employee.number)['person']}"
        self.add(at, stream, "pact.released", f"pact_registrar/{uid}", {"reason": reason})

    def set_headcount(self, uid: str, at: datetime, change: int, source: str) -> None:
        """The administrator sets the headcount from the civil-service roster (edition 2)."""
        run = self.units[uid]
        run.headcount += change
        self.add(at, f"unit/{uid}", "unit.headcount_set", "admin", {"headcount": run.headcount, "source": source})

    # --- the stage machine ---

    def advance(self, uid: str, at: datetime, to: str, note: str, *, signer: str | None = None, **members: Any) -> None:
        run = self.units[uid]
        body: dict[str, Any] = {"from": run.stage, "to": to, "track": run.track, "note": note}
        for name, value in members.items():
            if value:
                body[name] = Ref(value) if name == "basis" else value
        self.add(at, f"unit/{uid}", "stage.advanced", signer or run.head_key, body)
        run.stage = to

    def assess(self, uid: str, day: date, step: str, weak: tuple[str, ...] = (), *, year: int | None = None) -> None:
        """An LKE (TPI) or a desk or field evaluation (TPN) of `year` (the cycle's; by default the
        day's), passed unless `weak` names areas that fall short (one remediation item each)."""
        run = self.units[uid]
        year = year or day.year
        level = "internal" if step == "lke" else "national"
        remediation = []
        for area in weak:
            run.items += 1
            item = f"{day.year}-{step}-{run.items}"
            remediation.append({"id": item, "area": area, "text": REMEDIATION_TEXT[area]})
            run.open_items.append(item)
        assessor = f"tpi/{self.rng.randint(1, 3)}" if level == "internal" else f"tpn/{self.rng.randint(1, 2)}"
        label = f"assessment/{uid}/{len(self.actions)}"
        evidence = {
            "workbook": digest(f"{self.seed}/lke/{uid}/{year}/{step}"),
            "documents": {"root": digest(f"{self.seed}/documents/{uid}/{year}/{step}"), "count": 40 + len(label) % 20},
        }
        self.add(
            wib(day, 13),
            f"unit/{uid}",
            "assessment.reviewed",
            assessor,
            {
                "level": level,
                "year": year,
                "track": run.track,
                "step": step,
                "scores": self.scores(year, run.track, weak),
                "outcome": "failed" if weak else "passed",
                "remediation": remediation,
                "evidence": evidence,
            },
            label,
        )
        if level == "internal":
            run.last_internal = label
        else:
            run.last_national = label
        if step == "field":
            run.last_field = label

    def complete(self, uid: str, day: date, count: int | None = None) -> None:
        """The unit head completes the oldest `count` open items (all by default)."""
        run = self.units[uid]
        count = len(run.open_items) if count is None else count
        done, run.open_items = run.open_items[:count], run.open_items[count:]
        for n, item in enumerate(done):
            evidence = [digest(f"{self.seed}/evidence/{uid}/{item}/{k}") for k in range(1 + n % 3)]
            self.add(
                wib(day, 10, n),
                f"unit/{uid}",
                "remediation.completed",
                run.head_key,
                {"item": item, "evidence": evidence},
            )

    # --- the yearly cycle: nomination, screening, appeal, desk and field, decree ---

    def open_cycle(self, year: int, quota: int) -> None:
        """The national authority opens the year's cycle: proposals until 30 June, a 7-day appeal
        window, closing on 31 December."""
        self.add(
            wib(date(year, 1, 15), 9),
            f"cycle/{year}",
            "cycle.opened",
            "national_authority",
            {
                "year": year,
                "model": self.model(year).id,
                "proposal_deadline": f"{year}-06-30",
                "appeal_days": 7,
                "closes_on": f"{year}-12-31",
                "quota": quota,
            },
        )

    def nominate(self, uid: str, day: date) -> None:
        """The regent proposes the unit in the cycle of `day`'s year, with the signed SPTJM."""
        run = self.units[uid]
        lapsed = run.stage == "nominated"
        note = (
            "Diusulkan kembali ke Kementerian PANRB: usulan siklus sebelumnya lewat waktu"
            if lapsed
            else "Diusulkan ke Kementerian PANRB setelah penilaian TPI memenuhi syarat"
        )
        run.cycle = day.year
        self.advance(
            uid,
            wib(day, 10),
            "nominated",
            note,
            signer=self.regent_at(day),
            basis=run.last_internal,
            cycle=day.year,
            statement=digest(f"{self.seed}/sptjm/{uid}/{day.year}"),
        )

    def screen(self, uid: str, day: date, outcome: str = "passed", notes: tuple[str, ...] = ()) -> None:
        """The TPN's administrative screening: a document check with its notes."""
        run = self.units[uid]
        self.add(
            wib(day, 13),
            f"unit/{uid}",
            "screening.recorded",
            f"tpn/{self.rng.randint(1, 2)}",
            {"cycle": run.cycle, "outcome": outcome, "notes": list(notes)},
            f"screening/{uid}/{run.cycle}",
        )
        run.last_national = f"screening/{uid}/{run.cycle}"

    def appeal(self, uid: str, filed: date, decided: date, outcome: str, text: str, note: str) -> None:
        """The unit head's appeal (sanggah) within the window, and the TPN's final decision."""
        run = self.units[uid]
        documents = [digest(f"{self.seed}/appeal/{uid}/{run.cycle}/{k}") for k in range(2)]
        self.add(
            wib(filed, 10),
            f"unit/{uid}",
            "appeal.filed",
            run.head_key,
            {"cycle": run.cycle, "text": text, "documents": documents},
        )
        self.add(
            wib(decided, 13),
            f"unit/{uid}",
            "appeal.decided",
            f"tpn/{self.rng.randint(1, 2)}",
            {"cycle": run.cycle, "outcome": outcome, "note": note},
            f"appeal/{uid}/{run.cycle}",
        )
        run.last_national = f"appeal/{uid}/{run.cycle}"

    def evaluate(self, uid: str, desk: date, field_day: date | None) -> None:
        """The TPN's desk evaluation and, if dated, its field evaluation, both passed."""
        year = self.units[uid].cycle
        self.assess(uid, desk, "desk", year=year)
        if field_day is not None:
            self.assess(uid, field_day, "field", year=year)

    def send_back(self, uid: str, day: date) -> None:
        self.advance(
            uid,
            wib(day, 10),
            "building",
            "Hasil evaluasi TPN belum memenuhi: kembali ke pembangunan dengan rekomendasi",
            signer=f"tpn/{self.rng.randint(1, 2)}",
            basis=self.units[uid].last_national,
        )
        self.units[uid].cycle = None

    def designate(self, uid: str, sk: dict[str, str], minute: int = 0) -> None:
        """The minister designates the unit by decree `sk` (one decree may name several units)."""
        run = self.units[uid]
        day = date.fromisoformat(sk["date"])
        self.advance(
            uid,
            wib(day, 10, minute),
            "designated",
            f"Ditetapkan sebagai unit kerja berpredikat {run.track.upper()}",
            signer="minister",
            basis=run.last_field,
            sk=sk,
        )
        run.predicate, run.cycle = run.track, None

    def revoke_predicate(self, uid: str, sk: dict[str, str], ground: str, note: str, basis: str) -> None:
        """The minister revokes the predicate the unit holds, whatever its stage."""
        run = self.units[uid]
        day = date.fromisoformat(sk["date"])
        self.add(
            wib(day, 10),
            f"unit/{uid}",
            "predicate.revoked",
            "minister",
            {"predicate": run.predicate, "ground": ground, "sk": sk, "note": note, "basis": Ref(basis)},
        )
        run.predicate, run.stage = "none", "revoked"

    def monitor(self, uid: str, day: date, outcome: str, note: str) -> None:
        """The yearly monitoring (pemantauan) of a unit that holds a predicate, by the TPI."""
        self.add(
            wib(day, 13),
            f"unit/{uid}",
            "monitoring.recorded",
            f"tpi/{self.rng.randint(1, 3)}",
            {"year": day.year, "outcome": outcome, "note": note},
        )

    # --- cases ---

    def case(self, uid: str, case_id: str, overseer: str, steps: list[tuple[date, str, dict[str, str]]]) -> str:
        """A structured case at a unit, opened, advanced and perhaps closed by an overseer; returns
        the label of its opening entry."""
        stream = f"case/{uid}/{case_id}"
        opened = f"case/{uid}/{case_id}/opened"
        for n, (day, kind, body) in enumerate(steps):
            self.add(wib(day, 11), stream, kind, f"overseer/{overseer}", body, opened if n == 0 else None)
        return opened
