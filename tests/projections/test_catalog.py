"""Every query of the catalog is exposed the same way by the command line, the HTTP API (its OpenAPI
document) and the oversight pages: the same parameter names, defaults and choices, read back from
each rendered surface (argparse parsers, the OpenAPI parameters, the pages' filters) and held to
the catalog. The negative twins take a parameter or a route away from a surface and must be caught.
"""

from __future__ import annotations

import argparse
import copy
from typing import Any

import pytest
from fastapi import FastAPI

from api.routers import views as http_views
from api.web.pages import oversight
from api.web.pages.shared import Params
from cli.output import progress_bar
from cli.views import add_commands
from projections import catalog

Exposure = dict[str, tuple[Any, tuple[str, ...]]]  # parameter name -> (default, choices)
SURFACE_ONLY = {"after", "page", "lang", "help", "ledger", "json", "csv", "at_size", "query", "source"}


def _expected(query: catalog.Query, surface: catalog.Surface, *, paging: bool = True) -> Exposure:
    return {
        p.name: (query.defaults[p.name], p.choices)
        for p in query.on(surface)
        if paging or p.name not in ("offset", "limit")
    }


def _differences(expected: Exposure, exposed: Exposure) -> list[str]:
    return [
        f"{name}: catalog {expected.get(name)}, surface {exposed.get(name)}"
        for name in sorted(set(expected) | set(exposed))
        if expected.get(name) != exposed.get(name)
    ]


# --- the command line --------------------------------------------------------------------------------


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = argparse.ArgumentParser(prog="integritas")
    add_commands(parser.add_subparsers(), lambda p: p.add_argument("--ledger"), progress_bar)
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                for inner in sub._actions:
                    if isinstance(inner, argparse._SubParsersAction):
                        found.update({f"{name} {n}": p for n, p in inner.choices.items()})
    return {"status": found["status"], "oversight": found["oversight"], "digest": found["views digest"]}


def _cli_exposure(parser: argparse.ArgumentParser) -> tuple[Exposure, set[str]]:
    """The options of a command (by the catalog's parameter names) and its positionals."""
    options: Exposure = {}
    positionals = set()
    for action in parser._actions:
        if not action.option_strings:
            positionals.add(action.dest)
            continue
        name = action.option_strings[-1].removeprefix("--").replace("-", "_")
        if name not in SURFACE_ONLY:
            options[name] = (action.default, tuple(action.choices or ()))
    return options, positionals


def _cli_differences(parser: argparse.ArgumentParser, command: str) -> list[str]:
    asked = [q for q in catalog.CATALOG.values() if command in q.commands]
    expected: Exposure = {}
    defaults: dict[str, set[Any]] = {}
    for query in asked:
        for name, shape in _expected(query, "cli", paging=command != "status").items():
            if not next(p for p in query.params if p.name == name).subject:
                # Queries that share an option with different defaults: it has none, each applies its own.
                defaults.setdefault(name, set()).add(shape[0])
                expected[name] = shape if len(defaults[name]) == 1 else (None, shape[1])
    options, positionals = _cli_exposure(parser)
    wanted_positionals = {"query"} if command != "status" else set()
    if any(q.subject for q in asked):
        wanted_positionals.add("subject" if command != "status" else "unit")
    problems = _differences(expected, options)
    problems += [f"positional {p} missing" for p in wanted_positionals - positionals]
    return problems


@pytest.mark.parametrize("command", ["status", "oversight", "digest"])
def test_the_command_line_exposes_the_catalog(command: str) -> None:
    parser = _commands()[command]
    assert _cli_differences(parser, command) == []
    asked = [q.name for q in catalog.CATALOG.values() if command in q.commands]
    if command != "status":
        query = next(a for a in parser._actions if a.dest == "query")
        assert list(query.choices or ()) == asked


def test_a_parameter_missing_from_the_command_line_is_caught() -> None:
    parser = _commands()["oversight"]
    days = next(a for a in parser._actions if "--days" in a.option_strings)
    parser._remove_action(days)
    assert _cli_differences(parser, "oversight") == ["days: catalog (180, ()), surface None"]


def test_a_different_default_on_the_command_line_is_caught() -> None:
    parser = _commands()["digest"]
    next(a for a in parser._actions if "--limit" in a.option_strings).default = 50
    assert _cli_differences(parser, "digest") == ["limit: catalog (100, ()), surface (50, ())"]


def test_a_shared_option_with_one_querys_default_is_caught() -> None:
    """`views digest` asks units (no `below` by default) and pact-gaps (below 1): its `--below` has no
    default, so that each query applies its own; pact-gaps' default there would filter the units."""
    parser = _commands()["digest"]
    assert next(a for a in parser._actions if "--below" in a.option_strings).default is None
    next(a for a in parser._actions if "--below" in a.option_strings).default = "1"
    assert _cli_differences(parser, "digest") == ["below: catalog (None, ()), surface ('1', ())"]


