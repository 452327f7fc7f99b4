"""The Blora demo ledger: the integrity-zone story of DOMAIN.md, 2019–2023, from a seed.

`build_demo` creates a ledger in a directory and appends the story as signed entries (DESIGN §3–§4):
the regency's keys and units, the 2019 and 2020 declarations witnessed by the Forkopimda, an
integrity pact for (nearly) every employee, internal (TPI) and national (TPN) reviews, remediation,
WBK designations, one WBBM track and one revocation, and the Kajari's and Kapolres' oversight notes.
Every entry passes the rules fold; the build is how the fold is exercised on realistic volume.

Determinism: every key is `private_key_from_seed(sha256(f"{seed}/{name}"))`, every time is a fixed
point of the story's calendar (Western Indonesian Time, written as UTC), and all variation (names,
employee numbers, scores, times of day) comes from `random.Random(seed)`. The same seed gives the
same leaves and so the same tree root; the store's own clock only stamps when entries were stored.

The story's structure (which unit ends where) does not depend on the seed: `DEMO_UNITS` and
`DEMO_OUTCOMES` describe it for tests and docs.

The 22 agencies of 2020 are not named in the source (DOMAIN.md); the list below is the usual set of
regency agencies and is illustrative. People, numbers, scores, findings, cases and decrees are
invented (see `DEMO_NOTE`).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.keys import encode_base64, fingerprint, private_key_from_seed, public_key_bytes
from ledger.entry import SCORE_AREAS, WITNESS_OFFICES, Submission, format_time, sign_entry
from ledger.rules import Policy, default_policy_document, failing_checks, parse_policy
from ledger.store.application import LedgerStore
from ledger.store.datadir import init_ledger

DEMO_SEED = "blora-2020"
DEMO_ORIGIN = "integritas.example/blora"
DEMO_NAME = "Integritas Kabupaten Blora (demo)"
DEMO_NOTE = (
    "Demo data. The story follows the public record of Blora's integrity-zone declarations "
    "(DOMAIN.md): six units declared in 2019, and 22 agencies and 16 kecamatan on 8 July 2020, "
    "witnessed by the Forkopimda. The source does not name the 22 agencies of 2020: the list used "
    "here is the usual set of regency agencies and is illustrative. Every person, employee number, "
    "score, review, finding, case and decree in this ledger is invented."
)
BATCH_SIZE = 400

WIB = timezone(timedelta(hours=7), "WIB")  # Blora keeps Western Indonesian Time
GENESIS_AT = datetime(2019, 1, 2, 8, 0, tzinfo=WIB)
CEREMONY_2020 = date(2020, 7, 8)
REGENT_HANDOVER = date(2021, 2, 26)  # a new regent takes office: the old regent's keys are revoked


# --- the units ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUnit:
    """A unit of the demo as registered: `headcount` is the registered one (transfers change it
    later), `pact_percent` the share of that headcount who ever sign a pact."""

    id: str
    name: str
    type: str
    headcount: int
    pact_percent: int
    declared_on: date
    head_title: str
    short: str


@dataclass(frozen=True)
class DemoOutcome:
    """Where a unit stands at the end of the story."""

    stage: str
    track: str
    predicate: str
    story: str


# One row per unit: id, name, type, headcount, pact %, head's title, short name.
# fmt: off
_UNITS_2019 = tuple(
    DemoUnit(uid, name, kind, headcount, percent, declared, head, short)
    for uid, name, kind, headcount, percent, declared, head, short in (
        ("rsud-soetijono", "RSUD dr. R. Soetijono Blora", "rsud", 562, 92, date(2019, 3, 4),
         "Direktur RSUD dr. R. Soetijono Blora", "RSUD dr. R. Soetijono"),
        ("rsud-soeprapto", "RSUD dr. R. Soeprapto Cepu", "rsud", 318, 97, date(2019, 3, 5),
         "Direktur RSUD dr. R. Soeprapto Cepu", "RSUD dr. R. Soeprapto"),
        ("dpmptsp", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "dinas", 46, 100, date(2019, 2, 11),
         "Kepala DPMPTSP Kabupaten Blora", "DPMPTSP"),
        ("dindukcapil", "Dinas Kependudukan dan Pencatatan Sipil", "dinas", 62, 100, date(2019, 2, 11),
         "Kepala Dindukcapil Kabupaten Blora", "Dindukcapil"),
        ("bppkad", "Badan Pengelola Pendapatan, Keuangan dan Aset Daerah", "badan", 112, 100, date(2019, 4, 1),
         "Kepala BPPKAD Kabupaten Blora", "BPPKAD"),
        ("dinpusip", "Dinas Perpustakaan dan Kearsipan", "dinas", 41, 100, date(2019, 4, 15),
         "Kepala Dinas Perpustakaan dan Kearsipan Kabupaten Blora", "Dinpusip"),
    )
)
_BUILDING_2019 = {
    "dpmptsp": date(2019, 3, 25), "dindukcapil": date(2019, 3, 18), "rsud-soetijono": date(2019, 5, 6),
    "rsud-soeprapto": date(2019, 4, 22), "bppkad": date(2019, 5, 20), "dinpusip": date(2019, 6, 3),
}

# Illustrative: the source does not name the 22 agencies of 2020 (DOMAIN.md).
_AGENCIES_2020 = tuple(
    DemoUnit(uid, name, kind, headcount, percent, CEREMONY_2020, f"{head} Kabupaten Blora", short)
    for uid, name, kind, headcount, percent, head, short in (
        ("disdik", "Dinas Pendidikan", "dinas", 240, 95, "Kepala Dinas Pendidikan", "Disdik"),
        ("dinkes", "Dinas Kesehatan", "dinas", 185, 100, "Kepala Dinas Kesehatan", "Dinkes"),
        ("dpupr", "Dinas Pekerjaan Umum dan Penataan Ruang", "dinas", 150, 100, "Kepala Dinas PUPR", "DPUPR"),
        ("dinsos", "Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak", "dinas", 68, 100,
         "Kepala Dinas Sosial P3A", "Dinsos P3A"),
        ("dinpertan", "Dinas Pertanian dan Ketahanan Pangan", "dinas", 165, 94,
         "Kepala Dinas Pertanian dan Ketahanan Pangan", "Dinpertan"),
        ("dlh", "Dinas Lingkungan Hidup", "dinas", 92, 100, "Kepala Dinas Lingkungan Hidup", "DLH"),
        ("dinhub", "Dinas Perhubungan", "dinas", 84, 100, "Kepala Dinas Perhubungan", "Dinhub"),
        ("dinkominfo", "Dinas Komunikasi dan Informatika", "dinas", 46, 100,
         "Kepala Dinas Komunikasi dan Informatika", "Dinkominfo"),
        ("dindagkop", "Dinas Perdagangan, Koperasi dan Usaha Kecil Menengah", "dinas", 72, 100,
         "Kepala Dinas Perdagangan, Koperasi dan UKM", "Dindagkop UKM"),
        ("dinporabudpar", "Dinas Kepemudaan, Olahraga, Kebudayaan dan Pariwisata", "dinas", 58, 100,
         "Kepala Dinporabudpar", "Dinporabudpar"),
        ("dp2kb", "Dinas Pengendalian Penduduk dan Keluarga Berencana", "dinas", 96, 100, "Kepala DP2KB", "DP2KB"),
        ("dinpermades", "Dinas Pemberdayaan Masyarakat dan Desa", "dinas", 44, 82,
         "Kepala Dinas Pemberdayaan Masyarakat dan Desa", "Dinpermades"),
        ("dinperinaker", "Dinas Perindustrian dan Tenaga Kerja", "dinas", 48, 100,
         "Kepala Dinas Perindustrian dan Tenaga Kerja", "Dinperinaker"),
        ("satpolpp", "Satuan Polisi Pamong Praja", "other", 112, 100, "Kepala Satuan Polisi Pamong Praja",
         "Satpol PP"),
        ("dinperkim", "Dinas Perumahan, Kawasan Permukiman dan Pertanahan", "dinas", 52, 100,
         "Kepala Dinas Perumahan, Kawasan Permukiman dan Pertanahan", "Dinperkim"),
        ("dinlutkan", "Dinas Peternakan dan Perikanan", "dinas", 78, 100, "Kepala Dinas Peternakan dan Perikanan",
         "Dinlutkan"),
        ("bappeda", "Badan Perencanaan Pembangunan Daerah", "badan", 54, 100, "Kepala Bappeda", "Bappeda"),
        ("bkd", "Badan Kepegawaian Daerah", "badan", 50, 100, "Kepala Badan Kepegawaian Daerah", "BKD"),
        ("bpbd", "Badan Penanggulangan Bencana Daerah", "badan", 46, 100, "Kepala Pelaksana BPBD", "BPBD"),
        ("kesbangpol", "Kantor Kesatuan Bangsa dan Politik", "kantor", 40, 100,
         "Kepala Kantor Kesatuan Bangsa dan Politik", "Kesbangpol"),
        ("setda", "Sekretariat Daerah", "other", 210, 100, "Sekretaris Daerah", "Setda"),
        ("setwan", "Sekretariat DPRD", "other", 62, 100, "Sekretaris DPRD", "Setwan"),
    )
)
_KECAMATAN_2020 = tuple(
    DemoUnit(f"kec-{place.lower()}", f"Kecamatan {place}", "kecamatan", headcount, percent, CEREMONY_2020,
             f"Camat {place}", f"Kecamatan {place}")
    for place, headcount, percent in (
        ("Banjarejo", 30, 100), ("Blora", 45, 100), ("Bogorejo", 22, 82), ("Cepu", 42, 100),
        ("Japah", 24, 100), ("Jati", 28, 100), ("Jepon", 30, 100), ("Jiken", 26, 77),
        ("Kedungtuban", 31, 100), ("Kradenan", 27, 100), ("Kunduran", 34, 100), ("Ngawen", 32, 100),
        ("Randublatung", 36, 100), ("Sambong", 23, 100), ("Todanan", 30, 93), ("Tunjungan", 29, 100),
    )
)
# fmt: on

DEMO_UNITS: dict[str, DemoUnit] = {unit.id: unit for unit in (*_UNITS_2019, *_AGENCIES_2020, *_KECAMATAN_2020)}
"""The 44 units: the 6 of 2019, the 22 agencies (illustrative) and 16 kecamatan of 2020."""

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

PACT_TEXT = (
    "PAKTA INTEGRITAS\n"
    "Saya, pegawai {unit}, Pemerintah Kabupaten Blora, dalam rangka pembangunan Zona Integritas "
    "menuju Wilayah Bebas dari Korupsi (WBK) dan Wilayah Birokrasi Bersih dan Melayani (WBBM), "
    "menyatakan: berperan pro aktif dalam upaya pencegahan dan pemberantasan korupsi, kolusi dan "
    "nepotisme; tidak meminta atau menerima pemberian secara langsung atau tidak langsung berupa "
    "suap, hadiah, bantuan atau bentuk lainnya yang tidak sesuai dengan ketentuan; bersikap "
    "transparan, jujur, obyektif dan akuntabel dalam melaksanakan tugas; menghindari pertentangan "
    "kepentingan; memberi contoh dalam kepatuhan terhadap peraturan perundang-undangan; dan "
    "bersedia menerima sanksi bila melanggar pakta ini (PermenPAN 49/2011).\n"
)
"""The pact text each employee signs; `pact_digest` is the SHA-256 of it for the unit's name."""


