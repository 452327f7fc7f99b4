"""One catalog of the view queries: each defined once, every surface generated from it.

A query is its name, its runner (a function of `projections.queries`), its parameters (type,
choices, help, web label, the surfaces that show it) and its columns with their labels. The
`integritas` options and dispatch (cli.views), the HTTP routes and their OpenAPI
parameters (api.routers.views) and the oversight pages' filters, tables and CSV (api.web.pages)
are rendered from here; a test holds the three surfaces to the catalog.

Defaults are not written here: each is read from the runner's own signature, so a default (180
days stalled, 100 rows a page) exists once, where the query uses it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from ledger.entry import CASE_CONCERNS, KINDS, ROLES, STAGES, TRACKS, UNIT_TYPES
from projections import people, queries

Surface = Literal["cli", "http", "web"]
EVERYWHERE: frozenset[Surface] = frozenset(("cli", "http", "web"))
NOT_WEB: frozenset[Surface] = frozenset(("cli", "http"))
HTTP_AND_WEB: frozenset[Surface] = frozenset(("http", "web"))
MAX_DAYS = 36500  # a hundred years: the bound of a count of days over HTTP and on the pages
LEVELS = ("internal", "national")
PREDICATES = queries.PREDICATES


@dataclass(frozen=True)
class Words:
    """A label in English and Indonesian (the pages' two languages)."""

    en: str
    id: str


@dataclass(frozen=True)
class Param:
    """A parameter of one or more queries.

    `name` is the HTTP and page query parameter (`--name` on the command line, `_` as `-`); `kwarg`
    the runner's keyword. A `subject` is the thing asked about (a unit id, a signer fingerprint): a
    positional argument on the command line and a path segment over HTTP. `widget` is how a page
    asks for it ("int", "year" (an int whose default may be None), "date", "choice:<label category>",
    "unit", "fingerprint"); `presets` the values a page offers in a list when the parameter itself
    takes any value of its type.
    """

    name: str
    help: str
    label: Words | None = None
    value_type: type = str
    choices: tuple[str, ...] = ()
    kwarg: str = ""
    subject: str = ""
    surfaces: frozenset[Surface] = EVERYWHERE
    low: int | None = None
    high: int | None = None
    max_length: int = 64
    widget: str = ""
    presets: tuple[str, ...] = ()

    @property
    def keyword(self) -> str:
        return self.kwarg or self.name

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def on(self, surface: Surface) -> bool:
        return surface in self.surfaces


@dataclass(frozen=True)
class Column:
    """A column of a page's table and CSV: the row's key, its label, how a page shows it (macros.cell)."""

    key: str
    label: Words
    kind: str


@dataclass(frozen=True)
class Query:
    """One view query and how each surface shows it."""

    name: str
    runner: Callable[..., dict[str, Any]]
    help: str
    params: tuple[Param, ...]
    table: tuple[str, ...] = ()  # the command line's table and CSV columns (keys, dotted into objects)
    columns: tuple[Column, ...] = ()  # the page's table and CSV columns
    rows: str | None = None  # where the rows are in `data` (None: `data` is the rows)
    commands: frozenset[str] = frozenset()  # the `integritas` commands that ask it
    title: Words | None = None  # the page's title (a query with a title is an oversight page)
    description: Words | None = None
    defaults: dict[str, Any] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        signature = inspect.signature(self.runner).parameters
        defaults = {}
        for param in self.params:
            if param.keyword not in signature:
                raise TypeError(f"{self.runner.__name__} takes no {param.keyword}")
            default = signature[param.keyword].default
            defaults[param.name] = None if default is inspect.Parameter.empty else default
        object.__setattr__(self, "defaults", defaults)

    def on(self, surface: Surface) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.on(surface))

    @property
    def subject(self) -> Param | None:
        return next((p for p in self.params if p.subject), None)

    def rows_of(self, data: Any) -> list[dict[str, Any]]:
        return list(data[self.rows] if self.rows else data)