# --- HTTP ------------------------------------------------------------------------------------------------


def _openapi() -> dict[str, Any]:
    app = FastAPI()
    app.include_router(http_views.router)
    return app.openapi()


def _enum(schema: dict[str, Any]) -> tuple[str, ...]:
    if "enum" in schema:
        return tuple(schema["enum"])
    for option in schema.get("anyOf", []):
        if "enum" in option:
            return tuple(option["enum"])
    return ()


def _http_differences(document: dict[str, Any], query: catalog.Query) -> list[str]:
    path = http_views.ROUTES[query.name][0]
    operation = document["paths"].get(path, {}).get("get")
    if operation is None:
        return [f"{query.name}: no GET {path}"]
    exposed: Exposure = {}
    for parameter in operation.get("parameters", []):
        if parameter["name"] in SURFACE_ONLY:
            continue
        schema = parameter["schema"]
        exposed[parameter["name"]] = (schema.get("default"), _enum(schema))
        if not parameter.get("description"):
            return [f"{query.name}: {parameter['name']} is not documented"]
    return _differences(_expected(query, "http"), exposed)


@pytest.mark.parametrize("name", list(catalog.CATALOG))
def test_http_exposes_the_catalog(name: str) -> None:
    assert _http_differences(_openapi(), catalog.CATALOG[name]) == []


def test_a_parameter_or_route_missing_from_http_is_caught() -> None:
    document = _openapi()
    stalled = catalog.CATALOG["stalled"]
    without_days = copy.deepcopy(document)
    operation = without_days["paths"]["/v1/oversight/stalled"]["get"]
    operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "days"]
    assert _http_differences(without_days, stalled) == ["days: catalog (180, ()), surface None"]
    without_route = copy.deepcopy(document)
    del without_route["paths"]["/v1/oversight/stalled"]
    assert _http_differences(without_route, stalled) == ["stalled: no GET /v1/oversight/stalled"]


def test_every_catalog_query_has_a_route() -> None:
    assert set(http_views.ROUTES) == set(catalog.CATALOG)


# --- the oversight pages ------------------------------------------------------------------------------


class _Empty:
    """A request whose query string is empty."""

    def __init__(self) -> None:
        self.query_params: dict[str, str] = {}


def _web_differences(question: oversight.Question) -> list[str]:
    """The page's filters, each with the value the page asks the query for when the filter is left empty."""
    query = question.query
    empty = Params(_Empty())  # type: ignore[arg-type]
    exposed: Exposure = {}
    for field in question.filters:
        param = next((p for p in query.params if p.name == field.name), None)
        if param is None:
            return [f"{question.name}: filter {field.name} is not a catalog parameter"]
        if field.kind == "int":
            default: Any = int(field.default)
        elif param.subject:
            default = None  # a page without its subject asks nothing
        else:
            default = oversight._read(param, query.defaults[param.name], empty)
        exposed[field.name] = (default, () if param.presets else field.choices)
    return _differences(_expected(query, "web"), exposed)


@pytest.mark.parametrize("name", list(catalog.QUESTIONS))
def test_the_pages_expose_the_catalog(name: str) -> None:
    assert _web_differences(oversight.QUESTIONS[name]) == []
    question = oversight.QUESTIONS[name]
    assert [c.key for c in question.columns] == [c.key for c in catalog.CATALOG[name].columns]


def test_a_filter_missing_from_a_page_is_caught() -> None:
    question = oversight.QUESTIONS["remediation"]
    shorter = oversight.Question(
        question.query,
        question.name,
        question.title,
        question.description,
        tuple(f for f in question.filters if f.name != "older_than"),
        question.columns,
    )
    assert _web_differences(shorter) == ["older_than: catalog (0, ()), surface None"]


def test_every_question_has_a_page() -> None:
    assert set(oversight.QUESTIONS) == {q.name for q in catalog.CATALOG.values() if q.title is not None}
    assert set(oversight.QUESTIONS) == {
        "stalled",
        "pact-gaps",
        "remediation",
        "failed-reviews",
        "signer",
        # rules edition 2
        "open-cases",
        "unmonitored",
        "lapsed",
        "barred",
        "proposals",
    }


def test_defaults_come_from_the_runners() -> None:
    assert catalog.CATALOG["stalled"].defaults["days"] == 180
    assert catalog.CATALOG["pact-gaps"].defaults["below"] == "1"
    assert {q.defaults.get("limit") for q in catalog.CATALOG.values() if "limit" in q.defaults} == {100}
