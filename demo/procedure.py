"""The steps of the integrity-zone procedure, written as dated entries of a regency's units.

Registering a unit with its staff and keys, the declaration and its witnesses, integrity pacts,
stage advances, internal (TPI) and national (TPN) assessments with their remediation, nomination,
designation: each step a method that adds the entries the rules (DESIGN §4) expect. All variation
(names, employee numbers, scores, times of day) comes from `random.Random(seed)`, drawn in the order
the story calls the steps.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from demo.cast import (
    FEMALE_FAMILY_NAMES,
    FEMALE_NAMES,
    JOBS,
    MALE_FAMILY_NAMES,
    MALE_NAMES,
    OWN_KEYS,
    REGENT_HANDOVER,
    REMEDIATION_TEXT,
    RETIREE,
    RETIREMENTS,
    WIB,
    DemoUnit,
    digest,
    pact_digest,
)
from demo.timeline import Ref, Timeline
from ledger.entry import SCORE_AREAS, WITNESS_OFFICES
from ledger.rules import Policy, failing_checks, legacy_policy_document, parse_policy


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


class Procedure(Timeline):
    """A regency's units going through the procedure; what each unit has reached is kept in `units`."""

    def __init__(self, seed: str, origin: str) -> None:
        super().__init__(seed, origin)
        self.rng = random.Random(seed)
        self.policy_document = legacy_policy_document()  # until the edition-2 story
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

    def scores(self, track: str, weak: tuple[str, ...] = ()) -> dict[str, str]:
        """Scores that meet `track`'s thresholds, or miss them in (at least) the `weak` areas."""
        rng, weights = self.rng, self.policy.weights
        wbbm = track == "wbbm"
        for _ in range(200):
            hundredths: dict[str, int] = {}
            for area in SCORE_AREAS[:6]:
                share = rng.randint(400, 560) if area in weak else rng.randint(850 if wbbm else 800, 970)
                hundredths[area] = int(weights[area] * 100) * share // 1000
            hundredths["ipak"] = rng.randint(1200, 1540) if "ipak" in weak else rng.randint(1590, 1740)
            if "ipkp" in weak:
                hundredths["ipkp"] = rng.randint(1200, 1540) if wbbm else rng.randint(1050, 1380)
            else:
                hundredths["ipkp"] = rng.randint(1600, 1740) if wbbm else rng.randint(1450, 1700)
            if "performance" in weak:
                hundredths["performance"] = rng.randint(200, 360) if wbbm else rng.randint(120, 240)
            else:
                hundredths["performance"] = rng.randint(400, 490) if wbbm else rng.randint(300, 490)
            result = {area: f"{value // 100}.{value % 100:02d}" for area, value in hundredths.items()}
            failing = failing_checks(result, track, self.policy)
            if bool(failing) == bool(weak):
                return {area: result[area] for area in SCORE_AREAS}
        raise AssertionError(f"no {track} scores for weak areas {weak}")  # pragma: no cover

    # --- units, staff, declarations, pacts ---

    def regent_at(self, day: date) -> str:
        return "regent/1" if day < REGENT_HANDOVER else "regent/2"

    def open_unit(self, spec: DemoUnit, registered: date) -> None:
        rng = self.rng
        jobs = JOBS.get(spec.type, JOBS["other"])
        own = OWN_KEYS.get(spec.type, 3)
        doctor = spec.type == "rsud"
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
        self.register_key(keys_at, run.head_key, "unit_head", [spec.id], staff[0].name, spec.head_title)
        self.register_key(
            keys_at + timedelta(minutes=1),
            f"pact_registrar/{spec.id}",
            "pact_registrar",
            [spec.id],
            staff[1].name,
            f"Pengelola Kepegawaian, pencatat pakta integritas, {spec.short}",
        )
        for n, employee in enumerate(e for e in staff if e.own_key):
            self.register_key(
                wib(spec.declared_on - timedelta(days=3), 9) + timedelta(minutes=n),
                f"employee/{employee.number}",
                "employee",
                [spec.id],
                employee.name,
                f"{employee.job}, {spec.short}",
            )

    def declare(self, uid: str, at: datetime, witnesses_at: datetime, track: str = "wbk") -> None:
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
        regent = "witness/regent/1" if at.date() < REGENT_HANDOVER else "witness/regent/2"
        for n, office in enumerate(WITNESS_OFFICES):
            signer = regent if office == "regent" else f"witness/{office}"
            self.add(
                witnesses_at + timedelta(minutes=n),
                f"witness/{uid}",
                "declaration.witnessed",
                signer,
                {"declaration": Ref(label), "office": office},
            )

    def sign_pact(self, uid: str, employee: Employee, signed_on: date, at: datetime) -> None:
        run = self.units[uid]
        body: dict[str, Any] = {
            "employee": {"name": employee.name, "number": employee.number},
            "pact_digest": pact_digest(run.spec.name),
            "signed_on": signed_on.isoformat(),
        }
        if employee.own_key and at.date() == signed_on:
            signer = f"employee/{employee.number}"
        else:  # wet ink: the registrar records it with the scan's digest
            signer = f"pact_registrar/{uid}"
            body["document_digest"] = digest(f"{self.seed}/scan/{uid}/{employee.number}/{signed_on}")
        self.add(at, f"pact/{uid}/{employee.number}", "pact.signed", signer, body)
        run.valid.setdefault(employee.number, (employee, signed_on))

    def initial_pacts(self, uid: str, building: date | None) -> None:
        """Most sign at the ceremony; the rest over the following weeks, enough before building
        for the policy's minimum coverage (90 %); a few never sign."""
        rng, run = self.rng, self.units[uid]
        declared = run.spec.declared_on
        signers = run.spec.headcount * run.spec.pact_percent // 100
        minimum = (9 * run.spec.headcount + 9) // 10
        own = sum(e.own_key for e in run.staff)
        assert building is None or signers >= minimum, f"{uid} cannot reach building"
        at_ceremony = min(signers, max(own + 2, run.spec.headcount * rng.randint(70, 85) // 100))
        later = run.staff[at_ceremony:signers]
        for employee in run.staff[:at_ceremony]:
            if employee.own_key:
                at = wib(declared, 11) + timedelta(minutes=rng.randint(0, 240))
            else:
                at = wib(declared + timedelta(days=rng.randint(0, 2)), 13, rng.randint(0, 59))
            self.sign_pact(uid, employee, declared, at)
        if building is None:  # stalled: the late signers never bring it to the minimum
            stragglers, window = 0, 240
        else:
            stragglers = min(signers - minimum, rng.randint(0, 3))
            window = (building - declared).days - 3
        due = len(later) - stragglers
        for n, employee in enumerate(later):
            if n < due:
                signed_on = declared + timedelta(days=rng.randint(1, window))
            else:  # after building has begun
                assert building is not None
                signed_on = building + timedelta(days=rng.randint(1, 60))
            at = wib(signed_on + timedelta(days=rng.randint(0, 1)), 14, rng.randint(0, 59))
            self.sign_pact(uid, employee, signed_on, at)

    def release(self, uid: str, employee: Employee, at: datetime, reason: str) -> None:
        run = self.units[uid]
        del run.valid[employee.number]
        self.add(at, f"pact/{uid}/{employee.number}", "pact.released", f"pact_registrar/{uid}", {"reason": reason})

    # --- the stage machine ---

    def advance(
        self,
        uid: str,
        at: datetime,
        to: str,
        note: str,
        *,
        signer: str | None = None,
        basis: str | None = None,
        decree: str | None = None,
    ) -> None:
        run = self.units[uid]
        body: dict[str, Any] = {"from": run.stage, "to": to, "track": run.track, "note": note}
        if basis:
            body["basis"] = Ref(basis)
        if decree:
            body["decree"] = decree
        self.add(at, f"unit/{uid}", "stage.advanced", signer or run.head_key, body)
        run.stage = to

    def assess(self, uid: str, day: date, step: str, weak: tuple[str, ...] = ()) -> None:
        """An assessment, passed unless `weak` names areas that fall short (one item each)."""
        run = self.units[uid]
        level = "internal" if step == "lke" else "national"
        remediation = []
        for area in weak:
            run.items += 1
            item = f"{day.year}-{step}-{run.items}"
            remediation.append({"id": item, "area": area, "text": REMEDIATION_TEXT[area]})
            run.open_items.append(item)
        assessor = f"tpi/{self.rng.randint(1, 3)}" if level == "internal" else f"tpn/{self.rng.randint(1, 2)}"
        label = f"assessment/{uid}/{len(self.actions)}"
        self.add(
            wib(day, 13),
            f"unit/{uid}",
            "assessment.reviewed",
            assessor,
            {
                "level": level,
                "year": day.year,
                "track": run.track,
                "step": step,
                "scores": self.scores(run.track, weak),
                "outcome": "failed" if weak else "passed",
                "remediation": remediation,
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

    def nominate(self, uid: str, day: date) -> None:
        self.advance(
            uid,
            wib(day, 10),
            "nominated",
            "Diusulkan ke Kementerian PANRB setelah penilaian TPI memenuhi syarat",
            signer=self.regent_at(day),
            basis=self.units[uid].last_internal,
        )

    def send_back(self, uid: str, day: date) -> None:
        self.advance(
            uid,
            wib(day, 10),
            "building",
            "Hasil evaluasi TPN belum memenuhi: kembali ke pembangunan dengan rekomendasi",
            signer=f"tpn/{self.rng.randint(1, 2)}",
            basis=self.units[uid].last_national,
        )

    def designate(self, uid: str, day: date) -> None:
        track = self.units[uid].track.upper()
        self.advance(
            uid,
            wib(day, 10),
            "designated",
            f"Ditetapkan sebagai unit kerja {track}",
            signer="minister",
            basis=self.units[uid].last_field,
            decree=f"Keputusan Menteri PANRB tentang penetapan unit kerja berpredikat "
            f"WBK/WBBM tahun {day.year} (fiktif)",
        )

    def national_review(self, uid: str, days: tuple[date, date, date]) -> None:
        """Screening, desk and field evaluation, all passed."""
        for day, step in zip(days, ("screening", "desk", "field"), strict=True):
            self.assess(uid, day, step)
