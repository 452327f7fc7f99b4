"""The contract documents (docs/contract) hold to the code, and the code to them.

Every kind and body member, every route, every error family and every error code is documented,
and nothing documented is missing from the code. Each checker returns the differences it finds, so
that its negative twin can feed it a document with one row changed and see it fail. The code is
read through public names (ledger.entry.BODIES, api.app.create_app, ledger.codes, api.errors), and
production sources are found by walking the packages, so files may move without this test changing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

import api.app  # imports every layer the server needs, and with them their error classes
from api import errors as api_errors
from api.problems import HTTP_STATUS_OF_FAMILY
from api.settings import Settings
from ledger import codes as ledger_codes
from ledger.codes import ErrorCode
from ledger.entry import BODIES
from ledger.errors import LedgerError, Refused, exit_status_of_family
from ledger.rules.messages import REFUSALS, Message

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "contract"
PRODUCTION = ("ledger", "api", "projections", "cli", "demo", "witness")


# --- reading the documents' tables ------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    # A cell may hold `a\|b` (an escaped bar inside a list of allowed values).
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [part.strip().replace("\\|", "|") for part in parts]


def table(text: str, header: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of the one table in `text` whose header is `header`, cells without backticks."""
    lines = text.splitlines()
    found = [i for i, line in enumerate(lines) if line.startswith("|") and tuple(_cells(line)) == header]
    assert len(found) == 1, f"want one table with header {header}, found {len(found)}"
    rows = []
    for line in lines[found[0] + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.replace("`", "") for cell in _cells(line)]
        assert len(cells) == len(header), f"row {line!r} has {len(cells)} cells, want {len(header)}"
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


# --- kinds and bodies ----------------------------------------------------------------------------------

KINDS_HEADER = ("kind", "stream", "signed by (in scope)", "what it changes")
BODY_HEADER = ("kind", "member", "type", "required")


def kind_problems(text: str, bodies: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]]) -> list[str]:
    problems = []
    documented_kinds = [row["kind"] for row in table(text, KINDS_HEADER)]
    problems += _set_problems("kind", set(documented_kinds), set(bodies))
    if len(documented_kinds) != len(set(documented_kinds)):
        problems.append("a kind is documented twice")
    documented = {(row["kind"], row["member"], row["required"]) for row in table(text, BODY_HEADER)}
    in_code = {
        (kind, member, "yes" if member in required else "no")
        for kind, (required, optional) in bodies.items()
        for member in [*required, *optional]
    }
    problems += _set_problems("body member (kind, member, required)", documented, in_code)
    return problems


def test_every_kind_and_body_member_is_documented() -> None:
    assert kind_problems(doc("entry.md"), BODIES) == []


def test_a_missing_or_extra_kind_or_member_is_caught() -> None:
    text = doc("entry.md")
    without_member = text.replace("| `pact.signed` | `signed_on` | date | yes |\n", "")
    assert any("signed_on" in p for p in kind_problems(without_member, BODIES))
    optional_as_required = text.replace(
        "| `stage.advanced` | `decree` | text | no |", "| `stage.advanced` | `decree` | text | yes |"
    )
    assert any("decree" in p for p in kind_problems(optional_as_required, BODIES))
    extra_kind = {**BODIES, "unit.renamed": ({"name": None}, {})}
    problems = kind_problems(text, extra_kind)
    assert any("unit.renamed" in p for p in problems)


# --- routes ------------------------------------------------------------------------------------------------

ROUTE_HEADER = ("method", "path", "auth", "answer", "errors")


def app_routes(tmp_path: Path) -> set[tuple[str, str]]:
    """(method, path) of every route `create_app` serves; HEAD answers wherever GET does."""
    # Every setting the checks need is given: INTEGRITAS_* variables another test left behind
    # (`serve` exports them) must not decide what this test sees.
    app = api.app.create_app(Settings(ledger_dir=tmp_path, host="127.0.0.1", port=8000, workers=1))
    routes = set()
    for route in app.routes:
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", getattr(route, "path", ""))
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                routes.add((method, path))
    return routes


