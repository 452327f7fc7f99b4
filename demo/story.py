"""The Blora demo's story: the integrity-zone history of DOMAIN.md, 2019–2026, under rules edition 2.

The regency's keys and the ministry's keys endorsed by the national root; yearly cycles opened by
the national authority (2019–2021 under PermenPANRB 10/2019, from 2022 under 90/2021); the six units
of 2019 and the 8 July 2020 ceremony (the heads sign their pacts at the regency's declaration, each
unit's employees at its own ceremony afterwards), three puskesmas from 2021; witnesses beyond the
Forkopimda; headcounts from the roster; transfers, appointments and yearly re-signing; nominations,
screenings, desk and field evaluations, batch decrees and yearly monitoring.

Real offices take only neutral or positive steps. Every adverse storyline (a failed LKE or screening,
a rejected appeal, a lapsed proposal, a case, a revocation, "concerns" at monitoring) belongs to one
of the four invented units `fiktif-...` (demo.cast.FICTIONAL_UNITS).

Every time is a fixed point of the story's calendar (Western Indonesian Time, written as UTC). The
story's structure (which unit ends where) does not depend on the seed: `DEMO_OUTCOMES` (with
demo.cast's `DEMO_UNITS`) describes it for tests and docs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from demo.cast import (
    AGENCIES_2020,
    CEREMONY_2020,
    DEMO_UNITS,
    FICTIONAL_UNITS,
    JOBS,
    KECAMATAN_2020,
    OVERSEER_OFFICES,
    PUSKESMAS_2021,
    REGENT_HANDOVER,
    REGENT_HANDOVER_2025,
    RETIREE,
    RETIREMENTS,
    UNITS_2019,
    WIB,
    WITNESS_OFFICES_BLORA,
)
from demo.procedure import Procedure, decree, wib

GENESIS_AT = datetime(2019, 1, 2, 8, 0, tzinfo=WIB)


@dataclass(frozen=True)
class DemoOutcome:
    """Where a unit stands at the end of the story."""

    stage: str
    track: str
    predicate: str
    story: str


_BUILDING = DemoOutcome("building", "wbk", "none", "declared, building, not yet proposed")


def _designated(story: str) -> DemoOutcome:
    return DemoOutcome("designated", "wbk", "wbk", story)


DEMO_OUTCOMES: dict[str, DemoOutcome] = {
    **dict.fromkeys(DEMO_UNITS, _BUILDING),
    "dpmptsp": _designated("WBK in the 2021 cycle (batch decree of 8 December 2021); monitored yearly since 2022"),
    "rsud-soeprapto": DemoOutcome(
        "designated",
        "wbbm",
        "wbbm",
        "WBK in the 2021 cycle (screening passed with notes); WBBM track from 2022; WBBM in the 2023 cycle",
    ),
    "dindukcapil": _designated("WBK in the 2022 cycle (batch decree of 7 December 2022)"),
    "kec-cepu": _designated("WBK in the 2022 cycle (screening passed with notes; batch decree of 7 December 2022)"),
    "bppkad": _designated("WBK in the 2023 cycle (batch decree of 6 December 2023)"),
    "dinkominfo": _designated("WBK in the 2024 cycle (batch decree of 4 December 2024)"),
    "pkm-blora": _designated("WBK in the 2024 cycle (batch decree of 4 December 2024)"),
    "kec-blora": _designated("WBK in the 2025 cycle (batch decree of 3 December 2025)"),
    "pkm-cepu": _designated("WBK in the 2025 cycle (screening passed with notes; batch decree of 3 December 2025)"),
    "dinsos": DemoOutcome(
        "nominated", "wbk", "none", "proposed in the 2026 cycle; screening and desk evaluation passed"
    ),
    "disdik": DemoOutcome(
        "nominated", "wbk", "none", "proposed in the 2026 cycle; screening passed with notes, desk evaluation passed"
    ),
    # The invented units carry every adverse storyline.
    "fiktif-dinas-a": DemoOutcome(
        "building",
        "wbk",
        "none",
        "WBK in 2021; WBBM track from 2023; case against its head (2024); WBK revoked in June 2025 "
        "(suspect named), barred from proposals until June 2027; declared again and building",
    ),
    "fiktif-dinas-b": DemoOutcome(
        "building",
        "wbk",
        "none",
        "building at 50 % pact coverage; failed the 2022 LKE; failed the 2023 screening, its appeal "
        "rejected, sent back; failed the 2025 LKE with one remediation item still open",
    ),
    "fiktif-puskesmas": _designated(
        "proposal of 2022 lapsed at the cycle's close; proposed again and WBK in 2023; open case since "
        "September 2025; 'concerns' at the 2025 monitoring, not monitored in 2026"
    ),
    "fiktif-kecamatan": DemoOutcome("declared", "wbk", "none", "stalled in declared since 2021: pact coverage 60 %"),
}
"""The final stage, track and predicate of every demo unit, whatever the seed."""

REVOKED_ON = date(2025, 6, 16)
"""The date of the decree that revoked fiktif-dinas-a's WBK: its bar on proposals ends
`revocation_bar_days` (730) later, on 2027-06-16."""

STORY_ENDS = date(2026, 11, 30)
"""Every entry of the story is dated before this day."""

QUOTAS = {2019: 5, 2020: 5, 2021: 5, 2022: 5, 2023: 4, 2024: 4, 2025: 4, 2026: 4}
"""Proposals per agency in each year's cycle (illustrative); 2023's four are all used."""

YEARLY_RESIGNING = {
    2024: ("dpmptsp", "dindukcapil", "kec-cepu", "bppkad", "fiktif-dinas-a", "fiktif-puskesmas"),
    2025: ("dpmptsp", "dindukcapil", "kec-cepu", "bppkad", "dinkominfo", "pkm-blora", "fiktif-dinas-a"),
    2026: ("dpmptsp", "dindukcapil", "kec-cepu", "bppkad", "dinkominfo", "pkm-blora", "kec-blora", "pkm-cepu"),
}
"""The units (holding WBK, up to ~120 staff) whose employees re-sign their pacts each January."""

MONITORED = {
    2022: ("dpmptsp", "rsud-soeprapto", "fiktif-dinas-a"),
    2023: ("dpmptsp", "rsud-soeprapto", "dindukcapil", "kec-cepu", "fiktif-dinas-a"),
    2024: ("dpmptsp", "rsud-soeprapto", "dindukcapil", "kec-cepu", "bppkad", "fiktif-dinas-a", "fiktif-puskesmas"),
    2025: ("dpmptsp", "rsud-soeprapto", "dindukcapil", "kec-cepu", "bppkad", "dinkominfo", "pkm-blora"),
    2026: (
        "dpmptsp", "rsud-soeprapto", "dindukcapil", "kec-cepu", "bppkad", "dinkominfo", "pkm-blora",
        "kec-blora", "pkm-cepu",
    ),
}  # fmt: skip
"""Which units the TPI monitors each autumn ("maintained"); fiktif-puskesmas gets "concerns" in
2025 and is not monitored in 2026."""

# fmt: off
BUILDING_2019 = {
    "dpmptsp": date(2019, 3, 25), "dindukcapil": date(2019, 3, 18), "rsud-soetijono": date(2019, 5, 6),
    "rsud-soeprapto": date(2019, 4, 22), "bppkad": date(2019, 5, 20), "dinpusip": date(2019, 6, 3),
}
# fmt: on
"""When each of the six units of 2019 began building."""


class Story(Procedure):
    """The regency's offices and the life of each unit, written as dated entries (signed by `signed()`)."""

    # --- the story ---

    def write(self) -> None:
        self.officials()
        for year, quota in QUOTAS.items():
            self.open_cycle(year, quota)
        for unit in UNITS_2019:
            self.open_unit(unit, registered=date(2019, 1, 7))
        for unit in (*AGENCIES_2020, *KECAMATAN_2020):
            self.open_unit(unit, registered=date(2020, 6, 15))
        for unit in FICTIONAL_UNITS[:2]:
            self.open_unit(unit, registered=date(2020, 7, 27))
        for unit in (*PUSKESMAS_2021, *FICTIONAL_UNITS[2:]):
            self.open_unit(unit, registered=date(2021, 3, 1))
        self.declarations()
        self.regent_handovers()
        self.staff_changes()
        self.cycles_2021_2022()
        self.cycles_2023_2026()
        self.fiktif_dinas_a()
        self.monitoring()
        self.yearly_pacts()
        self.oversight()

    # --- offices ---

    def officials(self) -> None:
        day = GENESIS_AT.date()
        self.register_key(
            wib(day, 10),
            "admin",
            "administrator",
            ["*"],
            "Tim Reformasi Birokrasi Kabupaten Blora",
            "Administrator Integritas, Bagian Organisasi Sekretariat Daerah",
            signer="root",
        )
        at = wib(date(2019, 1, 3), 9)
        step = iter(range(0, 600, 5))

        def next_at() -> datetime:
            return at + timedelta(minutes=next(step))

        regent = self.person_name(1)
        self.register_key(next_at(), "regent/1", "regent", ["*"], regent, "Bupati Blora 2016–2021")
        holders: dict[str, str] = {}
        for witness in WITNESS_OFFICES_BLORA:
            holder = regent if witness.key == "regent" else self.person_name(1)
            holders[witness.key] = holder
            name = "witness/regent/1" if witness.key == "regent" else f"witness/{witness.key}"
            title = "Bupati Blora 2016–2021" if witness.key == "regent" else witness.title
            self.register_key(next_at(), name, "witness", ["*"], holder, title, office=(witness.id, witness.name))
        # The Kajari and the Kapolres accompany units and open cases with a second key of their office.
        for office, (office_id, office_name) in OVERSEER_OFFICES.items():
            self.register_key(
                next_at(),
                f"overseer/{office}",
                "overseer",
                ["*"],
                holders[office],
                f"Pendampingan ZI, {office_name}",
                office=(office_id, office_name),
            )
        for n in (1, 2, 3):
            self.register_key(
                next_at(),
                f"tpi/{n}",
                "internal_assessor",
                ["*"],
                self.person_name(self.rng.choice((1, 2))),
                "Auditor, Tim Penilai Internal, Inspektorat Kabupaten Blora",
            )
        # The ministry's keys: the regency's administrator registers them, the national root endorses them.
        ministry = "Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi"
        national = [
            ("national_authority", "national_authority", f"Deputi Bidang Reformasi Birokrasi, {ministry}"),
            ("tpn/1", "national_assessor", f"Evaluator, Tim Penilai Nasional, {ministry}"),
            ("tpn/2", "national_assessor", f"Evaluator, Tim Penilai Nasional, {ministry}"),
            ("minister", "minister", f"Menteri, {ministry}"),
        ]
        for name, role, title in national:
            holder = self.person_name(self.rng.choice((1, 2)))
            self.register_key(next_at(), name, role, ["*"], holder, title, endorsed_by="national-root")

    def regent_handovers(self) -> None:
        for n, day, term in ((2, REGENT_HANDOVER, "2021–2024"), (3, REGENT_HANDOVER_2025, "2025–2030")):
            regent = self.person_name(1)
            title = f"Bupati Blora {term}"
            self.register_key(wib(day, 8), f"regent/{n}", "regent", ["*"], regent, title)
            self.register_key(
                wib(day, 8, 5),
                f"witness/regent/{n}",
                "witness",
                ["*"],
                regent,
                title,
                office=("bupati-blora", "Bupati Blora"),
            )
            for name in (f"regent/{n - 1}", f"witness/regent/{n - 1}"):
                self.revoke_key(wib(day, 8, 10), name, "masa jabatan Bupati berakhir")

    # --- declarations and pacts ---

    def declarations(self) -> None:
        for unit in UNITS_2019:
            day = unit.declared_on
            self.declare(unit.id, wib(day, 9), wib(day, 10))
            self.initial_pacts(unit.id, wib(day, 9), day)
            self.advance(
                unit.id,
                wib(BUILDING_2019[unit.id], 9),
                "building",
                "Pembangunan ZI dimulai: tim kerja dan rencana aksi enam area perubahan",
            )
        # 8 July 2020: the heads declare and sign at the regency's ceremony; each unit's employees
        # sign at the unit's own ceremony in the days after.
        for n, unit in enumerate((*AGENCIES_2020, *KECAMATAN_2020)):
            declared = wib(CEREMONY_2020, 9) + timedelta(minutes=n)
            self.declare(unit.id, declared, wib(CEREMONY_2020, 10) + timedelta(minutes=9 * n))
            self.initial_pacts(
                unit.id, wib(CEREMONY_2020, 11) + timedelta(minutes=n), CEREMONY_2020 + timedelta(days=1 + n % 14)
            )
            self.advance(
                unit.id,
                wib(date(2020, 7, 27) + timedelta(weeks=n % 11), 9) + timedelta(minutes=n),
                "building",
                "Pembangunan ZI dimulai setelah pakta integritas ditandatangani",
            )
        later = (*FICTIONAL_UNITS[:2], *PUSKESMAS_2021, *FICTIONAL_UNITS[2:])
        building = {
            "fiktif-dinas-a": date(2020, 9, 7),
            "fiktif-dinas-b": date(2020, 9, 14),  # at 50 % pact coverage: no gate in edition 2
            "pkm-blora": date(2021, 4, 12),
            "pkm-cepu": date(2021, 4, 19),
            "pkm-randublatung": date(2021, 4, 26),
            "fiktif-puskesmas": date(2021, 4, 26),
        }
        for n, unit in enumerate(later):
            day = unit.declared_on
            self.declare(unit.id, wib(day, 9) + timedelta(minutes=n), wib(day, 10) + timedelta(minutes=9 * n))
            self.initial_pacts(unit.id, wib(day, 11) + timedelta(minutes=n), day + timedelta(days=2))
            if unit.id in building:  # fiktif-kecamatan stalls in declared
                self.advance(
                    unit.id,
                    wib(building[unit.id], 9),
                    "building",
                    "Pembangunan ZI dimulai: tim kerja dan rencana aksi enam area perubahan",
                )

    def staff_changes(self) -> None:
        """Transfers between units, retirements (BUP 58), new employees (CPNS) and a new head; the
        administrator sets the headcounts from the roster."""
        for source, target, day in (
            ("dindukcapil", "kec-cepu", date(2021, 3, 1)),
            ("dpmptsp", "bppkad", date(2021, 7, 1)),
            ("kec-randublatung", "dinkes", date(2022, 1, 3)),
        ):
            moving = next(
                e for e in self.units[source].staff[10:] if e.number in self.units[source].valid and not e.own_key
            )
            self.release(source, moving, wib(day, 8), "transfer")
            roster = f"BKD/SIASN, mutasi {day:%d-%m-%Y}"
            self.set_headcount(source, wib(day, 8, 30), -1, roster)
            self.set_headcount(target, wib(day, 8, 31), 1, roster)
            self.sign_pact(target, moving, day, wib(day, 10), "transfer")
        for uid in RETIREMENTS:
            run = self.units[uid]
            retiree = run.staff[RETIREE]
            born = retiree.born
            # Civil servants retire on the first day of the month after their 58th birthday.
            retiring = date(born.year + 58 + born.month // 12, born.month % 12 + 1, 1)
            self.release(uid, retiree, wib(retiring, 8), "retired")
            self.appoint(uid, date(2022, 4, 1), date(2022, 4, 4))
        # CPNS 2024 at Puskesmas Blora: two new posts on the roster.
        self.set_headcount("pkm-blora", wib(date(2024, 7, 1), 8), 2, "BKD/SIASN, formasi CPNS 2024")
        for _ in range(2):
            self.appoint("pkm-blora", date(2024, 7, 1), date(2024, 7, 3))
        # A new head of Dinkominfo (rotation): the old head moves on, the new one signs on appointment.
        uid, run = "dinkominfo", self.units["dinkominfo"]
        day = date(2023, 1, 2)
        self.release(uid, run.staff[0], wib(day, 8), "transfer")
        self.revoke_key(wib(day, 8, 5), run.head_key, "mutasi jabatan: kepala dinas berganti")
        head = self.employee(run.spec.head_title, born=1974)
        run.staff.append(head)
        run.head_key = f"unit_head/{uid}/2"
        self.register_key(
            wib(day, 9), run.head_key, "unit_head", [uid], head.name, run.spec.head_title, number=head.number
        )
        self.sign_pact(uid, head, day, wib(day, 10), "appointment")

    def appoint(self, uid: str, appointed: date, signed: date) -> None:
        run = self.units[uid]
        newcomer = self.employee(
            self.rng.choice(JOBS.get(run.spec.type, JOBS["other"])),
            born=self.rng.randint(1994, 1999),
            appointed=appointed,
        )
        run.staff.append(newcomer)
        self.sign_pact(uid, newcomer, signed, wib(signed, 10) + timedelta(minutes=len(run.staff) % 50), "appointment")

    def yearly_pacts(self) -> None:
        for year, units in YEARLY_RESIGNING.items():
            for n, uid in enumerate(units):
                self.resign_all(uid, date(year, 1, 8) + timedelta(days=n % 3), "yearly")

    # --- the cycles ---

    def full_evaluation(
        self, uid: str, lke: date, nominated: date, screened: date, desk: date, field: date, notes: tuple[str, ...] = ()
    ) -> None:
        """An LKE passed, the regent's proposal, a passed screening (with notes if given), desk and
        field evaluations passed."""
        self.assess(uid, lke, "lke")
        self.nominate(uid, nominated)
        self.screen(uid, screened, "passed_with_notes" if notes else "passed", notes)
        self.evaluate(uid, desk, field)

    def cycles_2021_2022(self) -> None:
        d, seed = date, self.seed
        # 2021, PermenPANRB 10/2019: three proposals, one batch decree.
        self.full_evaluation("dpmptsp", d(2021, 3, 15), d(2021, 4, 5), d(2021, 7, 5), d(2021, 8, 2), d(2021, 9, 13))
        self.full_evaluation(
            "rsud-soeprapto",
            d(2021, 3, 22),
            d(2021, 4, 5),
            d(2021, 7, 5),
            d(2021, 8, 9),
            d(2021, 9, 20),
            notes=("SK tim kerja ZI diunggah ulang dengan tanda tangan dan cap basah",),
        )
        self.full_evaluation(
            "fiktif-dinas-a", d(2021, 4, 12), d(2021, 4, 26), d(2021, 7, 6), d(2021, 8, 16), d(2021, 9, 27)
        )
        sk_2021 = decree(seed, "KEP-ZI/1201/2021 (ilustrasi)", d(2021, 12, 8))
        for n, uid in enumerate(("dpmptsp", "rsud-soeprapto", "fiktif-dinas-a")):
            self.designate(uid, sk_2021, minute=n)

        # 2022, PermenPANRB 90/2021: RSUD Cepu turns to WBBM; two designations; a proposal lapses.
        uid, wbbm = "rsud-soeprapto", d(2022, 1, 17)
        self.declare(uid, wib(wbbm, 9), wib(wbbm, 9, 30), track="wbbm")
        self.resign_all(uid, wbbm, "unit_ceremony")
        self.advance(
            uid, wib(d(2022, 2, 7), 9), "building", "Pembangunan menuju WBBM: inovasi layanan dan survei kepuasan"
        )
        self.full_evaluation(
            "dindukcapil", d(2022, 3, 21), d(2022, 4, 11), d(2022, 6, 13), d(2022, 7, 18), d(2022, 9, 12)
        )
        self.full_evaluation(
            "kec-cepu",
            d(2022, 2, 28),
            d(2022, 3, 21),
            d(2022, 6, 20),
            d(2022, 7, 25),
            d(2022, 9, 19),
            notes=("Bukti survei kepuasan masyarakat semester II dilampirkan pada desk evaluasi",),
        )
        sk_2022 = decree(seed, "KEP-ZI/1187/2022 (ilustrasi)", d(2022, 12, 7))
        for n, uid in enumerate(("dindukcapil", "kec-cepu")):
            self.designate(uid, sk_2022, minute=n)
        # fiktif-puskesmas: screened and desk-evaluated, but no field evaluation before the cycle closed.
        uid = "fiktif-puskesmas"
        self.assess(uid, d(2022, 4, 18), "lke")
        self.nominate(uid, d(2022, 5, 9))
        self.screen(uid, d(2022, 7, 11))
        self.evaluate(uid, d(2022, 10, 17), None)
        # fiktif-dinas-b: a failed LKE.
        self.assess("fiktif-dinas-b", d(2022, 8, 15), "lke", ("accountability", "oversight"))

    def cycles_2023_2026(self) -> None:
        d, seed = date, self.seed
        # 2023: the lapsed proposal again, BPPKAD, RSUD Cepu for WBBM and fiktif-dinas-b: the quota of four.
        uid = "fiktif-puskesmas"
        self.nominate(uid, d(2023, 3, 6))
        self.screen(uid, d(2023, 6, 5))
        self.evaluate(uid, d(2023, 7, 10), d(2023, 9, 11))
        self.full_evaluation("bppkad", d(2023, 2, 20), d(2023, 3, 13), d(2023, 6, 5), d(2023, 7, 17), d(2023, 9, 18))
        uid = "fiktif-dinas-b"
        self.complete(uid, d(2023, 1, 16), 1)
        self.complete(uid, d(2023, 2, 13))
        self.assess(uid, d(2023, 3, 6), "lke")
        self.nominate(uid, d(2023, 3, 27))
        self.screen(
            uid,
            d(2023, 6, 12),
            "failed",
            (
                "Surat pernyataan tanggung jawab mutlak (SPTJM) tidak ditandatangani pimpinan unit",
                "Data dukung area penguatan pengawasan tidak diunggah",
            ),
        )
        self.appeal(
            uid,
            d(2023, 6, 16),
            d(2023, 7, 3),
            "rejected",
            "Sanggah: SPTJM telah ditandatangani, dokumen terlampir; data dukung pengawasan diunggah ulang",
            "Sanggah ditolak: data dukung pengawasan diunggah setelah batas waktu pengusulan",
        )
        self.send_back(uid, d(2023, 7, 10))
        uid = "rsud-soeprapto"
        self.assess(uid, d(2023, 5, 8), "lke")
        self.nominate(uid, d(2023, 6, 5))
        self.screen(uid, d(2023, 7, 3))
        self.evaluate(uid, d(2023, 8, 7), d(2023, 9, 25))
        sk_2023 = decree(seed, "KEP-ZI/1215/2023 (ilustrasi)", d(2023, 12, 6))
        for n, uid in enumerate(("bppkad", "fiktif-puskesmas")):
            self.designate(uid, sk_2023, minute=n)
        self.designate("rsud-soeprapto", decree(seed, "KEP-ZI/1216/2023 (ilustrasi)", d(2023, 12, 6)), minute=5)

        # 2024 and 2025: two designations each, by batch decrees; fiktif-dinas-b fails its LKE again.
        self.full_evaluation(
            "dinkominfo", d(2024, 3, 4), d(2024, 3, 25), d(2024, 6, 10), d(2024, 7, 22), d(2024, 9, 23)
        )
        self.full_evaluation("pkm-blora", d(2024, 3, 11), d(2024, 4, 1), d(2024, 6, 10), d(2024, 7, 29), d(2024, 9, 30))
        sk_2024 = decree(seed, "KEP-ZI/1174/2024 (ilustrasi)", d(2024, 12, 4))
        for n, uid in enumerate(("dinkominfo", "pkm-blora")):
            self.designate(uid, sk_2024, minute=n)
        self.full_evaluation(
            "kec-blora", d(2025, 2, 24), d(2025, 3, 17), d(2025, 6, 16), d(2025, 7, 21), d(2025, 9, 22)
        )
        self.full_evaluation(
            "pkm-cepu",
            d(2025, 3, 3),
            d(2025, 3, 24),
            d(2025, 6, 16),
            d(2025, 7, 28),
            d(2025, 9, 29),
            notes=("Foto maklumat pelayanan diganti dengan versi bertanda tangan Kepala Puskesmas",),
        )
        sk_2025 = decree(seed, "KEP-ZI/1163/2025 (ilustrasi)", d(2025, 12, 3))
        for n, uid in enumerate(("kec-blora", "pkm-cepu")):
            self.designate(uid, sk_2025, minute=n)
        self.assess("fiktif-dinas-b", d(2025, 4, 14), "lke", ("public_service",))

        # 2026: two proposals, screened and desk-evaluated; the field evaluation is still to come.
        self.assess("dinsos", d(2026, 2, 23), "lke")
        self.nominate("dinsos", d(2026, 3, 16))
        self.screen("dinsos", d(2026, 6, 8))
        self.evaluate("dinsos", d(2026, 8, 10), None)
        self.assess("disdik", d(2026, 3, 9), "lke")
        self.nominate("disdik", d(2026, 4, 6))
        self.screen("disdik", d(2026, 6, 8), "passed_with_notes", ("Peta proses bisnis layanan PPDB diperbarui",))
        self.evaluate("disdik", d(2026, 8, 17), None)

    def fiktif_dinas_a(self) -> None:
        """The invented Dinas Contoh A: WBBM track from 2023, a case against its head, its WBK revoked
        while it builds toward WBBM, declared again at once (the bar is on proposals)."""
        d, uid, run = date, "fiktif-dinas-a", self.units["fiktif-dinas-a"]
        self.declare(uid, wib(d(2023, 1, 16), 9), wib(d(2023, 1, 16), 9, 30), track="wbbm")
        self.resign_all(uid, d(2023, 1, 16), "unit_ceremony")
        self.advance(uid, wib(d(2023, 2, 6), 9), "building", "Pembangunan menuju WBBM")
        kajari = "district_prosecutor"
        opened = self.case(
            uid,
            "2024-1",
            kajari,
            [
                (
                    d(2024, 11, 11),
                    "case.opened",
                    {
                        "stage": "investigation",
                        "concerns": "unit_head",
                        "text": "Penyidikan dugaan korupsi pengadaan barang/jasa tahun anggaran 2023 "
                        "(unit fiktif, tokoh fiktif)",
                    },
                ),
                (
                    d(2025, 4, 14),
                    "case.advanced",
                    {"stage": "prosecution", "text": "Berkas perkara dilimpahkan ke penuntutan (fiktif)"},
                ),
                (
                    d(2026, 3, 16),
                    "case.closed",
                    {"outcome": "convicted", "text": "Putusan berkekuatan hukum tetap (fiktif)"},
                ),
            ],
        )
        # The head is suspended: the key is revoked and an acting head registered.
        self.revoke_key(wib(d(2025, 4, 15), 9), run.head_key, "pemegang kunci diberhentikan sementara (fiktif)")
        self.release(uid, run.staff[0], wib(d(2025, 4, 15), 9, 30), "other")
        acting = run.staff[8]
        run.head_key = f"unit_head/{uid}/2"
        self.register_key(
            wib(d(2025, 4, 15), 10),
            run.head_key,
            "unit_head",
            [uid],
            acting.name,
            "Plt. Kepala Dinas Contoh A (unit fiktif)",
            number=acting.number,
        )
        self.revoke_predicate(
            uid,
            decree(self.seed, "KEP-ZI/0612/2025 (ilustrasi, unit fiktif)", REVOKED_ON),
            "suspect_named",
            "Predikat WBK dicabut: Kepala Dinas ditetapkan sebagai tersangka (unit fiktif, tokoh fiktif)",
            opened,
        )
        redeclared = d(2025, 9, 1)
        self.declare(uid, wib(redeclared, 9), wib(redeclared, 9, 30))
        self.advance(uid, wib(d(2025, 10, 6), 9), "building", "Pembangunan ZI dimulai kembali menuju WBK")

    # --- monitoring and oversight ---

    def monitoring(self) -> None:
        for year, units in MONITORED.items():
            for n, uid in enumerate(units):
                self.monitor(
                    uid,
                    date(year, 10, 5) + timedelta(days=n),
                    "maintained",
                    "Pemantauan TPI: pembangunan ZI berlanjut, inovasi layanan terpelihara",
                )
        self.monitor(
            "fiktif-puskesmas",
            date(2025, 10, 20),
            "concerns",
            "Pemantauan TPI: pengaduan pungutan di loket pendaftaran sedang ditangani (unit fiktif)",
        )
        self.case(
            "fiktif-puskesmas",
            "2025-1",
            "district_police_chief",
            [
                (
                    date(2025, 9, 15),
                    "case.opened",
                    {
                        "stage": "inquiry",
                        "concerns": "employee",
                        "text": "Penyelidikan pengaduan pungutan di loket pendaftaran (unit fiktif, tokoh fiktif)",
                    },
                )
            ],
        )

    def oversight(self) -> None:
        d = date
        kajari, kapolres = "district_prosecutor", "district_police_chief"
        accompaniment = "Pendampingan ZI: sosialisasi pencegahan korupsi dan gratifikasi bagi pegawai"
        saber = "Pendampingan Saber Pungli: pelayanan administrasi di loket"
        notes: list[tuple[date, str, str, str, str]] = [
            (d(2019, 3, 11), kajari, "dpmptsp", "accompaniment", accompaniment),
            (d(2019, 3, 12), kajari, "dindukcapil", "accompaniment", accompaniment),
            (d(2019, 5, 14), kapolres, "rsud-soeprapto", "accompaniment", saber),
            (d(2020, 7, 20), kajari, "dpupr", "accompaniment", "Pendampingan hukum pengadaan barang/jasa"),
            (d(2020, 7, 21), kajari, "bppkad", "accompaniment", "Pendampingan pengelolaan pendapatan dan aset daerah"),
            (d(2020, 9, 8), kapolres, "kec-cepu", "accompaniment", saber),
            (d(2020, 9, 9), kapolres, "kec-blora", "accompaniment", saber),
            (d(2021, 11, 29), kapolres, "rsud-soetijono", "accompaniment", saber),
            (d(2022, 6, 6), kajari, "dinpusip", "accompaniment", accompaniment),
            (d(2023, 10, 16), kajari, "fiktif-dinas-a", "finding",
             "Indikasi penyimpangan pengadaan barang/jasa tahun anggaran 2023 (unit fiktif)"),
            (d(2024, 5, 13), kapolres, "pkm-blora", "accompaniment", saber),
            (d(2025, 8, 18), kapolres, "fiktif-puskesmas", "finding",
             "Pengaduan masyarakat: pungutan di loket pendaftaran (unit fiktif)"),
            (d(2026, 5, 18), kapolres, "fiktif-kecamatan", "accompaniment",
             "Pendampingan: pakta integritas belum ditandatangani seluruh pegawai (unit fiktif)"),
            (d(2026, 11, 16), kajari, "disdik", "accompaniment", accompaniment),
        ]  # fmt: skip
        for day, office, uid, topic, text in notes:
            self.add(
                wib(day, 11),
                f"oversight/{uid}",
                "oversight.noted",
                f"overseer/{office}",
                {"topic": topic, "text": text},
            )