TYPE_WORD = Words("Type", "Jenis")
STAGE_WORD = Words("Stage", "Tahap")
TRACK_WORD = Words("Track", "Jalur")
LEVEL_WORD = Words("Level", "Tingkat")

# --- the parameters -----------------------------------------------------------------------------------

UNIT_TYPE = Param(
    "type", "unit type", TYPE_WORD, choices=UNIT_TYPES, kwarg="type_", widget="choice:type", max_length=32
)
STAGE = Param("stage", "current stage", STAGE_WORD, choices=STAGES, widget="choice:stage")
TRACK = Param("track", "track (wbk, wbbm)", TRACK_WORD, choices=TRACKS, widget="choice:track")
UNIT = Param("unit", "only this unit (its id)", Words("Unit id", "Kode unit"), widget="unit")
ON = Param(
    "on",
    "count days to this date (default: the date of the log's last entry)",
    Words("Counted to date", "Dihitung sampai tanggal"),
    value_type=date,
    widget="date",
)
SINCE = Param("since", "time range start (RFC 3339)", Words("From date", "Dari tanggal"), widget="date")
UNTIL = Param("until", "time range end, exclusive", Words("Before date", "Sebelum tanggal"), widget="date")
OFFSET = Param("offset", "rows to skip", value_type=int, low=0, high=10**9, surfaces=NOT_WEB)
LIMIT = Param("limit", "rows to answer", value_type=int, low=1, high=queries.MAX_PAGE, surfaces=NOT_WEB)
PAGING = (OFFSET, LIMIT)
UNIT_ID = Param("unit", "a unit id", subject="a unit id", surfaces=NOT_WEB)
COVERAGE_BELOW = ("1", "0.9", "0.8", "0.5")


def _below(label: Words | None, surfaces: frozenset[Surface]) -> Param:
    return Param(
        "below",
        "coverage below this ratio",
        label,
        widget="choice:coverage",
        presets=COVERAGE_BELOW,
        surfaces=surfaces,
    )


YEAR_LOW, YEAR_HIGH = queries.YEARS  # the years a cycle or a monitoring may name
CYCLE = Param(
    "cycle",
    "only this cycle (its year)",
    Words("Cycle (year)", "Siklus (tahun)"),
    value_type=int,
    low=YEAR_LOW,
    high=YEAR_HIGH,
    widget="year",
)


# --- the queries ---------------------------------------------------------------------------------------

RECORD = Column("index", Words("Record", "Catatan"), "record")
UNIT_COLUMN = Column("unit", Words("Unit", "Unit"), "unit")
TIME = Column("at", Words("Time (WIB)", "Waktu (WIB)"), "when")
PREDICATE_COLUMN = Column("predicate", Words("Predicate held", "Predikat yang dipegang"), "label:predicate")

