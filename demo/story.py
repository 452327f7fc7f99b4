"""The Blora demo's story: the integrity-zone history of DOMAIN.md, 2019–2023, as a timeline.

The regency's keys and units, the 2019 and 2020 declarations witnessed by the Forkopimda, an
integrity pact for (nearly) every employee, internal (TPI) and national (TPN) reviews, remediation,
WBK designations, one WBBM track and one revocation, and the Kajari's and Kapolres' oversight notes.
Every entry passes the rules fold; the build is how the fold is exercised on realistic volume.

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
    FORKOPIMDA_TITLES,
    JOBS,
    KECAMATAN_2020,
    REGENT_HANDOVER,
    RETIREE,
    RETIREMENTS,
    UNITS_2019,
    WIB,
)
from demo.procedure import Procedure, wib

GENESIS_AT = datetime(2019, 1, 2, 8, 0, tzinfo=WIB)


@dataclass(frozen=True)
class DemoOutcome:
    """Where a unit stands at the end of the story."""

    stage: str
    track: str
    predicate: str
    story: str


_BUILDING = DemoOutcome("building", "wbk", "none", "declared, building, no assessment yet")
DEMO_OUTCOMES: dict[str, DemoOutcome] = {
    **dict.fromkeys(DEMO_UNITS, _BUILDING),
    "dpmptsp": DemoOutcome(
        "designated", "wbk", "wbk", "WBK in 2021 at the first attempt; monitored by the TPI in 2022"
    ),
    "rsud-soeprapto": DemoOutcome(
        "nominated",
        "wbbm",
        "wbk",
        "WBK in 2021 after a screening appeal; WBBM track from 2022: field review failed, "
        "remediation done, nominated again in 2023 and passed screening",
    ),
    "dindukcapil": DemoOutcome(
        "designated", "wbk", "wbk", "failed the 2021 LKE and the 2021 field review; remediation done; WBK in 2022"
    ),
    "kec-cepu": DemoOutcome("designated", "wbk", "wbk", "failed the 2021 desk evaluation; WBK in 2022"),
    "dpupr": DemoOutcome(
        "revoked",
        "wbk",
        "none",
        "WBK in 2021; head named a corruption suspect (Kajari case 2022); revoked, barred 2 years",
    ),
    "bppkad": DemoOutcome(
        "building", "wbk", "none", "nominated 2022, failed screening and its appeal; one remediation item still open"
    ),
    "rsud-soetijono": DemoOutcome(
        "building", "wbk", "none", "below full pact coverage; failed the 2021 LKE; two remediation items still open"
    ),
    "dinpusip": DemoOutcome("building", "wbk", "none", "stalled in building since 2019, no assessment"),
    "dinkes": DemoOutcome("building", "wbk", "none", "failed the 2021 LKE; both remediation items still open"),
    "dinsos": DemoOutcome("building", "wbk", "none", "failed the 2021 LKE; remediation done, not yet re-assessed"),
    "kec-blora": DemoOutcome("building", "wbk", "none", "failed the 2022 LKE; one remediation item still open"),
    "dinkominfo": DemoOutcome("nominated", "wbk", "none", "passed the 2022 LKE; nominated, awaiting the TPN"),
    "kec-jiken": DemoOutcome("declared", "wbk", "none", "stalled in declared: pact coverage 77 %"),
    "kec-bogorejo": DemoOutcome("declared", "wbk", "none", "stalled in declared: pact coverage 82 %"),
    "dinpermades": DemoOutcome("declared", "wbk", "none", "stalled in declared: pact coverage 82 %"),
}
"""The final stage, track and predicate of every demo unit, whatever the seed."""

REVOKED_ON = datetime(2022, 6, 20, 10, 0, tzinfo=WIB)
"""When the minister revoked dpupr's WBK: its bar ends `revocation_bar_days` (730) later."""

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
        for unit in UNITS_2019:
            self.open_unit(unit, registered=date(2019, 1, 7))
        for unit in (*AGENCIES_2020, *KECAMATAN_2020):
            self.open_unit(unit, registered=date(2020, 6, 15))
        self.declarations()
        self.regent_handover()
        self.staff_changes()
        self.reviews_2019_units()
        self.reviews_2020_units()
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

        holders: dict[str, str] = {}
        regent = self.person_name(1)
        self.register_key(next_at(), "regent/1", "regent", ["*"], regent, "Bupati Blora 2016–2021")
        titles = FORKOPIMDA_TITLES
        self.register_key(next_at(), "witness/regent/1", "witness", ["*"], regent, "Bupati Blora 2016–2021, Forkopimda")
        for office, title in titles.items():
            holder = self.person_name(1)
            holders[office] = holder
            self.register_key(next_at(), f"witness/{office}", "witness", ["*"], holder, f"{title}, Forkopimda")
        for office in ("district_prosecutor", "district_police_chief"):
            self.register_key(
                next_at(),
                f"overseer/{office}",
                "overseer",
                ["*"],
                holders[office],
                f"{titles[office]}, pendampingan ZI",
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
        for n in (1, 2):
            self.register_key(
                next_at(),
                f"tpn/{n}",
                "national_assessor",
                ["*"],
                self.person_name(self.rng.choice((1, 2))),
                "Evaluator, Tim Penilai Nasional, Kementerian PANRB",
            )
        self.register_key(
            next_at(),
            "minister",
            "minister",
            ["*"],
            self.person_name(1),
            "Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi",
        )

    def regent_handover(self) -> None:
        day = REGENT_HANDOVER
        regent = self.person_name(1)
        self.register_key(wib(day, 8), "regent/2", "regent", ["*"], regent, "Bupati Blora 2021–2024")
        self.register_key(
            wib(day, 8, 5), "witness/regent/2", "witness", ["*"], regent, "Bupati Blora 2021–2024, Forkopimda"
        )
        for name in ("regent/1", "witness/regent/1"):
            self.revoke_key(wib(day, 8, 10), name, "masa jabatan Bupati 2016–2021 berakhir")

    # --- units, staff, declarations ---

    def declarations(self) -> None:
        for unit in UNITS_2019:
            self.declare(unit.id, wib(unit.declared_on, 9), wib(unit.declared_on, 10))
            self.initial_pacts(unit.id, BUILDING_2019[unit.id])
            self.advance(
                unit.id,
                wib(BUILDING_2019[unit.id], 9),
                "building",
                "Pembangunan ZI dimulai: tim kerja dan rencana aksi enam area perubahan",
            )
        stalled = {uid for uid, outcome in DEMO_OUTCOMES.items() if outcome.stage == "declared"}
        units_2020 = (*AGENCIES_2020, *KECAMATAN_2020)
        for n, unit in enumerate(units_2020):
            self.declare(
                unit.id,
                wib(CEREMONY_2020, 9) + timedelta(minutes=n),
                wib(CEREMONY_2020, 10) + timedelta(minutes=7 * n),
            )
            if unit.id in stalled:
                self.initial_pacts(unit.id, None)
                continue
            building = date(2020, 7, 27) + timedelta(weeks=n % 11)
            self.initial_pacts(unit.id, building)
            self.advance(
                unit.id,
                wib(building, 9) + timedelta(minutes=n),
                "building",
                "Pembangunan ZI dimulai setelah pakta integritas ditandatangani",
            )

    def staff_changes(self) -> None:
        """Transfers between units, retirements (BUP 58) and new employees (CPNS 2021)."""
        for source, target, day in (
            ("dindukcapil", "kec-cepu", date(2021, 3, 1)),
            ("dpmptsp", "bppkad", date(2021, 7, 1)),
            ("kec-randublatung", "dinkes", date(2022, 1, 3)),
        ):
            moving = next(
                e for e in self.units[source].staff[10:] if e.number in self.units[source].valid and not e.own_key
            )
            self.release(source, moving, wib(day, 8), "transfer")
            for uid, change in ((source, -1), (target, 1)):
                run = self.units[uid]
                run.headcount += change
                self.add(
                    wib(day, 8, 30), f"unit/{uid}", "unit.headcount_set", run.head_key, {"headcount": run.headcount}
                )
            self.sign_pact(target, moving, day, wib(day, 10))
        for uid in RETIREMENTS:
            run = self.units[uid]
            retiree = run.staff[RETIREE]
            born = retiree.born
            # Civil servants retire on the first day of the month after their 58th birthday.
            retiring = date(born.year + 58 + born.month // 12, born.month % 12 + 1, 1)
            self.release(uid, retiree, wib(retiring, 8), "retired")
            newcomer = self.employee(
                self.rng.choice(JOBS.get(run.spec.type, JOBS["other"])),
                born=self.rng.randint(1994, 1998),
                appointed=date(2022, 4, 1),
            )
            run.staff.append(newcomer)
            self.sign_pact(uid, newcomer, date(2022, 4, 4), wib(date(2022, 4, 4), 10))

    # --- reviews and oversight ---

    def reviews_2019_units(self) -> None:
        d = date
        # DPMPTSP: WBK at the first attempt; the TPI monitors it afterwards.
        self.assess("dpmptsp", d(2021, 3, 15), "lke")
        self.nominate("dpmptsp", d(2021, 4, 5))
        self.national_review("dpmptsp", (d(2021, 6, 7), d(2021, 7, 19), d(2021, 9, 13)))
        self.designate("dpmptsp", d(2021, 12, 8))
        self.assess("dpmptsp", d(2022, 11, 14), "lke")

        # RSUD Cepu: screening appeal, WBK 2021; then the WBBM track.
        uid = "rsud-soeprapto"
        self.assess(uid, d(2021, 3, 22), "lke")
        self.nominate(uid, d(2021, 4, 5))
        self.assess(uid, d(2021, 6, 7), "screening", ("accountability",))
        self.complete(uid, d(2021, 6, 14))
        self.national_review(uid, (d(2021, 6, 21), d(2021, 7, 26), d(2021, 9, 20)))
        self.designate(uid, d(2021, 12, 8))
        wbbm = d(2022, 1, 17)
        self.declare(uid, wib(wbbm, 9), wib(wbbm, 9, 30), track="wbbm")
        run = self.units[uid]
        resigning = [employee for employee, first in run.valid.values() if first < wbbm]
        for n, employee in enumerate(resigning):  # everyone re-signs for WBBM
            at = (
                wib(wbbm, 11) + timedelta(minutes=n % 240)
                if employee.own_key
                else wib(wbbm + timedelta(days=1 + n % 10), 13, n % 60)
            )
            self.sign_pact(uid, employee, wbbm, at)
        self.advance(
            uid, wib(d(2022, 2, 7), 9), "building", "Pembangunan menuju WBBM: inovasi layanan dan survei kepuasan"
        )
        self.assess(uid, d(2022, 5, 9), "lke")
        self.nominate(uid, d(2022, 6, 6))
        self.assess(uid, d(2022, 7, 4), "screening")
        self.assess(uid, d(2022, 8, 1), "desk")
        self.assess(uid, d(2022, 9, 26), "field", ("ipkp", "public_service"))
        self.send_back(uid, d(2022, 10, 10))
        self.complete(uid, d(2023, 2, 20), 1)
        self.complete(uid, d(2023, 3, 13))
        self.assess(uid, d(2023, 5, 8), "lke")
        self.nominate(uid, d(2023, 6, 5))
        self.assess(uid, d(2023, 7, 3), "screening")

        # Dindukcapil: failed LKE, then failed field review; WBK in 2022.
        uid = "dindukcapil"
        self.assess(uid, d(2021, 2, 22), "lke", ("hr_management", "public_service"))
        self.complete(uid, d(2021, 4, 12), 1)
        self.complete(uid, d(2021, 5, 3))
        self.assess(uid, d(2021, 5, 24), "lke")
        self.nominate(uid, d(2021, 6, 14))
        self.assess(uid, d(2021, 7, 5), "screening")
        self.assess(uid, d(2021, 8, 2), "desk")
        self.assess(uid, d(2021, 9, 27), "field", ("ipkp", "oversight"))
        self.send_back(uid, d(2021, 10, 11))
        self.complete(uid, d(2022, 1, 24), 1)
        self.complete(uid, d(2022, 2, 21))
        self.assess(uid, d(2022, 3, 21), "lke")
        self.nominate(uid, d(2022, 4, 11))
        self.national_review(uid, (d(2022, 6, 13), d(2022, 7, 18), d(2022, 9, 12)))
        self.designate(uid, d(2022, 12, 7))

        # BPPKAD: nominated in 2022, failed screening and its one appeal.
        uid = "bppkad"
        self.assess(uid, d(2022, 2, 14), "lke")
        self.nominate(uid, d(2022, 3, 14))
        self.assess(uid, d(2022, 6, 13), "screening", ("accountability",))
        self.assess(uid, d(2022, 6, 27), "screening", ("change_management",))
        self.send_back(uid, d(2022, 7, 11))
        self.complete(uid, d(2022, 9, 5), 1)

        # RSUD Blora: failed LKE, most remediation still open.
        uid = "rsud-soetijono"
        self.assess(uid, d(2021, 8, 16), "lke", ("business_process", "ipkp", "oversight"))
        self.complete(uid, d(2021, 11, 15), 1)

    def reviews_2020_units(self) -> None:
        d = date
        # DPUPR: WBK in 2021, revoked in 2022 after its head was named a corruption suspect.
        uid = "dpupr"
        self.assess(uid, d(2021, 3, 29), "lke")
        self.nominate(uid, d(2021, 4, 19))
        self.national_review(uid, (d(2021, 6, 14), d(2021, 7, 26), d(2021, 9, 20)))
        self.designate(uid, d(2021, 12, 8))

        # Kecamatan Cepu: failed desk evaluation in 2021, WBK in 2022.
        uid = "kec-cepu"
        self.assess(uid, d(2021, 4, 26), "lke")
        self.nominate(uid, d(2021, 5, 17))
        self.assess(uid, d(2021, 6, 21), "screening")
        self.assess(uid, d(2021, 8, 9), "desk", ("change_management", "performance"))
        self.send_back(uid, d(2021, 8, 23))
        self.complete(uid, d(2021, 11, 8), 1)
        self.complete(uid, d(2022, 1, 10))
        self.assess(uid, d(2022, 2, 28), "lke")
        self.nominate(uid, d(2022, 3, 21))
        self.national_review(uid, (d(2022, 6, 20), d(2022, 7, 25), d(2022, 9, 19)))
        self.designate(uid, d(2022, 12, 7))

        self.assess("dinkes", d(2021, 10, 4), "lke", ("accountability", "ipak"))
        self.assess("dinsos", d(2021, 11, 22), "lke", ("hr_management", "performance"))
        self.complete("dinsos", d(2022, 2, 14), 1)
        self.complete("dinsos", d(2022, 3, 21))
        self.assess("kec-blora", d(2022, 8, 22), "lke", ("ipkp", "public_service"))
        self.complete("kec-blora", d(2022, 11, 14), 1)
        self.assess("dinkominfo", d(2022, 8, 15), "lke")
        self.nominate("dinkominfo", d(2022, 9, 5))

    def oversight(self) -> None:
        d = date
        kajari, kapolres = "district_prosecutor", "district_police_chief"
        notes: list[tuple[date, str, str, str, str]] = [
            (
                d(2019, 3, 11),
                kajari,
                "dpmptsp",
                "accompaniment",
                "Pendampingan ZI: sosialisasi pencegahan korupsi dan gratifikasi bagi pegawai",
            ),
            (
                d(2019, 3, 12),
                kajari,
                "dindukcapil",
                "accompaniment",
                "Pendampingan ZI: sosialisasi pencegahan korupsi dan gratifikasi bagi pegawai",
            ),
            (
                d(2019, 5, 14),
                kapolres,
                "rsud-soeprapto",
                "accompaniment",
                "Pendampingan Saber Pungli: pengawasan loket pendaftaran dan farmasi",
            ),
            (
                d(2020, 7, 20),
                kajari,
                "dpupr",
                "accompaniment",
                "Pendampingan ZI dan pengadaan barang/jasa: pendampingan hukum proyek jalan",
            ),
            (d(2020, 7, 21), kajari, "bppkad", "accompaniment", "Pendampingan pengelolaan pendapatan dan aset daerah"),
            (
                d(2020, 9, 8),
                kapolres,
                "kec-cepu",
                "accompaniment",
                "Pendampingan Saber Pungli: pelayanan administrasi kependudukan di kecamatan",
            ),
            (
                d(2020, 9, 9),
                kapolres,
                "kec-blora",
                "accompaniment",
                "Pendampingan Saber Pungli: pelayanan administrasi kependudukan di kecamatan",
            ),
            (
                d(2021, 11, 29),
                kapolres,
                "rsud-soetijono",
                "finding",
                "Keluhan masyarakat: biaya tambahan di loket pendaftaran rawat jalan",
            ),
            (
                d(2021, 12, 13),
                kapolres,
                "rsud-soetijono",
                "case_opened",
                "Penyelidikan pengaduan pungutan di loket pendaftaran rawat jalan",
            ),
            (
                d(2022, 3, 28),
                kapolres,
                "rsud-soetijono",
                "case_closed",
                "Penyelidikan dihentikan: tidak ditemukan unsur pidana; pembinaan oleh Inspektorat",
            ),
            (
                d(2022, 2, 21),
                kajari,
                "dpupr",
                "finding",
                "Indikasi penyimpangan pengadaan peningkatan jalan tahun anggaran 2021",
            ),
            (
                d(2022, 6, 6),
                kajari,
                "dinpusip",
                "accompaniment",
                "Pendampingan: unit belum mengajukan penilaian TPI sejak pembangunan dimulai 2019",
            ),
            (
                d(2022, 9, 12),
                kapolres,
                "kec-jiken",
                "accompaniment",
                "Pendampingan: pakta integritas belum ditandatangani seluruh pegawai sejak 2020",
            ),
        ]
        for day, office, uid, topic, text in notes:
            self.add(
                wib(day, 11),
                f"oversight/{uid}",
                "oversight.noted",
                f"overseer/{office}",
                {"office": office, "topic": topic, "text": text},
            )

        # The DPUPR case: the head is named a suspect, the key is revoked, the WBK is revoked.
        uid, run = "dpupr", self.units["dpupr"]
        case = "case/dpupr"
        self.add(
            wib(d(2022, 5, 23), 11),
            f"oversight/{uid}",
            "oversight.noted",
            f"overseer/{kajari}",
            {
                "office": kajari,
                "topic": "case_opened",
                "text": "Kepala Dinas PUPR ditetapkan sebagai tersangka dugaan korupsi "
                "pengadaan peningkatan jalan tahun anggaran 2021",
            },
            case,
        )
        self.revoke_key(
            wib(d(2022, 5, 24), 9),
            run.head_key,
            "pemegang kunci diberhentikan sementara: ditetapkan sebagai tersangka",
        )
        self.release(uid, run.staff[0], wib(d(2022, 5, 24), 9, 30), "other")
        acting = run.staff[8]
        run.head_key = f"unit_head/{uid}/2"
        self.register_key(
            wib(d(2022, 5, 24), 10),
            run.head_key,
            "unit_head",
            [uid],
            acting.name,
            "Plt. Kepala Dinas PUPR Kabupaten Blora",
        )
        self.advance(
            uid,
            REVOKED_ON,
            "revoked",
            "Predikat WBK dicabut: Kepala Dinas ditetapkan sebagai tersangka tindak pidana "
            "korupsi oleh Kejaksaan Negeri Blora",
            signer="minister",
            basis=case,
            decree="Keputusan Menteri PANRB tentang pencabutan predikat WBK (fiktif)",
        )