def pact_digest(unit_name: str) -> str:
    """The base64 SHA-256 of the pact text of a unit (body `pact_digest` of its pacts)."""
    return _digest(PACT_TEXT.format(unit=unit_name))


# --- names and numbers ---------------------------------------------------------------------------------

# fmt: off
_MALE = (
    "Agus", "Bambang", "Budi", "Joko", "Slamet", "Sugeng", "Heru", "Eko", "Wahyu", "Hadi", "Teguh", "Rahmat", "Yudi",
    "Arif", "Bayu", "Dimas", "Fajar", "Hendra", "Imam", "Kukuh", "Muhammad", "Nanang", "Priyo", "Rudi", "Samsul",
    "Sutrisno", "Wawan", "Yoga", "Ahmad", "Anton", "Catur", "Danang", "Edy", "Gunawan", "Haryanto", "Irfan",
    "Jatmiko", "Kusno", "Lilik", "Mulyono", "Pujo", "Ragil", "Sigit", "Sholeh", "Tono", "Untung", "Aris", "Bowo",
    "Darmaji", "Suyatno",
)
_FEMALE = (
    "Sri", "Endang", "Siti", "Rini", "Dewi", "Yuli", "Wulan", "Ratna", "Puji", "Eni", "Indah", "Fitri", "Ani",
    "Retno", "Sulastri", "Anik", "Erna", "Heni", "Ika", "Kartika", "Lina", "Maya", "Nining", "Novi", "Ratih", "Rina",
    "Susi", "Tutik", "Umi", "Winarti", "Yayuk", "Ayu", "Diah", "Ida", "Nur", "Tri", "Dwi", "Lusi", "Mega", "Yeni",
)
_MALE_FAMILY = (
    "Wibowo", "Santoso", "Prasetyo", "Susanto", "Hartono", "Setiawan", "Kurniawan", "Purnomo", "Saputra", "Hidayat",
    "Utomo", "Nugroho", "Pratama", "Kusuma", "Wijaya", "Sulistyo", "Hariyanto", "Suprapto", "Wahyudi", "Riyanto",
    "Budiman", "Firmansyah", "Kristanto", "Pamungkas", "Triyono", "Setyawan", "Raharjo", "Sudarsono", "Mardiyanto",
    "Gunadi",
)
_FEMALE_FAMILY = (
    "Rahayu", "Handayani", "Suryani", "Astuti", "Yulianti", "Rahmawati", "Permatasari", "Mulyani", "Susilowati",
    "Setyowati", "Ningsih", "Purwaningsih", "Haryati", "Anggraini", "Widyastuti", "Lestari", "Wulandari",
    "Puspitasari", "Kurniasih", "Fatimah",
)
_JOBS = {
    "rsud": ("Perawat Ahli Pertama", "Bidan Terampil", "Apoteker Ahli Pertama", "Dokter Ahli Pertama",
             "Pranata Laboratorium Kesehatan", "Perekam Medis"),
    "kecamatan": ("Kepala Seksi Pelayanan Umum", "Pengadministrasi Kependudukan", "Analis Kebijakan",
                  "Pranata Komputer"),
    "other": ("Analis Kebijakan Ahli Muda", "Pranata Komputer Ahli Pertama", "Pengelola Keuangan",
              "Analis Kepegawaian", "Pengadministrasi Umum", "Perencana Ahli Muda"),
}
# fmt: on
_OWN_KEYS = {"rsud": 5, "kecamatan": 2}  # employees who sign with their own keys; 3 elsewhere
_RETIREE = 8  # index in a unit's staff of the employee who retires, in the units below
_RETIREMENTS = {"rsud-soeprapto": 1963, "disdik": 1963, "kec-ngawen": 1964}  # birth years: BUP 58