def route_problems(text: str, routes: set[tuple[str, str]]) -> list[str]:
    documented = [(row["method"], row["path"]) for row in table(text, ROUTE_HEADER)]
    problems = _set_problems("route", set(documented), routes)
    if len(documented) != len(set(documented)):
        problems.append("a route is documented twice")
    return problems


def test_every_route_is_documented(tmp_path: Path) -> None:
    routes = app_routes(tmp_path)
    assert ("POST", "/v1/entries") in routes and ("GET", "/tlog/tile/{path}") in routes
    assert route_problems(doc("api.md"), routes) == []


def test_a_missing_or_extra_route_is_caught(tmp_path: Path) -> None:
    routes = app_routes(tmp_path)
    text = doc("api.md")
    line = next(line for line in text.splitlines() if line.startswith("| GET | `/v1/keys` |"))
    assert any("/v1/keys" in p for p in route_problems(text.replace(line + "\n", ""), routes))
    assert any("/v1/witness" in p for p in route_problems(text, routes | {("POST", "/v1/witness")}))


# --- error families and codes --------------------------------------------------------------------------

FAMILY_HEADER = ("family", "HTTP", "exit", "meaning")
CODE_HEADER = ("code", "family", "HTTP", "exit", "meaning")
ALL_CODES: list[ErrorCode] = ledger_codes.LEDGER_CODES.rows + api_errors.API_CODES.rows


def family_classes() -> list[type[LedgerError]]:
    """Every error class of the production code (tests may define their own)."""
    found, todo = [], [LedgerError]
    while todo:
        cls = todo.pop()
        if cls.__module__.split(".")[0] in PRODUCTION:
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def family_problems(text: str, http: Mapping[str, int], exit_of: Any) -> list[str]:
    documented = {(row["family"], row["HTTP"], row["exit"]) for row in table(text, FAMILY_HEADER)}
    in_code = {(family, str(status), str(exit_of(family))) for family, status in http.items()}
    return _set_problems("family (family, HTTP, exit)", documented, in_code)


def code_problems(text: str, rows: Iterable[ErrorCode], http: Mapping[str, int], exit_of: Any) -> list[str]:
    documented = [(row["code"], row["family"], row["HTTP"], row["exit"]) for row in table(text, CODE_HEADER)]
    in_code = [(row.code, row.family, str(http[row.family]), str(exit_of(row.family))) for row in rows]
    problems = _set_problems("code (code, family, HTTP, exit)", set(documented), set(in_code))
    for name, listed in (("documented", documented), ("tabled in the code", in_code)):
        if len(listed) != len(set(listed)):
            problems.append(f"a code is {name} twice in one family")
    return problems


def test_every_family_has_its_statuses_documented() -> None:
    families = {cls.family for cls in family_classes()}
    assert families == set(HTTP_STATUS_OF_FAMILY), "every family needs an HTTP status, and only families"
    assert family_problems(doc("errors.md"), HTTP_STATUS_OF_FAMILY, exit_status_of_family) == []


def test_every_code_is_documented_with_its_familys_statuses() -> None:
    assert code_problems(doc("errors.md"), ALL_CODES, HTTP_STATUS_OF_FAMILY, exit_status_of_family) == []


def test_every_familys_own_code_is_tabled_in_that_family() -> None:
    tabled = {(row.code, row.family) for row in ALL_CODES}
    missing = [cls.__name__ for cls in family_classes() if (cls.code, cls.family) not in tabled]
    assert missing == []


def test_a_wrong_status_or_missing_code_is_caught() -> None:
    text = doc("errors.md")
    http, exit_of = HTTP_STATUS_OF_FAMILY, exit_status_of_family
    busy_as_500 = {**http, "unavailable": 500}
    assert any("unavailable" in p for p in family_problems(text, busy_as_500, exit_of))
    assert any("busy" in p for p in code_problems(text, ALL_CODES, busy_as_500, exit_of))
    without_barred = "\n".join(line for line in text.splitlines() if not line.startswith("| `barred` |"))
    assert any("barred" in p for p in code_problems(without_barred, ALL_CODES, http, exit_of))
    new_code = [*ALL_CODES, ErrorCode("witness_down", "unavailable", "a new code nobody documented")]
    assert any("witness_down" in p for p in code_problems(text, new_code, http, exit_of))


