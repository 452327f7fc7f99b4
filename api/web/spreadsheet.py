"""CSV files for people: in the page's language, for spreadsheets (docs/contract/api.md, "CSV files").

A column of a page (its key, its English label and its kind, as `projections.catalog` says how a page
shows it) becomes one or more columns of plain text: labels in the language, times in WIB as
`YYYY-MM-DD HH:MM` and days as `YYYY-MM-DD` (what spreadsheets read as dates), ratios as
percentages, a unit's name beside its id, a signer's name and role beside the fingerprint, lists
joined by "; " and objects spread over columns, never JSON in a cell.

What ties the file to the log follows the table: an empty line, then a row for the log size, one for
its root hash, and one per answer the rows came from with its digest and the `integritas views
digest` command that recomputes it. CSV has no comments (RFC 4180) and a `#` line on top would be
read as the header; a spreadsheet takes the first line as the header and the rows up to the empty
line as the table. The same facts go in HTTP headers (`Integritas-Log-Size`, `Integritas-Root-Hash`,
`Integritas-Digest`) for programs.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi.responses import Response

from api.web.i18n import WIB, Translator, _parse_time
from api.web.render import environment
from projections.offline import digest_command

Getter = Callable[[dict[str, Any]], Any]

# What a spreadsheet may read as the start of a formula (OWASP, "CSV Injection": =, +, -, @, tab, CR),
# with their full-width forms, which some spreadsheets fold to ASCII. Leading white space (space, NBSP,
# LF...) is neutralised too: spreadsheets skip it before looking for a formula.
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")


def neutralised(text: str) -> str:
    """A text that a spreadsheet would run as a formula, with a leading apostrophe (OWASP's advice)."""
    if text[:1] in FORMULA_STARTS or text[:1].isspace():
        return "'" + text
    return text


@dataclass(frozen=True)
class Field:
    """A column of the file: its header and how to read its text from a row."""

    header: str
    read: Getter


def wib_time(value: str | None) -> str:
    """A time of the log (RFC 3339 UTC) in WIB, as spreadsheets read a date and time: 2020-07-08 09:15."""
    if not value:
        return ""
    return _parse_time(value).astimezone(WIB).strftime("%Y-%m-%d %H:%M")


def wib_day(value: str | date | None) -> str:
    """A day: a date as it is, a time as its WIB date."""
    if not value:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return _parse_time(value).astimezone(WIB).date().isoformat() if "T" in value else value


_SUMMARY = environment.from_string('{% import "macros.html" as m with context %}{{ m.summary(kind, s) }}')
_TAGS = re.compile(r"<[^>]+>")


def summary_text(t: Translator, kind: str, summary: dict[str, Any]) -> str:
    """A history line's details in words: the pages' own summary (macros.summary) as plain text."""
    rendered = _SUMMARY.render(kind=kind, s=summary, t=t, _=t.gettext)
    return " ".join(html.unescape(_TAGS.sub(" ", rendered)).split()).replace(" ,", ",").replace(" :", ":")


class Sheet:
    """The fields of a file in one language, with the names it puts beside ids."""

    def __init__(
        self, t: Translator, names: dict[str, str] | None = None, signers: dict[str, dict[str, Any]] | None = None
    ) -> None:
        self.t = t
        self.names = names or {}
        self.signers = signers or {}

    def fields(self, key: str, label: str, kind: str) -> list[Field]:
        """The file's columns for a page column `key` shown as `kind` under the English `label`."""
        t, _ = self.t, self.t.gettext
        heading = _(label)

        def value(row: dict[str, Any]) -> Any:
            return row.get(key)

        if kind == "unit":
            return [
                Field(_("Unit id"), lambda row: row.get("unit") or ""),
                Field(_("Unit name"), lambda row: row.get("name") or self.names.get(row.get("unit") or "", "")),
            ]
        if kind == "signer":
            return [
                Field(heading, lambda row: self._signer(row.get(key)).get("name", "")),
                Field(_("Role"), lambda row: t.label("role", self._signer(row.get(key)).get("role"))),
                Field(_("Fingerprint"), lambda row: row.get(key) or ""),
            ]
        if kind == "activity":
            return [
                Field(f"{heading} (WIB)", lambda row: wib_time((row.get(key) or {}).get("at"))),
                Field(f"{heading}: {_('Kind')}", lambda row: _label(t, "kind", (row.get(key) or {}).get("kind"))),
                Field(f"{heading}: {_('Record')}", lambda row: (row.get(key) or {}).get("index", "")),
            ]
        if kind == "remediation":
            return [Field(_("Item id"), lambda row: row.get("id") or ""), Field(heading, value)]
        readers: dict[str, Getter] = {
            "agency": lambda row: row.get(key) or _("this ledger's agency"),
            "day": lambda row: wib_day(row.get(key)),
            "when": lambda row: wib_time(row.get(key)),
            "number": value,
            "decimal": lambda row: t.dec(row.get(key)) if row.get(key) is not None else "",
            "percent": lambda row: t.pct(row.get(key)) if row.get(key) is not None else "",
            "record": value,
            "checks": lambda row: "; ".join(t.check(item) for item in row.get(key) or ()),
            "released": lambda row: "; ".join(self._released(item) for item in row.get(key) or ()),
            "summary": lambda row: summary_text(t, row["kind"], row.get(key) or {}),
        }
        if kind.startswith("label:"):
            category = kind[6:]
            return [Field(heading, lambda row: _label(t, category, row.get(key)))]
        return [Field(heading, readers.get(kind, value))]

    def _signer(self, fingerprint: str | None) -> dict[str, Any]:
        return self.signers.get(fingerprint or "", {})

    def _released(self, item: dict[str, Any]) -> str:
        t = self.t
        return f"{item['name']} ({item['number']}), {t.label('reason', item['reason'])} {wib_day(item['released_at'])}"


def _label(t: Translator, category: str, value: Any) -> str:
    return "" if value is None else t.label(category, value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return neutralised(str(value))


def csv_response(
    t: Translator,
    fields: Sequence[Field],
    rows: Iterable[dict[str, Any]],
    answers: Sequence[dict[str, Any]],
    filename: str,
) -> Response:
    """The file: UTF-8 with a BOM (spreadsheets read it as UTF-8), the header, the rows, then the log's
    size and root and each answer's digest with its command (see the module's doc)."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([field.header for field in fields])
    for row in rows:
        writer.writerow([_cell(field.read(row)) for field in fields])
    as_of = answers[-1]["as_of"]
    writer.writerow([])
    writer.writerow([t.gettext("Log size"), as_of["tree_size"]])
    writer.writerow([t.gettext("Root hash"), as_of["root_hash"]])
    for answer in answers:
        writer.writerow([t.gettext("Digest"), answer["digest"], digest_command(answer)])
    return Response(
        "\ufeff" + output.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Language": t.lang,
            "Cache-Control": "no-store",
            "Integritas-Log-Size": str(as_of["tree_size"]),
            "Integritas-Root-Hash": str(as_of["root_hash"]),
            "Integritas-Digest": " ".join(answer["digest"] for answer in answers),
        },
    )