_REMEDIATION_TEXT = {
    "change_management": "Tim kerja ZI belum menyusun rencana aksi dan monitoring berkala",
    "business_process": "SOP layanan utama belum dievaluasi dan belum didigitalkan",
    "hr_management": "Rencana pengembangan kompetensi dan penilaian kinerja individu belum lengkap",
    "accountability": "Data dukung LKE belum lengkap: capaian kinerja triwulanan belum diunggah",
    "oversight": "Pengendalian gratifikasi dan penanganan pengaduan (whistleblowing) belum berjalan",
    "public_service": "Standar pelayanan belum dipublikasikan dan maklumat pelayanan belum dipasang",
    "ipak": "Survei persepsi antikorupsi di bawah target: perbaiki transparansi biaya layanan",
    "performance": "Capaian kinerja di bawah target renstra: susun rencana perbaikan kinerja",
    "ipkp": "Survei persepsi kualitas pelayanan di bawah target: perbaiki waktu tunggu layanan",
}


@dataclass
class _Employee:
    name: str
    number: str  # NIP: birth date, appointment (TMT CPNS) month, sex, sequence
    job: str
    own_key: bool = False

    @property
    def born(self) -> date:
        return date.fromisoformat(f"{self.number[:4]}-{self.number[4:6]}-{self.number[6:8]}")


