"""The cast of the Blora demo: its units, offices and people, as data tables (no story, no store).

The 22 agencies of 2020 are not named in the source (DOMAIN.md); the list below is the usual set of
regency agencies and is illustrative. People, numbers, scores, findings, cases and decrees are
invented (see `DEMO_NOTE`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta, timezone

from ledger.crypto.keys import encode_base64

DEMO_NOTE = (
    "Demo data. The story follows the public record of Blora's integrity-zone declarations "
    "(DOMAIN.md): six units declared in 2019, and 22 agencies and 16 kecamatan on 8 July 2020, "
    "witnessed by the Forkopimda. The source does not name the 22 agencies of 2020: the list used "
    "here is the usual set of regency agencies and is illustrative. Every person, employee number, "
    "score, review, finding, case and decree in this ledger is invented. Real offices of Blora take "
    "only neutral or positive steps here; every adverse storyline (a failed review, a rejected "
    "appeal, a case, a revocation) belongs to a unit that does not exist: its id starts with "
    "'fiktif-' and its name ends with '(unit fiktif)'."
)
FICTIONAL_PREFIX = "fiktif-"
FICTIONAL_SUFFIX = " (unit fiktif)"


def is_fictional(unit_id: str) -> bool:
    """Whether a demo unit is one of the invented units that carry every adverse storyline."""
    return unit_id.startswith(FICTIONAL_PREFIX)


WIB = timezone(timedelta(hours=7), "WIB")  # Blora keeps Western Indonesian Time
CEREMONY_2020 = date(2020, 7, 8)
REGENT_HANDOVER = date(2021, 2, 26)  # a new regent takes office: the old regent's keys are revoked
REGENT_HANDOVER_2025 = date(2025, 2, 20)


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


# One row per unit: id, name, type, headcount, pact %, head's title, short name.
# fmt: off
UNITS_2019 = tuple(
    DemoUnit(uid, name, kind, headcount, percent, declared, head, short)
    for uid, name, kind, headcount, percent, declared, head, short in (
        ("rsud-soetijono", "RSUD dr. R. Soetijono Blora", "rsud", 562, 97, date(2019, 3, 4),
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

# Illustrative: the source does not name the 22 agencies of 2020 (DOMAIN.md).
AGENCIES_2020 = tuple(
    DemoUnit(uid, name, kind, headcount, percent, CEREMONY_2020, f"{head} Kabupaten Blora", short)
    for uid, name, kind, headcount, percent, head, short in (
        ("disdik", "Dinas Pendidikan", "dinas", 240, 96, "Kepala Dinas Pendidikan", "Disdik"),
        ("dinkes", "Dinas Kesehatan", "dinas", 185, 100, "Kepala Dinas Kesehatan", "Dinkes"),
        ("dpupr", "Dinas Pekerjaan Umum dan Penataan Ruang", "dinas", 150, 100, "Kepala Dinas PUPR", "DPUPR"),
        ("dinsos", "Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak", "dinas", 68, 100,
         "Kepala Dinas Sosial P3A", "Dinsos P3A"),
        ("dinpertan", "Dinas Pertanian dan Ketahanan Pangan", "dinas", 165, 96,
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
        ("dinpermades", "Dinas Pemberdayaan Masyarakat dan Desa", "dinas", 44, 100,
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
KECAMATAN_2020 = tuple(
    DemoUnit(f"kec-{place.lower()}", f"Kecamatan {place}", "kecamatan", headcount, percent, CEREMONY_2020,
             f"Camat {place}", f"Kecamatan {place}")
    for place, headcount, percent in (
        ("Banjarejo", 30, 100), ("Blora", 45, 100), ("Bogorejo", 22, 100), ("Cepu", 42, 100),
        ("Japah", 24, 100), ("Jati", 28, 100), ("Jepon", 30, 100), ("Jiken", 26, 100),
        ("Kedungtuban", 31, 100), ("Kradenan", 27, 100), ("Kunduran", 34, 100), ("Ngawen", 32, 100),
        ("Randublatung", 36, 100), ("Sambong", 23, 100), ("Todanan", 30, 97), ("Tunjungan", 29, 100),
    )
)
# Illustrative: three of the regency's puskesmas building their integrity zone from 2021.
PUSKESMAS_2021 = tuple(
    DemoUnit(f"pkm-{place.lower()}", f"Puskesmas {place}", "puskesmas", headcount, 100, date(2021, 3, 15),
             f"Kepala Puskesmas {place}", f"Puskesmas {place}")
    for place, headcount in (("Blora", 48), ("Cepu", 44), ("Randublatung", 38))
)
# Invented units: every adverse storyline of the demo belongs to one of these (DEMO_NOTE).
FICTIONAL_UNITS = tuple(
    DemoUnit(uid, name + FICTIONAL_SUFFIX, kind, headcount, percent, declared, head + FICTIONAL_SUFFIX, short)
    for uid, name, kind, headcount, percent, declared, head, short in (
        ("fiktif-dinas-a", "Dinas Contoh A", "dinas", 52, 100, date(2020, 8, 10), "Kepala Dinas Contoh A",
         "Dinas Contoh A"),
        ("fiktif-dinas-b", "Dinas Contoh B", "dinas", 40, 50, date(2020, 8, 10), "Kepala Dinas Contoh B",
         "Dinas Contoh B"),
        ("fiktif-puskesmas", "Puskesmas Contoh", "puskesmas", 36, 100, date(2021, 3, 15), "Kepala Puskesmas Contoh",
         "Puskesmas Contoh"),
        ("fiktif-kecamatan", "Kecamatan Contoh", "kecamatan", 25, 60, date(2021, 3, 15), "Camat Contoh",
         "Kecamatan Contoh"),
    )
)
# fmt: on

DEMO_UNITS: dict[str, DemoUnit] = {
    unit.id: unit for unit in (*UNITS_2019, *AGENCIES_2020, *KECAMATAN_2020, *PUSKESMAS_2021, *FICTIONAL_UNITS)
}
"""The 51 units: the 6 of 2019, the 22 agencies (illustrative) and 16 kecamatan of 2020, three
puskesmas of 2021 (illustrative) and the four invented units (`fiktif-...`)."""

# --- offices -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessOffice:
    """An office whose head witnesses declarations: `id` and `name` go on its key's registration
    (rules edition 2: the office of an attestation is its key's); `units` limits it to some units."""

    key: str  # the story's name for the office, and its key's name under "witness/"
    id: str
    name: str
    title: str
    units: tuple[str, ...] = ()  # empty: every declaration


WITNESS_OFFICES_BLORA = (
    WitnessOffice("regent", "bupati-blora", "Bupati Blora", "Bupati Blora"),
    WitnessOffice("parliament_chair", "dprd-blora", "DPRD Kabupaten Blora", "Ketua DPRD Kabupaten Blora"),
    WitnessOffice("district_prosecutor", "kejari-blora", "Kejaksaan Negeri Blora", "Kepala Kejaksaan Negeri Blora"),
    WitnessOffice("district_police_chief", "polres-blora", "Kepolisian Resor Blora", "Kepala Kepolisian Resor Blora"),
    WitnessOffice("military_district_commander", "kodim-0721", "Kodim 0721/Blora", "Komandan Kodim 0721/Blora"),
    WitnessOffice("district_court_chief", "pn-blora", "Pengadilan Negeri Blora", "Ketua Pengadilan Negeri Blora"),
    WitnessOffice(
        "battalion_commander", "yonif-410", "Batalyon Infanteri 410/Alugoro", "Komandan Batalyon Infanteri 410/Alugoro"
    ),
    # Beyond the Forkopimda: the inspectorate, and each RSUD's supervisory board for its hospital.
    WitnessOffice("inspector", "inspektorat-blora", "Inspektorat Kabupaten Blora", "Inspektur Kabupaten Blora"),
    WitnessOffice(
        "rsud_board_soetijono",
        "dewas-rsud-soetijono",
        "Dewan Pengawas RSUD dr. R. Soetijono Blora",
        "Ketua Dewan Pengawas RSUD dr. R. Soetijono Blora",
        ("rsud-soetijono",),
    ),
    WitnessOffice(
        "rsud_board_soeprapto",
        "dewas-rsud-soeprapto",
        "Dewan Pengawas RSUD dr. R. Soeprapto Cepu",
        "Ketua Dewan Pengawas RSUD dr. R. Soeprapto Cepu",
        ("rsud-soeprapto",),
    ),
)
"""The offices that witness declarations: the regent and the Forkopimda, the Inspektur, and the
RSUD supervisory boards (any registered witness office may attest in rules edition 2)."""

OVERSEER_OFFICES = {
    "district_prosecutor": ("kejari-blora", "Kejaksaan Negeri Blora"),
    "district_police_chief": ("polres-blora", "Kepolisian Resor Blora"),
}
"""The two offices that accompany units and open cases: an overseer key carries its office."""

PACT_TEXT = (
    "PAKTA INTEGRITAS\n"
    "Saya, pegawai {unit}, Pemerintah Kabupaten Blora, dalam rangka pembangunan Zona Integritas "
    "menuju Wilayah Bebas dari Korupsi (WBK) dan Wilayah Birokrasi Bersih dan Melayani (WBBM), "
    "menyatakan: berperan pro aktif dalam upaya pencegahan dan pemberantasan korupsi, kolusi dan "
    "nepotisme serta tidak melibatkan diri dalam perbuatan tercela; tidak meminta atau menerima "
    "pemberian secara langsung atau tidak langsung berupa suap, hadiah, bantuan atau bentuk lainnya "
    "yang tidak sesuai dengan ketentuan; bersikap transparan, jujur, obyektif dan akuntabel dalam "
    "melaksanakan tugas; menghindari pertentangan kepentingan; memberi contoh dalam kepatuhan "
    "terhadap peraturan perundang-undangan; akan menyampaikan informasi penyimpangan integritas di "
    "lingkungan kerja dan turut menjaga kerahasiaan saksi atas pelanggaran peraturan yang "
    "dilaporkannya; dan bersedia menerima sanksi bila melanggar pakta ini (PermenPAN 49/2011).\n"
)
"""The pact text each employee signs; `pact_digest` is the SHA-256 of it for the unit's name."""


def pact_digest(unit_name: str) -> str:
    """The base64 SHA-256 of the pact text of a unit (body `pact_digest` of its pacts)."""
    return digest(PACT_TEXT.format(unit=unit_name))


def digest(text: str) -> str:
    """The base64 SHA-256 of a text: how the demo stands in for documents it does not hold."""
    return encode_base64(hashlib.sha256(text.encode("utf-8")).digest())


# --- people --------------------------------------------------------------------------------------------

# fmt: off
MALE_NAMES = (
    "Agus", "Bambang", "Budi", "Joko", "Slamet", "Sugeng", "Heru", "Eko", "Wahyu", "Hadi", "Teguh", "Rahmat", "Yudi",
    "Arif", "Bayu", "Dimas", "Fajar", "Hendra", "Imam", "Kukuh", "Muhammad", "Nanang", "Priyo", "Rudi", "Samsul",
    "Sutrisno", "Wawan", "Yoga", "Ahmad", "Anton", "Catur", "Danang", "Edy", "Gunawan", "Haryanto", "Irfan",
    "Jatmiko", "Kusno", "Lilik", "Mulyono", "Pujo", "Ragil", "Sigit", "Sholeh", "Tono", "Untung", "Aris", "Bowo",
    "Darmaji", "Suyatno",
)
FEMALE_NAMES = (
    "Sri", "Endang", "Siti", "Rini", "Dewi", "Yuli", "Wulan", "Ratna", "Puji", "Eni", "Indah", "Fitri", "Ani",
    "Retno", "Sulastri", "Anik", "Erna", "Heni", "Ika", "Kartika", "Lina", "Maya", "Nining", "Novi", "Ratih", "Rina",
    "Susi", "Tutik", "Umi", "Winarti", "Yayuk", "Ayu", "Diah", "Ida", "Nur", "Tri", "Dwi", "Lusi", "Mega", "Yeni",
)
MALE_FAMILY_NAMES = (
    "Wibowo", "Santoso", "Prasetyo", "Susanto", "Hartono", "Setiawan", "Kurniawan", "Purnomo", "Saputra", "Hidayat",
    "Utomo", "Nugroho", "Pratama", "Kusuma", "Wijaya", "Sulistyo", "Hariyanto", "Suprapto", "Wahyudi", "Riyanto",
    "Budiman", "Firmansyah", "Kristanto", "Pamungkas", "Triyono", "Setyawan", "Raharjo", "Sudarsono", "Mardiyanto",
    "Gunadi",
)
FEMALE_FAMILY_NAMES = (
    "Rahayu", "Handayani", "Suryani", "Astuti", "Yulianti", "Rahmawati", "Permatasari", "Mulyani", "Susilowati",
    "Setyowati", "Ningsih", "Purwaningsih", "Haryati", "Anggraini", "Widyastuti", "Lestari", "Wulandari",
    "Puspitasari", "Kurniasih", "Fatimah",
)
JOBS = {
    "puskesmas": ("Perawat Terampil", "Bidan Terampil", "Sanitarian", "Nutrisionis", "Dokter Ahli Pertama",
                  "Pengadministrasi Umum"),
    "rsud": ("Perawat Ahli Pertama", "Bidan Terampil", "Apoteker Ahli Pertama", "Dokter Ahli Pertama",
             "Pranata Laboratorium Kesehatan", "Perekam Medis"),
    "kecamatan": ("Kepala Seksi Pelayanan Umum", "Pengadministrasi Kependudukan", "Analis Kebijakan",
                  "Pranata Komputer"),
    "other": ("Analis Kebijakan Ahli Muda", "Pranata Komputer Ahli Pertama", "Pengelola Keuangan",
              "Analis Kepegawaian", "Pengadministrasi Umum", "Perencana Ahli Muda"),
}
# fmt: on
OWN_KEYS = {"rsud": 5, "kecamatan": 2, "puskesmas": 2}  # employees who sign with their own keys; 3 elsewhere
RETIREE = 8  # index in a unit's staff of the employee who retires, in the units below
RETIREMENTS = {"rsud-soeprapto": 1963, "disdik": 1963, "kec-ngawen": 1964}  # birth years: BUP 58

REMEDIATION_TEXT = {
    "change_management": "Tim kerja ZI belum menyusun rencana aksi dan monitoring berkala",
    "business_process": "SOP layanan utama belum dievaluasi dan belum didigitalkan",
    "hr_management": "Rencana pengembangan kompetensi dan penilaian kinerja individu belum lengkap",
    "accountability": "Data dukung LKE belum lengkap: capaian kinerja triwulanan belum diunggah",
    "oversight": "Pengendalian gratifikasi dan penanganan pengaduan (whistleblowing) belum berjalan",
    "public_service": "Standar pelayanan belum dipublikasikan dan maklumat pelayanan belum dipasang",
    "ipak": "Survei persepsi antikorupsi di bawah target: perbaiki transparansi biaya layanan",
    "performance": "Capaian kinerja di bawah target renstra: susun rencana perbaikan kinerja",
    "tlhp": "Tindak lanjut hasil pemeriksaan belum tuntas: selesaikan rekomendasi temuan audit",
    "ipkp": "Survei persepsi kualitas pelayanan di bawah target: perbaiki waktu tunggu layanan",
}
