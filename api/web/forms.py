"""The forms of /write: one catalogue entry per kind, rendered by one template (write_form.html) and
one script (static/writer.js), instead of a page per kind (issue 13, item 2).

An entry says, for one kind: its title (Indonesian, English), the key roles that may use it, the
stream it writes (a template over its fields), and its fields: the body member each fills (a dotted
path such as `employee.name`, or a stream part only), the input it takes and its labels. `problems`
maps a refusal (the problem document's `reason`, else its `code`) to the field it concerns, so the
page shows it there. What the ledger accepts is decided by the rules alone (ledger.rules), never
here: a form may offer what the rules then refuse, and shows the refusal.

Field inputs (`input`), and what the script puts in the body:
  text, textarea   a string (NFC)                  id       a lowercase id
  choice           one of `choices`                date     YYYY-MM-DD
  count, year      an integer                      digest   a base64 SHA-256, pasted
  file_digest      the SHA-256 of a file hashed in the page (never uploaded), base64
  files_digests    an array of those               text_digest the SHA-256 of the UTF-8 text shown
  lines            an array of the non-empty lines public_key  a base64 raw Ed25519 key
  scope            ids separated by commas, or *   scores   the score areas, decimal strings
  remediation      lines `id | area | text`        evidence {"documents": {root, count}} of files
  leaf_hash        a base64 leaf hash, pasted      signature a base64 Ed25519 signature, pasted
  person           a pseudonym p-…, or an employee number the page turns into one by a recorded read
                   (GET /v1/personal-data/{person}: the administrator's key reads as operator; static/erasure.js)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.entry import EDITION_2_KINDS, EDITION_3_KINDS, ROLES, STAGES, UNIT_TYPES

# The pact each employee signs (PermenPAN 49/2011, its form); `{unit}` is the unit's name. The page
# shows the whole text and signs its SHA-256 as `pact_digest`.
PACT_TEXT = (
    "PAKTA INTEGRITAS\n"
    "Saya, pegawai {unit}, dalam rangka pembangunan Zona Integritas "
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


@dataclass(frozen=True)
class Field:
    """One input of a form: the body member it fills (`name`, dotted), or a stream part (`body=False`)."""

    name: str
    input: str
    id: str  # the label in Indonesian
    en: str  # the label in English
    required: bool = True
    body: bool = True
    choices: tuple[str, ...] = ()
    default: str = ""
    always: bool = False  # sent even when left empty (as ""): a member the body must have, which may be empty
    since: int = 1  # the rules edition from which the form has this field

    def label(self, lang: str) -> str:
        return self.id if lang == "id" else self.en

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "input": self.input,
            "required": self.required,
            "body": self.body,
            "always": self.always,
        }


# The problems of the personal-data routes a form names a person through (docs/contract/personal-data.md).
PERSON_CODES = (
    "personal_data_mismatch",
    "invalid_personal_data",
    "employee_name_differs",
    "employee_number_held",
)


@dataclass(frozen=True)
class Person:
    """Rules edition 3 (issue 15; docs/contract/personal-data.md): the body member that names a person by
    pseudonym and commitment, and the fields holding the data committed to. The page makes (or looks
    up) the pseudonym and commitment, and sends the data beside the entry, never inside it."""

    member: str  # "employee", "holder"
    name: str  # the field of the person's name
    number: str  # the field of the employee number (NIP)

    def document(self) -> dict[str, Any]:
        # `codes`: the personal-data routes' problems (not refusals of the rules), shown on the name field.
        return {"member": self.member, "name": self.name, "number": self.number, "codes": list(PERSON_CODES)}


@dataclass(frozen=True)
class Form:
    """The form of one kind."""

    kind: str
    id: str  # title in Indonesian
    en: str
    roles: tuple[str, ...]
    stream: str  # e.g. "pact/{unit}/{employee.number}"; "{fingerprint:public_key}" is the key's fingerprint
    fields: tuple[Field, ...]
    problems: dict[str, str] = field(default_factory=dict)
    roster: bool = False  # a batch from a roster CSV (pacts recorded by the registrar)
    person: Person | None = None  # edition 3: the person the body names by commitment
    committed_stream: str = ""  # edition 3: the stream when it names the person by pseudonym

    def title(self, lang: str) -> str:
        return self.id if lang == "id" else self.en

    def labels_of(self, field: Field) -> str:
        """The category of api.web.i18n.LABELS that names `field`'s choices in the page's language."""
        if self.kind == "case.closed" and field.name == "outcome":
            return "case_outcome"
        return CHOICE_LABELS.get(field.name, "")

    def since(self) -> int:
        """The rules edition from which the log takes this kind (ledger.entry's lists)."""
        return 3 if self.kind in EDITION_3_KINDS else 2 if self.kind in EDITION_2_KINDS else 1

    def fields_for(self, rules: int) -> tuple[Field, ...]:
        """The fields of the form on a log of rules edition `rules`."""
        return tuple(f for f in self.fields if f.since <= rules)

    def committed(self, rules: int) -> Person | None:
        """The person the body names by commitment on a log of rules edition `rules`, if any."""
        return self.person if rules >= 3 else None

    def document(self, rules: int = 2) -> dict[str, Any]:
        """What the script needs: kind, stream template, fields, the refusal → field map, and under
        rules edition 3 the person named by commitment."""
        person = self.committed(rules)
        return {
            "kind": self.kind,
            "stream": self.committed_stream if person is not None and self.committed_stream else self.stream,
            "fields": [f.document() for f in self.fields_for(rules)],
            "problems": self.problems,
            "roster": self.roster,
            "person": None if person is None else person.document(),
        }


def _unit() -> Field:
    return Field("unit", "id", "Unit kerja (id)", "Unit (id)", body=False)


def _decree(prefix: str, id_: str, en: str, required: bool = True) -> tuple[Field, ...]:
    return (
        Field(f"{prefix}.number", "text", f"{id_}: nomor", f"{en}: number", required=required),
        Field(f"{prefix}.date", "date", f"{id_}: tanggal", f"{en}: date", required=required),
        Field(
            f"{prefix}.document",
            "file_digest",
            f"{id_}: berkas (di-hash di sini)",
            f"{en}: file (hashed here)",
            required=required,
        ),
    )


def _person_problems(member: str) -> dict[str, str]:
    """Rules edition 3: the refusals of a person named by commitment, shown on the name field."""
    return {problem: f"{member}.name" for problem in ("person_commitment_mismatch", "person_erased")}


# The label category (api.web.i18n.LABELS) of a choice field, by its name.
CHOICE_LABELS = {
    "occasion": "occasion",
    "reason": "reason",
    "from": "stage",
    "to": "stage",
    "track": "track",
    "level": "level",
    "step": "step",
    "outcome": "outcome",
    "predicate": "predicate",
    "ground": "ground",
    "topic": "topic",
    "concerns": "concerns",
    "type": "type",
    "role": "role",
    "stage": "case_stage",
}

FORMS: tuple[Form, ...] = (
    Form(
        "pact.signed",
        "Pakta integritas",
        "Integrity pact",
        ("employee", "pact_registrar"),
        "pact/{unit}/{employee.number}",
        (
            _unit(),
            Field("unit_name", "text", "Nama unit (dalam teks pakta)", "Unit name (in the pact text)", body=False),
            Field("employee.name", "text", "Nama pegawai", "Employee's name"),
            Field("employee.number", "id", "NIP pegawai", "Employee number (NIP)"),
            Field(
                "pact_digest",
                "text_digest",
                "Teks pakta (SHA-256 ditandatangani)",
                "Pact text (its SHA-256 is signed)",
                default=PACT_TEXT,
            ),
            Field("signed_on", "date", "Tanggal ditandatangani", "Signed on"),
            Field(
                "occasion",
                "choice",
                "Kesempatan",
                "Occasion",
                choices=("declaration", "unit_ceremony", "appointment", "transfer", "yearly"),
            ),
            Field(
                "document_digest",
                "file_digest",
                "Pindaian pakta kertas",
                "Scan of the paper pact",
                required=False,
            ),
        ),
        {
            "pact_not_own": "employee.name",
            "employee_name_mismatch": "employee.name",
            "pact_other_employee": "employee.number",
            "pact_stream_mismatch": "employee.number",
            "occasion_required": "occasion",
            "unknown_unit": "unit",
            "out_of_scope": "unit",
            **_person_problems("employee"),
        },
        roster=True,
        person=Person("employee", "employee.name", "employee.number"),
        committed_stream="pact/{unit}/{employee.person}",
    ),
    Form(
        "pact.released",
        "Pelepasan pakta",
        "Pact released",
        ("unit_head", "pact_registrar"),
        "pact/{unit}/{number}",
        (
            _unit(),
            Field("number", "id", "NIP pegawai", "Employee number (NIP)", body=False),
            Field("reason", "choice", "Alasan", "Reason", choices=("transfer", "retired", "other")),
        ),
        {"pact_not_valid": "number", "unknown_unit": "unit", "out_of_scope": "unit"},
    ),
    Form(
        "stage.advanced",
        "Tahap unit (pencanangan, pembangunan, usulan, penetapan)",
        "A unit's stage (declaration, building, proposal, designation)",
        ("unit_head", "regent", "national_assessor", "minister"),
        "unit/{unit}",
        (
            _unit(),
            Field("from", "choice", "Dari tahap", "From stage", choices=STAGES),
            Field("to", "choice", "Ke tahap", "To stage", choices=STAGES),
            Field("track", "choice", "Jalur", "Track", choices=("wbk", "wbbm")),
            Field("note", "textarea", "Catatan", "Note", required=False, always=True),
            Field(
                "basis",
                "leaf_hash",
                "Dasar (hash entri)",
                "Basis (an entry's leaf hash)",
                required=False,
            ),
            Field("cycle", "year", "Siklus usulan (tahun)", "Proposal cycle (year)", required=False),
            Field(
                "statement",
                "file_digest",
                "SPTJM (di-hash di sini)",
                "Statement of responsibility (hashed here)",
                required=False,
            ),
            *_decree("sk", "SK penetapan", "Designation decree", required=False),
        ),
        {
            "transition_not_allowed": "to",
            "track_mismatch": "track",
            "pact_coverage_too_low": "to",
            "cycle_required": "cycle",
            "decree_required": "sk.number",
            "unknown_unit": "unit",
            "out_of_scope": "unit",
            "role_not_allowed": "to",
        },
    ),
    Form(
        "declaration.witnessed",
        "Kesaksian pencanangan",
        "Witnessing a declaration",
        ("witness",),
        "witness/{unit}",
        (
            _unit(),
            Field("declaration", "leaf_hash", "Entri pencanangan (hash)", "The declaration entry (leaf hash)"),
        ),
        {
            "unknown_declaration": "declaration",
            "already_witnessed": "declaration",
            "unknown_unit": "unit",
            "out_of_scope": "unit",
        },
    ),
    Form(
        "assessment.reviewed",
        "Penilaian (TPI / TPN)",
        "Assessment (internal / national)",
        ("internal_assessor", "national_assessor"),
        "unit/{unit}",
        (
            _unit(),
            Field("level", "choice", "Tingkat", "Level", choices=("internal", "national")),
            Field("year", "year", "Tahun", "Year"),
            Field("track", "choice", "Jalur", "Track", choices=("wbk", "wbbm")),
            Field("step", "choice", "Langkah", "Step", choices=("lke", "desk", "field", "screening")),
            Field("scores", "scores", "Nilai", "Scores"),
            Field("outcome", "choice", "Hasil", "Outcome", choices=("passed", "failed")),
            Field(
                "remediation",
                "remediation",
                "Perbaikan (baris: id | area | teks)",
                "Remediation (lines: id | area | text)",
                required=False,
            ),
            Field(
                "evidence",
                "evidence",
                "Dokumen bukti (di-hash di sini, tidak diunggah)",
                "Evidence documents (hashed here, never uploaded)",
                required=False,
            ),
        ),
        {
            "score_out_of_range": "scores",
            "score_areas_model": "scores",
            "thresholds_not_met": "outcome",
            "passed_below_thresholds": "outcome",
            "role_not_allowed": "level",
            "level_step_mismatch": "step",
            "step_recorded": "step",
            "unknown_unit": "unit",
            "out_of_scope": "unit",
        },
    ),
    Form(
        "remediation.completed",
        "Perbaikan selesai",
        "Remediation completed",
        ("unit_head",),
        "unit/{unit}",
        (
            _unit(),
            Field("item", "id", "Butir perbaikan (id)", "Remediation item (id)"),
            Field("evidence", "files_digests", "Bukti (berkas di-hash di sini)", "Evidence (files hashed here)"),
        ),
        {"unknown_remediation": "item", "remediation_closed": "item", "unknown_unit": "unit", "out_of_scope": "unit"},
    ),
    Form(
        "screening.recorded",
        "Seleksi administrasi (TPN)",
        "Administrative screening (national)",
        ("national_assessor",),
        "unit/{unit}",
        (
            _unit(),
            Field("cycle", "year", "Siklus (tahun)", "Cycle (year)"),
            Field("outcome", "choice", "Hasil", "Outcome", choices=("passed", "passed_with_notes", "failed")),
            Field("notes", "lines", "Catatan (satu per baris)", "Notes (one a line)", required=False),
        ),
        {"not_proposed": "cycle", "screening_recorded": "cycle", "unknown_unit": "unit"},
    ),
    Form(
        "appeal.filed",
        "Sanggah",
        "Appeal",
        ("unit_head",),
        "unit/{unit}",
        (
            _unit(),
            Field("cycle", "year", "Siklus (tahun)", "Cycle (year)"),
            Field("text", "textarea", "Isi sanggahan", "The appeal"),
            Field("documents", "files_digests", "Dokumen (di-hash di sini)", "Documents (hashed here)", required=False),
        ),
        {"unknown_unit": "unit", "out_of_scope": "unit"},
    ),
    Form(
        "appeal.decided",
        "Keputusan sanggah (TPN)",
        "Appeal decision (national)",
        ("national_assessor",),
        "unit/{unit}",
        (
            _unit(),
            Field("cycle", "year", "Siklus (tahun)", "Cycle (year)"),
            Field("outcome", "choice", "Keputusan", "Decision", choices=("granted", "rejected")),
            Field("note", "textarea", "Catatan", "Note"),
        ),
        {"unknown_unit": "unit"},
    ),
    Form(
        "predicate.revoked",
        "Pencabutan predikat (SK Menteri)",
        "Revoking a predicate (minister's decree)",
        ("minister",),
        "unit/{unit}",
        (
            _unit(),
            Field("predicate", "choice", "Predikat", "Predicate", choices=("wbk", "wbbm")),
            Field(
                "ground",
                "choice",
                "Dasar pencabutan",
                "Ground",
                choices=("suspect_named", "caught_red_handed", "maladministration", "public_report", "other"),
            ),
            *_decree("sk", "SK pencabutan", "Revocation decree"),
            Field("note", "textarea", "Catatan", "Note"),
            Field(
                "basis",
                "leaf_hash",
                "Dasar (hash entri)",
                "Basis (an entry's leaf hash)",
                required=False,
            ),
        ),
        {"predicate_not_held": "predicate", "unknown_unit": "unit"},
    ),
    Form(
        "monitoring.recorded",
        "Pemantauan tahunan",
        "Yearly monitoring",
        ("internal_assessor", "national_assessor"),
        "unit/{unit}",
        (
            _unit(),
            Field("year", "year", "Tahun", "Year"),
            Field("outcome", "choice", "Hasil", "Outcome", choices=("maintained", "concerns")),
            Field("note", "textarea", "Catatan", "Note"),
            Field(
                "evidence",
                "evidence",
                "Dokumen bukti (di-hash di sini)",
                "Evidence documents (hashed here)",
                required=False,
            ),
        ),
        {"no_predicate": "unit", "unknown_unit": "unit"},
    ),
    Form(
        "oversight.noted",
        "Catatan pengawasan",
        "Oversight note",
        ("overseer",),
        "oversight/{unit}",
        (
            _unit(),
            Field(
                "topic", "choice", "Topik", "Topic", choices=("accompaniment", "finding", "case_opened", "case_closed")
            ),
            Field("text", "textarea", "Catatan", "Note"),
        ),
        {"unknown_unit": "unit", "out_of_scope": "unit"},
    ),
    Form(
        "case.opened",
        "Perkara dibuka",
        "Case opened",
        ("overseer",),
        "case/{unit}/{case}",
        (
            _unit(),
            Field("case", "id", "Nomor perkara (id)", "Case (id)", body=False),
            Field("stage", "choice", "Tahap", "Stage", choices=("inquiry", "investigation", "prosecution")),
            Field(
                "concerns", "choice", "Menyangkut", "Concerns", choices=("unit", "unit_head", "employee", "official")
            ),
            Field("text", "textarea", "Uraian", "Text"),
        ),
        {"case_exists": "case", "unknown_unit": "unit", "out_of_scope": "unit"},
    ),
    Form(
        "case.advanced",
        "Perkara berlanjut",
        "Case advanced",
        ("overseer",),
        "case/{unit}/{case}",
        (
            _unit(),
            Field("case", "id", "Nomor perkara (id)", "Case (id)", body=False),
            Field("stage", "choice", "Tahap", "Stage", choices=("inquiry", "investigation", "prosecution")),
            Field("text", "textarea", "Uraian", "Text"),
        ),
        {"case_stage_backwards": "stage", "unknown_case": "case", "case_closed": "case", "unknown_unit": "unit"},
    ),
    Form(
        "case.closed",
        "Perkara ditutup",
        "Case closed",
        ("overseer",),
        "case/{unit}/{case}",
        (
            _unit(),
            Field("case", "id", "Nomor perkara (id)", "Case (id)", body=False),
            Field(
                "outcome",
                "choice",
                "Hasil",
                "Outcome",
                choices=("stopped", "referred", "convicted", "acquitted", "other"),
            ),
            Field("text", "textarea", "Uraian", "Text"),
        ),
        {"unknown_case": "case", "case_closed": "case", "unknown_unit": "unit"},
    ),
    Form(
        "unit.registered",
        "Pendaftaran unit kerja",
        "Registering a unit",
        ("administrator",),
        "unit/{unit}",
        (
            _unit(),
            Field("name", "text", "Nama unit", "Unit name"),
            Field("type", "choice", "Jenis", "Type", choices=UNIT_TYPES),
            Field("headcount", "count", "Jumlah pegawai", "Headcount"),
            Field("agency", "id", "Instansi pengusul", "Proposing agency", required=False),
        ),
        {"unit_exists": "unit"},
    ),
    Form(
        "unit.headcount_set",
        "Jumlah pegawai",
        "Headcount",
        ("administrator", "unit_head"),
        "unit/{unit}",
        (
            _unit(),
            Field("headcount", "count", "Jumlah pegawai", "Headcount"),
            Field("source", "text", "Sumber (mis. SIASN, Juni 2026)", "Source (e.g. SIASN, June 2026)", required=False),
        ),
        {"unknown_unit": "unit", "out_of_scope": "unit"},
    ),
    Form(
        "key.registered",
        "Pendaftaran kunci",
        "Registering a key",
        ("administrator",),
        "key/{fingerprint:public_key}",
        (
            Field(
                "public_key",
                "public_key",
                "Kunci publik (base64, dari halaman kunci pemegangnya)",
                "Public key (base64, from its holder's key page)",
            ),
            Field("role", "choice", "Peran", "Role", choices=ROLES),
            Field(
                "scope", "scope", "Cakupan (id unit dipisah koma, atau *)", "Scope (unit ids separated by commas, or *)"
            ),
            Field("holder.name", "text", "Nama pemegang", "Holder's name"),
            Field(
                "holder.number",
                "id",
                "NIP pemegang (pegawai)",
                "Holder's employee number (NIP, for employees)",
                required=False,
                since=3,
            ),
            Field("holder.title", "text", "Jabatan pemegang", "Holder's title"),
            Field(
                "office.id",
                "id",
                "Kantor (id, saksi dan pengawas)",
                "Office (id, witnesses and overseers)",
                required=False,
            ),
            Field("office.name", "text", "Nama kantor", "Office name", required=False),
            Field(
                "endorsement",
                "signature",
                "Endorsemen akar nasional (kunci nasional)",
                "National root's endorsement (national keys)",
                required=False,
            ),
        ),
        {
            "key_exists": "public_key",
            "endorsement_required": "endorsement",
            "endorsement_invalid": "endorsement",
            "office_required": "office.id",
            **_person_problems("holder"),
        },
        person=Person("holder", "holder.name", "holder.number"),
    ),
    Form(
        "key.revoked",
        "Pencabutan kunci (hilang atau dicabut)",
        "Revoking a key (lost or withdrawn)",
        tuple(ROLES),  # the administrator, or the key itself
        "key/{key}",
        (
            Field("key", "id", "Sidik jari kunci", "Key fingerprint", body=False),
            Field("reason", "text", "Alasan", "Reason"),
        ),
        {"unknown_key": "key", "key_already_revoked": "key", "role_not_allowed": "key"},
    ),
    # Rules edition 3 (issue 15, the administrator's erasure page): the server deletes the person's data
    # once the entry is in the log (ledger.store.erasure.append_entry), and the page shows what remains.
    Form(
        "personal_data.erased",
        "Penghapusan data pribadi (UU 27/2022)",
        "Erasing personal data (UU 27/2022)",
        ("administrator",),
        "person/{person}",
        (
            Field(
                "person",
                "person",
                "Orang: pseudonim p-… atau NIP (pencarian dicatat)",
                "Person: pseudonym p-… or employee number (the look-up is recorded)",
                body=False,
            ),
            Field(
                "basis",
                "textarea",
                "Dasar hukum (mis. permintaan subjek data, UU 27/2022 pasal 8)",
                "Legal basis (e.g. the data subject's request, UU 27/2022 art. 8)",
            ),
        ),
        {"person_not_in_log": "person", "person_erased": "person"},
    ),
    Form(
        "cycle.opened",
        "Pembukaan siklus tahunan",
        "Opening a yearly cycle",
        ("national_authority",),
        "cycle/{year}",
        (
            Field("year", "year", "Tahun", "Year"),
            Field("model", "id", "Model penilaian", "Score model"),
            Field("proposal_deadline", "date", "Batas usulan", "Proposal deadline"),
            Field("appeal_days", "count", "Hari sanggah", "Appeal days"),
            Field("closes_on", "date", "Ditutup", "Closes on"),
            Field("quota", "count", "Kuota per instansi", "Quota per agency"),
        ),
        {"cycle_exists": "year"},
    ),
)

FORMS_BY_KIND = {form.kind: form for form in FORMS}


def forms_for(role: str | None, rules: int) -> list[Form]:
    """The forms a key of `role` may use (every form when no key is signed in) on a log of rules
    edition `rules` (a kind of a later edition would only be refused)."""
    return [form for form in FORMS if (role is None or role in form.roles) and form.since() <= rules]