def _digest(text: str) -> str:
    return encode_base64(hashlib.sha256(text.encode("utf-8")).digest())


def _wib(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=WIB)


# --- the builder -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    """The leaf hash of an earlier labelled entry, filled in when the entries are signed."""

    label: str


@dataclass
class _Action:
    at: datetime
    order: int
    stream: str
    kind: str
    signer: str  # a key name
    body: dict[str, Any]
    label: str | None


@dataclass
class _UnitRun:
    """What the story needs to remember of a unit while writing it."""

    spec: DemoUnit
    staff: list[_Employee]
    headcount: int
    stage: str = "registered"
    track: str = "wbk"
    head_key: str = ""
    declarations: int = 0
    valid: dict[str, tuple[_Employee, date]] = field(default_factory=dict)  # number -> first signed
    open_items: list[str] = field(default_factory=list)
    items: int = 0
    last_internal: str = ""
    last_national: str = ""
    last_field: str = ""


class _Story:
    """The regency's offices and the life of each unit, written as dated entries, then signed in
    time order (ties in the order written)."""

    def __init__(self, seed: str, origin: str) -> None:
        self.seed = seed
        self.origin = origin
        self.rng = random.Random(seed)
        self.policy: Policy = parse_policy(default_policy_document())
        self.actions: list[_Action] = []
        self.units: dict[str, _UnitRun] = {}
        self._keys: dict[str, Ed25519PrivateKey] = {}
        self._fingerprints: dict[str, str] = {}
        self._names: set[str] = set()
        self._numbers: set[str] = set()

    # --- keys and entries ---

    def key(self, name: str) -> Ed25519PrivateKey:
        if name not in self._keys:
            seed = hashlib.sha256(f"{self.seed}/{name}".encode()).digest()
            self._keys[name] = private_key_from_seed(seed)
            self._fingerprints[name] = fingerprint(self._keys[name].public_key())
        return self._keys[name]

    def fingerprint(self, name: str) -> str:
        self.key(name)
        return self._fingerprints[name]

    def add(
        self, at: datetime, stream: str, kind: str, signer: str, body: dict[str, Any], label: str | None = None
    ) -> None:
        self.actions.append(_Action(at, len(self.actions), stream, kind, signer, body, label))

    def register_key(
        self, at: datetime, name: str, role: str, scope: list[str], holder: str, title: str, signer: str = "admin"
    ) -> None:
        public_key = encode_base64(public_key_bytes(self.key(name).public_key()))
        body = {"public_key": public_key, "role": role, "scope": scope, "holder": {"name": holder, "title": title}}
        self.add(at, f"key/{self.fingerprint(name)}", "key.registered", signer, body)

    def revoke_key(self, at: datetime, name: str, reason: str) -> None:
        self.add(at, f"key/{self.fingerprint(name)}", "key.revoked", "admin", {"reason": reason})

    def signed(self) -> list[Submission]:
        """Every entry in story order, signed on its stream's head (seq, prev) as it then is."""
        heads: dict[str, tuple[int, bytes]] = {}
        labelled: dict[str, bytes] = {}
        submissions = []
        for action in sorted(self.actions, key=lambda a: (a.at, a.order)):
            head = heads.get(action.stream)
            body = {name: self._resolve(value, labelled) for name, value in action.body.items()}
            entry = {
                "v": 1,
                "log": self.origin,
                "kind": action.kind,
                "stream": action.stream,
                "seq": 0 if head is None else head[0] + 1,
                "prev": None if head is None else encode_base64(head[1]),
                "at": format_time(action.at),
                "signer": self.fingerprint(action.signer),
                "body": body,
            }
            submission = sign_entry(entry, self.key(action.signer))
            heads[action.stream] = (submission.entry.seq, submission.leaf_hash)
            if action.label is not None:
                labelled[action.label] = submission.leaf_hash
            submissions.append(submission)
        return submissions

    @staticmethod
    def _resolve(value: Any, labelled: Mapping[str, bytes]) -> Any:
        if not isinstance(value, _Ref):
            return value
        if value.label not in labelled:
            raise AssertionError(f"the story refers to {value.label} before it happens")
        return encode_base64(labelled[value.label])

    # --- people ---

    def person_name(self, sex: int) -> str:
        first, family = (_MALE, _MALE_FAMILY) if sex == 1 else (_FEMALE, _FEMALE_FAMILY)
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
    ) -> _Employee:
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
        return _Employee(f"{prefix}{self.person_name(sex)}{suffix}", number, job)

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

    # --- the story ---

    def write(self) -> None:
        self.officials()
        for unit in _UNITS_2019:
            self.open_unit(unit, registered=date(2019, 1, 7))
        for unit in (*_AGENCIES_2020, *_KECAMATAN_2020):
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
            _wib(day, 10),
            "admin",
            "administrator",
            ["*"],
            "Tim Reformasi Birokrasi Kabupaten Blora",
            "Administrator Integritas, Bagian Organisasi Sekretariat Daerah",
            signer="root",
        )
        at = _wib(date(2019, 1, 3), 9)
        step = iter(range(0, 600, 5))

        def next_at() -> datetime:
            return at + timedelta(minutes=next(step))

        holders: dict[str, str] = {}
        regent = self.person_name(1)
        self.register_key(next_at(), "regent/1", "regent", ["*"], regent, "Bupati Blora 2016–2021")
        titles = {
            "parliament_chair": "Ketua DPRD Kabupaten Blora",
            "district_prosecutor": "Kepala Kejaksaan Negeri Blora",
            "district_police_chief": "Kepala Kepolisian Resor Blora",
            "military_district_commander": "Komandan Kodim 0721/Blora",
            "district_court_chief": "Ketua Pengadilan Negeri Blora",
            "battalion_commander": "Komandan Batalyon Infanteri 410/Alugoro",
        }
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

    def regent_at(self, day: date) -> str:
        return "regent/1" if day < REGENT_HANDOVER else "regent/2"

    def regent_handover(self) -> None:
        day = REGENT_HANDOVER
        regent = self.person_name(1)
        self.register_key(_wib(day, 8), "regent/2", "regent", ["*"], regent, "Bupati Blora 2021–2024")
        self.register_key(
            _wib(day, 8, 5), "witness/regent/2", "witness", ["*"], regent, "Bupati Blora 2021–2024, Forkopimda"
        )
        for name in ("regent/1", "witness/regent/1"):
            self.revoke_key(_wib(day, 8, 10), name, "masa jabatan Bupati 2016–2021 berakhir")

    # --- units, staff, declarations, pacts ---

    def open_unit(self, spec: DemoUnit, registered: date) -> None:
        rng = self.rng
        jobs = _JOBS.get(spec.type, _JOBS["other"])
        own = _OWN_KEYS.get(spec.type, 3)
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
            self.employee(rng.choice(jobs), born=_RETIREMENTS.get(spec.id) if n == _RETIREE else None)
            for n in range(2, spec.headcount)
        ]
        for employee in staff[2 : 2 + own]:
            employee.own_key = True
        run = _UnitRun(spec, staff, spec.headcount, head_key=f"unit_head/{spec.id}")
        self.units[spec.id] = run
        index = len(self.units)
        at = _wib(registered, 9) + timedelta(minutes=3 * index)
        self.add(
            at,
            f"unit/{spec.id}",
            "unit.registered",
            "admin",
            {"name": spec.name, "type": spec.type, "headcount": spec.headcount},
        )
        keys_at = _wib(registered + timedelta(days=1), 9) + timedelta(minutes=3 * index)
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
                _wib(spec.declared_on - timedelta(days=3), 9) + timedelta(minutes=n),
                f"employee/{employee.number}",
                "employee",
                [spec.id],
                employee.name,
                f"{employee.job}, {spec.short}",
            )

    def declarations(self) -> None:
        for unit in _UNITS_2019:
            self.declare(unit.id, _wib(unit.declared_on, 9), _wib(unit.declared_on, 10))
            self.initial_pacts(unit.id, _BUILDING_2019[unit.id])
            self.advance(
                unit.id,
                _wib(_BUILDING_2019[unit.id], 9),
                "building",
                "Pembangunan ZI dimulai: tim kerja dan rencana aksi enam area perubahan",
            )
        stalled = {uid for uid, outcome in DEMO_OUTCOMES.items() if outcome.stage == "declared"}
        units_2020 = (*_AGENCIES_2020, *_KECAMATAN_2020)
        for n, unit in enumerate(units_2020):
            self.declare(
                unit.id,
                _wib(CEREMONY_2020, 9) + timedelta(minutes=n),
                _wib(CEREMONY_2020, 10) + timedelta(minutes=7 * n),
            )
            if unit.id in stalled:
                self.initial_pacts(unit.id, None)
                continue
            building = date(2020, 7, 27) + timedelta(weeks=n % 11)
            self.initial_pacts(unit.id, building)
            self.advance(
                unit.id,
                _wib(building, 9) + timedelta(minutes=n),
                "building",
                "Pembangunan ZI dimulai setelah pakta integritas ditandatangani",
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
                {"declaration": _Ref(label), "office": office},
            )

    def sign_pact(self, uid: str, employee: _Employee, signed_on: date, at: datetime) -> None:
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
            body["document_digest"] = _digest(f"{self.seed}/scan/{uid}/{employee.number}/{signed_on}")
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
                at = _wib(declared, 11) + timedelta(minutes=rng.randint(0, 240))
            else:
                at = _wib(declared + timedelta(days=rng.randint(0, 2)), 13, rng.randint(0, 59))
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
            at = _wib(signed_on + timedelta(days=rng.randint(0, 1)), 14, rng.randint(0, 59))
            self.sign_pact(uid, employee, signed_on, at)

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
            self.release(source, moving, _wib(day, 8), "transfer")
            for uid, change in ((source, -1), (target, 1)):
                run = self.units[uid]
                run.headcount += change
                self.add(
                    _wib(day, 8, 30), f"unit/{uid}", "unit.headcount_set", run.head_key, {"headcount": run.headcount}
                )
            self.sign_pact(target, moving, day, _wib(day, 10))
        for uid in _RETIREMENTS:
            run = self.units[uid]
            retiree = run.staff[_RETIREE]
            born = retiree.born
            # Civil servants retire on the first day of the month after their 58th birthday.
            retiring = date(born.year + 58 + born.month // 12, born.month % 12 + 1, 1)
            self.release(uid, retiree, _wib(retiring, 8), "retired")
            newcomer = self.employee(
                self.rng.choice(_JOBS.get(run.spec.type, _JOBS["other"])),
                born=self.rng.randint(1994, 1998),
                appointed=date(2022, 4, 1),
            )
            run.staff.append(newcomer)
            self.sign_pact(uid, newcomer, date(2022, 4, 4), _wib(date(2022, 4, 4), 10))

    def release(self, uid: str, employee: _Employee, at: datetime, reason: str) -> None:
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
            body["basis"] = _Ref(basis)
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
            remediation.append({"id": item, "area": area, "text": _REMEDIATION_TEXT[area]})
            run.open_items.append(item)
        assessor = f"tpi/{self.rng.randint(1, 3)}" if level == "internal" else f"tpn/{self.rng.randint(1, 2)}"
        label = f"assessment/{uid}/{len(self.actions)}"
        self.add(
            _wib(day, 13),
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
            evidence = [_digest(f"{self.seed}/evidence/{uid}/{item}/{k}") for k in range(1 + n % 3)]
            self.add(
                _wib(day, 10, n),
                f"unit/{uid}",
                "remediation.completed",
                run.head_key,
                {"item": item, "evidence": evidence},
            )

    def nominate(self, uid: str, day: date) -> None:
        self.advance(
            uid,
            _wib(day, 10),
            "nominated",
            "Diusulkan ke Kementerian PANRB setelah penilaian TPI memenuhi syarat",
            signer=self.regent_at(day),
            basis=self.units[uid].last_internal,
        )

    def send_back(self, uid: str, day: date) -> None:
        self.advance(
            uid,
            _wib(day, 10),
            "building",
            "Hasil evaluasi TPN belum memenuhi: kembali ke pembangunan dengan rekomendasi",
            signer=f"tpn/{self.rng.randint(1, 2)}",
            basis=self.units[uid].last_national,
        )

    def designate(self, uid: str, day: date) -> None:
        track = self.units[uid].track.upper()
        self.advance(
            uid,
            _wib(day, 10),
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
        self.declare(uid, _wib(wbbm, 9), _wib(wbbm, 9, 30), track="wbbm")
        run = self.units[uid]
        resigning = [employee for employee, first in run.valid.values() if first < wbbm]
        for n, employee in enumerate(resigning):  # everyone re-signs for WBBM
            at = (
                _wib(wbbm, 11) + timedelta(minutes=n % 240)
                if employee.own_key
                else _wib(wbbm + timedelta(days=1 + n % 10), 13, n % 60)
            )
            self.sign_pact(uid, employee, wbbm, at)
        self.advance(
            uid, _wib(d(2022, 2, 7), 9), "building", "Pembangunan menuju WBBM: inovasi layanan dan survei kepuasan"
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
                _wib(day, 11),
                f"oversight/{uid}",
                "oversight.noted",
                f"overseer/{office}",
                {"office": office, "topic": topic, "text": text},
            )

        # The DPUPR case: the head is named a suspect, the key is revoked, the WBK is revoked.
        uid, run = "dpupr", self.units["dpupr"]
        case = "case/dpupr"
        self.add(
            _wib(d(2022, 5, 23), 11),
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
            _wib(d(2022, 5, 24), 9),
            run.head_key,
            "pemegang kunci diberhentikan sementara: ditetapkan sebagai tersangka",
        )
        self.release(uid, run.staff[0], _wib(d(2022, 5, 24), 9, 30), "other")
        acting = run.staff[8]
        run.head_key = f"unit_head/{uid}/2"
        self.register_key(
            _wib(d(2022, 5, 24), 10),
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


# --- the public entry point ----------------------------------------------------------------------------


def build_demo(
    directory: Path,
    *,
    seed: str = DEMO_SEED,
    origin: str = DEMO_ORIGIN,
    progress: Callable[[int, int], None] | None = None,
) -> LedgerStore:
    """Create the Blora demo ledger in `directory` (empty or absent) and return its store.

    The same seed and origin always give the same leaves, hence the same tree root. `progress`
    is called with (entries appended, entries in total) after each batch.
    """
    story = _Story(seed, origin)
    story.write()
    submissions = story.signed()
    store = init_ledger(
        directory,
        origin=origin,
        name=DEMO_NAME,
        root_key=story.key("root"),
        log_key=story.key("log"),
        genesis_at=GENESIS_AT,
    )
    total = len(submissions) + 1
    for start in range(0, len(submissions), BATCH_SIZE):
        store.append_batch(submissions[start : start + BATCH_SIZE])
        if progress is not None:
            progress(min(start + BATCH_SIZE, len(submissions)) + 1, total)
    return store