CATALOG: dict[str, Query] = {
    q.name: q
    for q in (
        Query(
            "units",
            queries.unit_list,
            "Every unit's status, filtered (type, stage, track, predicate, coverage below) and sorted.",
            (
                UNIT_TYPE,
                STAGE,
                replace(TRACK, surfaces=NOT_WEB),  # the units page has no track filter
                Param("predicate", "current predicate", choices=PREDICATES),
                _below(None, EVERYWHERE),
                Param("sort", "order of the rows", choices=tuple(queries.UNIT_ORDERS), surfaces=NOT_WEB),
                *PAGING,
            ),
            table=("unit", "name", "type", "stage", "track", "predicate", "pact_coverage.ratio", "stage_since"),
            commands=frozenset(("status", "digest")),
        ),
        Query(
            "unit",
            queries.unit_status,
            "One unit: stage, track, predicate, coverage, results, remediation, witnesses, notes, bar.",
            (UNIT_ID,),
            commands=frozenset(("status", "digest")),
        ),
        Query(
            "counts",
            queries.region_counts,
            "Region-wide counts of units by stage and by predicate.",
            (),
            commands=frozenset(("digest",)),
        ),
        Query(
            "stalled",
            queries.stalled,
            "Units with no stage change for `days` days before `on` (default: the last entry's date); longest first.",
            (
                Param(
                    "days",
                    "at least this many days in one stage",
                    Words("Stalled for at least (days)", "Tertahan paling sedikit (hari)"),
                    value_type=int,
                    low=0,
                    high=MAX_DAYS,
                    widget="int",
                ),
                ON,
                UNIT_TYPE,
                STAGE,
                TRACK,
                *PAGING,
            ),
            table=("unit", "name", "type", "stage", "track", "since", "days"),
            columns=(
                UNIT_COLUMN,
                Column("type", TYPE_WORD, "label:type"),
                Column("stage", STAGE_WORD, "label:stage"),
                Column("since", Words("Since", "Sejak"), "day"),
                Column("days", Words("Days", "Hari"), "number"),
                Column("last_activity", Words("Last activity", "Aktivitas terakhir"), "activity"),
            ),
            commands=frozenset(("oversight", "digest")),
            title=Words("Stalled units", "Unit yang tertahan"),
            description=Words(
                "Units whose stage has not changed for a number of days (designated units are not waiting).",
                "Unit yang tahapnya tidak berubah selama sejumlah hari (unit yang sudah ditetapkan tidak menunggu).",
            ),
        ),
        Query(
            "pact-gaps",
            queries.pact_gaps,
            "Units whose pact coverage is below `below`, with the employees known to lack a valid pact.",
            (_below(Words("Coverage below", "Cakupan di bawah"), EVERYWHERE), UNIT_TYPE, STAGE, *PAGING),
            table=("unit", "name", "type", "stage", "headcount", "valid", "missing", "ratio"),
            columns=(
                UNIT_COLUMN,
                Column("stage", STAGE_WORD, "label:stage"),
                Column("headcount", Words("Headcount", "Jumlah pegawai"), "number"),
                Column("valid", Words("Valid pacts", "Pakta berlaku"), "number"),
                Column("missing", Words("Missing", "Belum"), "number"),
                Column("ratio", Words("Coverage", "Cakupan"), "percent"),
                Column("released", Words("Released pacts", "Pakta dilepas"), "released"),
            ),
            commands=frozenset(("oversight", "digest")),
            title=Words("Pact gaps", "Kekurangan pakta"),
            description=Words(
                "Units whose integrity pact coverage is below a ratio, with the employees known to lack a pact.",
                "Unit yang cakupan pakta integritasnya di bawah rasio tertentu, dengan pegawai yang diketahui "
                "belum berpakta.",
            ),
        ),
        Query(
            "remediation",
            queries.open_remediation,
            "Open remediation items at least `older_than` days old on `on`; oldest first.",
            (
                Param(
                    "older_than",
                    "at least this many days open",
                    Words("Older than (days)", "Lebih tua dari (hari)"),
                    value_type=int,
                    low=0,
                    high=MAX_DAYS,
                    widget="int",
                ),
                ON,
                UNIT_TYPE,
                UNIT,
                *PAGING,
            ),
            table=("unit", "name", "id", "area", "opened_at", "age_days", "text"),
            columns=(
                UNIT_COLUMN,
                Column("stage", STAGE_WORD, "label:stage"),
                Column("area", Words("Area", "Area"), "label:area"),
                Column("text", Words("Item", "Butir"), "remediation"),
                Column("opened_at", Words("Opened", "Dibuka"), "day"),
                Column("age_days", Words("Age (days)", "Umur (hari)"), "number"),
                Column("opened_index", Words("Opened in", "Dibuka di"), "record"),
            ),
            commands=frozenset(("oversight", "digest")),
            title=Words("Open remediation", "Perbaikan terbuka"),
            description=Words(
                "Remediation items still open, oldest first.",
                "Rekomendasi perbaikan yang masih terbuka, yang tertua dulu.",
            ),
        ),
        Query(
            "failed-reviews",
            queries.failed_reviews,
            "Failed assessments and screenings with their failing checks (a screening's notes) and remediation; "
            "newest first.",
            (
                SINCE,
                UNTIL,
                Param("level", "assessment level", LEVEL_WORD, choices=LEVELS, widget="choice:level"),
                TRACK,
                UNIT_TYPE,
                UNIT,
                *PAGING,
            ),
            table=("index", "unit", "at", "level", "step", "track", "total", "failing_checks", "remediation"),
            columns=(
                UNIT_COLUMN,
                TIME,
                Column("level", LEVEL_WORD, "label:level"),
                Column("step", Words("Step", "Langkah"), "label:step"),
                Column("year", Words("Year", "Tahun"), "text"),
                Column("track", TRACK_WORD, "label:track"),
                Column("total", Words("Total", "Total"), "decimal"),
                Column("failing_checks", Words("Failing checks", "Syarat yang tidak terpenuhi"), "checks"),
                RECORD,
            ),
            commands=frozenset(("oversight", "digest")),
            title=Words("Failed reviews", "Penilaian tidak lulus"),
            description=Words(
                "Assessments that failed, with their failing checks; newest first.",
                "Penilaian yang tidak lulus, dengan syarat yang tidak terpenuhi; yang terbaru dulu.",
            ),
        ),
        Query(
            "signer",
            queries.signer_activity,
            "A signer's key (role, scope, holder, validity) and everything they signed, in log order.",
            (
                Param(
                    "signer",
                    "the signer's key fingerprint, its start, or the holder's name",
                    Words("Signer: fingerprint, its start or name", "Penanda tangan: sidik jari, awalannya atau nama"),
                    subject="a signer fingerprint",
                    widget="fingerprint",
                ),
                SINCE,
                UNTIL,
                *PAGING,
            ),
            table=("index", "at", "kind", "stream", "unit"),
            columns=(
                TIME,
                Column("kind", Words("Kind", "Jenis"), "label:kind"),
                UNIT_COLUMN,
                Column("summary", Words("Details", "Rincian"), "summary"),
                RECORD,
            ),
            rows="entries",
            commands=frozenset(("oversight", "digest")),
            title=Words("Signer activity", "Aktivitas penanda tangan"),
            description=Words(
                "Who a signer is, what they signed and whether their key was valid then.",
                "Siapa penanda tangan, apa yang ditandatangani dan apakah kuncinya berlaku saat itu.",
            ),
        ),
        Query(
            "history",
            queries.unit_history,
            "Everything recorded about the unit across its streams, in log order or newest first, of one kind "
            "if asked, paginated.",
            (
                UNIT_ID,
                *PAGING,  # before kind and order: a command printed before they existed reads the same
                Param("kind", "only entries of this kind", Words("Kind", "Jenis"), choices=KINDS, widget="choice:kind"),
                Param("order", "log (oldest first) or newest", choices=queries.HISTORY_ORDERS),
            ),
            table=("index", "at", "kind", "stream", "signer", "summary"),
            commands=frozenset(("oversight", "digest")),
        ),
        # --- rules edition 2 (docs/design/rules-edition-2.md) ---
        Query(
            "open-cases",
            queries.open_cases,
            "Units holding a predicate (WBK or WBBM) with an open case; one row per case, oldest first.",
            (
                UNIT_TYPE,
                Param(
                    "concerns",
                    "whom the case concerns",
                    Words("Case concerns", "Perkara menyangkut"),
                    choices=CASE_CONCERNS,
                    widget="choice:concerns",
                ),
                *PAGING,
            ),
            table=("unit", "name", "predicate", "case", "case_stage", "concerns", "office", "opened_at"),
            columns=(
                UNIT_COLUMN,
                PREDICATE_COLUMN,
                Column("case", Words("Case", "Perkara"), "text"),
                Column("case_stage", Words("Case stage", "Tahap perkara"), "label:case_stage"),
                Column("concerns", Words("Concerns", "Menyangkut"), "label:concerns"),
                Column("office_name", Words("Overseer's office", "Instansi pengawas"), "text"),
                Column("opened_at", Words("Opened", "Dibuka"), "day"),
                Column("opened_index", Words("Opened in", "Dibuka di"), "record"),
            ),
            commands=frozenset(("oversight", "digest")),
            title=Words("Designated units with an open case", "Unit berpredikat dengan perkara terbuka"),
            description=Words(
                "Units holding WBK or WBBM while a law-enforcement case about them is open.",
                "Unit yang memegang predikat WBK atau WBBM sementara perkara penegakan hukum tentangnya masih terbuka.",
            ),
        ),
        Query(
            "unmonitored",
            queries.unmonitored,
            "Units holding a predicate with no monitoring in `year` (default: the year of the log's last entry).",
            (
                Param(
                    "year",
                    "the monitoring year (default: the year of the log's last entry)",
                    Words("Monitoring year", "Tahun pemantauan"),
                    value_type=int,
                    low=YEAR_LOW,
                    high=YEAR_HIGH,
                    widget="year",
                ),
                UNIT_TYPE,
                *PAGING,
            ),
            table=("unit", "name", "type", "stage", "predicate", "designated_on", "last_monitored"),
            columns=(
                UNIT_COLUMN,
                Column("type", TYPE_WORD, "label:type"),
                Column("stage", STAGE_WORD, "label:stage"),
                PREDICATE_COLUMN,
                Column("designated_on", Words("Designated on", "Ditetapkan pada"), "day"),
                Column("last_monitored", Words("Last monitored (year)", "Pemantauan terakhir (tahun)"), "text"),
            ),
            commands=frozenset(("oversight", "digest")),
            title=Words("Designated units not monitored", "Unit berpredikat yang belum dipantau"),
            description=Words(
                "Units holding WBK or WBBM with no monitoring recorded in a year (units designated that year "
                "are not due yet).",
                "Unit yang memegang predikat WBK atau WBBM tanpa pemantauan tercatat pada suatu tahun (unit yang "
                "ditetapkan pada tahun itu belum wajib).",
            ),
        ),
        Query(
            "lapsed",
            queries.lapsed,
            "Proposals whose cycle closed without a decision; by cycle, then unit.",
            (CYCLE, UNIT_TYPE, *PAGING),
            table=("unit", "name", "agency", "cycle", "track", "proposed_at", "closes_on", "stage", "proposed_again"),
            columns=(
                UNIT_COLUMN,
                Column("cycle", Words("Cycle", "Siklus"), "text"),
                Column("agency", Words("Agency", "Instansi pengusul"), "agency"),
                Column("track", TRACK_WORD, "label:track"),
                Column("proposed_at", Words("Proposed", "Diusulkan"), "day"),
                Column("closes_on", Words("Cycle closed", "Siklus ditutup"), "day"),
                Column("screening", Words("Screening", "Seleksi administrasi"), "label:outcome"),
                Column("stage", STAGE_WORD, "label:stage"),
                Column("proposed_again", Words("Proposed again in", "Diusulkan lagi pada"), "text"),
                Column("index", Words("Record", "Catatan"), "record"),
            ),
            commands=frozenset(("oversight", "digest")),
            title=Words("Lapsed proposals", "Usulan yang gugur"),
            description=Words(
                "Proposals whose yearly cycle closed before the national evaluation decided them.",
                "Usulan yang siklus tahunannya ditutup sebelum evaluasi nasional memutuskannya.",
            ),
        ),
        Query(
            "barred",
            queries.barred,
            "Units barred from proposals on `on` (default: the last entry's date), and until when.",
            (ON, UNIT_TYPE, *PAGING),
            table=("unit", "name", "stage", "predicate", "ground", "decree", "barred_until", "days_left"),
            columns=(
                UNIT_COLUMN,
                Column("stage", STAGE_WORD, "label:stage"),
                Column("predicate", Words("Predicate revoked", "Predikat dicabut"), "label:predicate"),
                Column("ground", Words("Ground", "Alasan"), "label:ground"),
                Column("decree", Words("Decree (SK)", "Surat keputusan (SK)"), "text"),
                Column("barred_until", Words("Barred from proposals until", "Tidak boleh diusulkan sampai"), "day"),
                Column("days_left", Words("Days left", "Sisa hari"), "number"),
                Column("index", Words("Record", "Catatan"), "record"),
            ),
            commands=frozenset(("oversight", "digest")),
            title=Words("Barred units", "Unit yang tidak dapat diusulkan"),
            description=Words(
                "Units whose predicate was revoked, barred from new proposals until the date shown.",
                "Unit yang predikatnya dicabut, tidak dapat diusulkan lagi sampai tanggal yang tertera.",
            ),
        ),
        Query(
            "proposals",
            queries.proposals,
            "Per cycle and agency: the proposals made against the quota and how they stand.",
            (
                CYCLE,
                Param("agency", "only this agency (its id; empty: the ledger's own)", surfaces=NOT_WEB),
                *PAGING,
            ),
            table=(
                "cycle",
                "agency",
                "quota",
                "proposed",
                "remaining",
                "designated",
                "returned",
                "revoked",
                "lapsed",
                "pending",
            ),
            columns=(
                Column("cycle", Words("Cycle", "Siklus"), "text"),
                Column("agency", Words("Agency", "Instansi pengusul"), "agency"),
                Column("quota", Words("Quota", "Kuota"), "number"),
                Column("proposed", Words("Proposed", "Diusulkan"), "number"),
                Column("remaining", Words("Quota left", "Sisa kuota"), "number"),
                Column("designated", Words("Designated", "Ditetapkan"), "number"),
                Column("returned", Words("Returned", "Dikembalikan"), "number"),
                Column("revoked", Words("Revoked", "Dicabut"), "number"),
                Column("lapsed", Words("Lapsed", "Gugur"), "number"),
                Column("pending", Words("Pending", "Dalam proses"), "number"),
                Column("proposal_deadline", Words("Proposal deadline", "Batas usulan"), "day"),
                Column("closes_on", Words("Cycle closes", "Siklus ditutup"), "day"),
            ),
            commands=frozenset(("oversight", "digest")),
            title=Words("Proposals per cycle", "Usulan per siklus"),
            description=Words(
                "For each yearly cycle and proposing agency: the quota, the proposals made and how they stand.",
                "Untuk setiap siklus tahunan dan instansi pengusul: kuota, usulan yang diajukan dan statusnya.",
            ),
        ),
        # --- people and search (issue 13; projections.people) ---
        Query(
            "people",
            queries.people_directory,
            "The directory of keys: holder's name, title, role, scope, office, valid from, revoked; by name.",
            (Param("role", "only keys of this role", Words("Role", "Peran"), choices=ROLES, max_length=32), *PAGING),
            table=("fingerprint", "name", "role", "scope", "office.name", "valid_from.at", "revoked.at"),
            commands=frozenset(("people", "digest")),
        ),
        Query(
            "search",
            queries.search,
            "Units, keys and employees found by name, unit id, employee number or fingerprint prefix.",
            (
                Param(
                    "q",
                    "the words to look for: a unit or person's name, a unit id, an employee number, "
                    "a fingerprint prefix (each word begins a word of what is found)",
                    max_length=people.MAX_QUERY,
                ),
                *PAGING,
            ),
            table=("what", "unit", "fingerprint", "number", "name", "role", "stage"),
            commands=frozenset(("search", "digest")),
        ),
    )
}
"""Every view query, in the order the command line lists them."""

QUESTIONS = {name: q for name, q in CATALOG.items() if q.title is not None}
"""The oversight questions: the queries that have a page under /oversight."""


def words() -> dict[str, str]:
    """Every English label of the catalog with its Indonesian, for the pages' message catalogue."""
    found: dict[str, str] = {}
    for query in QUESTIONS.values():
        pairs = [query.title, query.description, *(p.label for p in query.params), *(c.label for c in query.columns)]
        for pair in pairs:
            if pair is None:
                continue
            if found.setdefault(pair.en, pair.id) != pair.id:
                raise ValueError(f"the catalog translates {pair.en!r} twice, differently")
    return found