# --- the sources use only tabled codes, in their tabled families, and never match a code literal -----


def _constant(node: ast.expr) -> str | None:
    """A code given as a literal or a named constant of the code tables (`codes.BARRED`, `BARRED`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
    if name is not None and name.isupper():
        for module in (ledger_codes, api_errors):
            value = getattr(module, name, None)
            if isinstance(value, str):
                return value
    return None


CODE_LIKE = re.compile(r"[a-z][a-z0-9_]*")


def source_problems(sources: Mapping[str, str], rows: Iterable[ErrorCode], families: Mapping[str, str]) -> list[str]:
    """Codes in `sources` (path -> text) that the table lacks, or raised in a family it does not list.

    Looks at `code=` arguments (with the family when the call names a family class), `code = "..."`
    in class bodies, codes passed to the verifier's and the entry parser's `fail` helpers, and any
    comparison of `.code` with a string literal (status or behaviour must follow the family).
    """
    pairs = {(row.code, row.family) for row in rows}
    known = {row.code for row in rows}
    problems = []
    for path, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            where = f"{path}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                for keyword in node.keywords:
                    code = _constant(keyword.value) if keyword.arg == "code" else None
                    if code is None:
                        continue
                    if code not in known:
                        problems.append(f"{where}: code {code!r} is not in the table")
                    elif callee in families and (code, families[callee]) not in pairs:
                        problems.append(f"{where}: code {code!r} raised as {families[callee]}, not its table family")
                if callee in ("fail", "_fail"):
                    for argument in node.args:
                        text = argument.value if isinstance(argument, ast.Constant) else None
                        if isinstance(text, str) and CODE_LIKE.fullmatch(text) and text not in known:
                            problems.append(f"{where}: code {text!r} is not in the table")
            elif isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "code" for t in statement.targets)
                        and isinstance(statement.value, ast.Constant)
                        and statement.value.value not in known
                    ):
                        problems.append(f"{path}:{statement.lineno}: class code {statement.value.value!r} not tabled")
            elif isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(isinstance(s, ast.Attribute) and s.attr == "code" for s in sides) and any(
                    isinstance(s, ast.Constant) and isinstance(s.value, str) for s in sides
                ):
                    problems.append(f"{where}: compares .code with a string literal; choose by family")
    return problems


def production_sources() -> dict[str, str]:
    sources = {}
    for package in PRODUCTION:
        for path in sorted((ROOT / package).rglob("*.py")):
            sources[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return sources


FAMILY_OF_CLASS = {cls.__name__: cls.family for cls in family_classes()}


def test_production_code_raises_only_tabled_codes_in_their_families() -> None:
    sources = production_sources()
    assert "ledger/entry.py" in sources and len(sources) > 30
    assert source_problems(sources, ALL_CODES, FAMILY_OF_CLASS) == []


def test_an_untabled_or_misfiled_code_is_caught() -> None:
    def problems(text: str) -> list[str]:
        return source_problems({"x.py": text}, ALL_CODES, FAMILY_OF_CLASS)

    assert problems('raise Refused("no", code="barred")') == []
    assert problems('raise Refused("no", code=codes.BARRED)') == []
    assert problems('raise Refused("no", code="no_such_code")')
    assert problems('raise NotFound("no", code="barred")')  # tabled, but as refused
    assert problems('raise Refused("no", code=codes.STORE_DAMAGED)')
    assert problems('class Odd(LedgerError):\n    code = "odd_one"')
    assert problems('report.fail(None, "message", "made_up")')
    assert problems('if error.code == "forbidden":\n    pass')


def catalogue_problems(refusals: Mapping[str, Message], rows: Iterable[ErrorCode]) -> list[str]:
    """Refusal reasons of the rules' catalogue whose wire code is not tabled as a refusal, and the
    other way round (every refused code but the family's own is some reason's)."""
    tabled = {row.code for row in rows if row.family == Refused.family} - {Refused.code}
    used = {message.code for message in refusals.values()}
    return _set_problems("refusal code", tabled, used)


def test_every_refusal_of_the_rules_catalogue_is_tabled() -> None:
    assert catalogue_problems(REFUSALS, ALL_CODES) == []


def test_a_refusal_code_outside_the_table_is_caught() -> None:
    new_reason = {**REFUSALS, "unit_renamed": Message("unit_renamed", "renamed", "berganti nama")}
    assert any("unit_renamed" in p for p in catalogue_problems(new_reason, ALL_CODES))
    without_barred = {reason: m for reason, m in REFUSALS.items() if m.code != "barred"}
    assert any("barred" in p for p in catalogue_problems(without_barred, ALL_CODES))


# --- helpers -------------------------------------------------------------------------------------------


def _set_problems(what: str, documented: set[Any], in_code: set[Any]) -> list[str]:
    return [f"{what} {item} is in the code but not documented" for item in sorted(in_code - documented)] + [
        f"{what} {item} is documented but not in the code" for item in sorted(documented - in_code)
    ]


@pytest.mark.parametrize("name", ["README.md", "entry.md", "log.md", "api.md", "files.md", "errors.md"])
def test_the_documents_link_only_to_documents_that_exist(name: str) -> None:
    for target in re.findall(r"\]\(([^)#]+\.md)\)", doc(name)):
        assert (DOCS / target).exists(), f"{name} links to {target}"


FAMILY_MODULES = ("ledger/errors.py", "api/errors.py")  # each family's own code is defined there, once


def literal_codes(sources: Mapping[str, str]) -> list[str]:
    """Error codes written as string literals in `sources` (path -> text), not as the tables' constants:
    a `code=` argument, a code passed to a `fail` helper, a rules message's code (`Message(code, ...)`),
    or an error class's `code = ...` outside the modules that define the families (FAMILY_MODULES)."""
    known = {row.code for row in ALL_CODES}
    found = []
    for path, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and path not in FAMILY_MODULES:
                found += [
                    f"{path}:{statement.lineno}: {statement.value.value!r}"
                    for statement in node.body
                    if isinstance(statement, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "code" for t in statement.targets)
                    and isinstance(statement.value, ast.Constant)
                ]
            if not isinstance(node, ast.Call):
                continue
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            given = [k.value for k in node.keywords if k.arg == "code"]
            positional = node.args[:1] if callee == "Message" else node.args if callee in ("fail", "_fail") else []
            given += [a for a in positional if isinstance(a, ast.Constant) and a.value in known]
            found += [
                f"{path}:{node.lineno}: {value.value!r}"
                for value in given
                if isinstance(value, ast.Constant) and isinstance(value.value, str)
            ]
    return found


def test_production_code_names_every_code_by_its_constant() -> None:
    sources = production_sources()
    assert "ledger/verify.py" in sources and "api/routers/log.py" in sources
    assert literal_codes(sources) == []


def test_a_code_written_as_a_literal_is_found() -> None:
    # The negative twin: each way a code is given, written as a literal, is found; constants are not.
    assert literal_codes({"x.py": 'raise Refused("no", code="barred")'}) == ["x.py:1: 'barred'"]
    assert literal_codes({"x.py": 'report.fail(None, "checkpoint is for another log", "wrong_log")'}) == [
        "x.py:1: 'wrong_log'"
    ]
    assert literal_codes({"x.py": 'M = {"barred": Message("barred", "barred", "dilarang")}'}) == ["x.py:1: 'barred'"]
    odd = 'class Damaged(Unavailable):\n    code = "store_damaged"'
    assert literal_codes({"x.py": odd}) == ["x.py:2: 'store_damaged'"]
    assert literal_codes({"ledger/errors.py": odd}) == []
    constants = 'raise Refused("no", code=codes.BARRED)\nreport.fail(1, codes.BARRED, "the unit is barred")'
    assert literal_codes({"x.py": constants}) == []
