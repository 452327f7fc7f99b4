"""The view commands of `integritas` (cli.views) over the demo ledger: status, oversight
questions as a table, JSON and CSV, views rebuild/catch-up, and the offline digest that must match
the online answer, from the data directory and from an export."""

from __future__ import annotations

import csv
import io
import json
import shlex
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from ledger.crypto.checkpoint import SignedCheckpoint
from ledger.crypto.keys import encode_base64
from ledger.log_sources import DataDirSource
from projections import queries as q
from projections.offline import digest_command
from projections.queries import DatabaseViews
from tests.projections.helpers import DemoLedger, append_leaves, demo_fingerprint, demo_prefix_ledger, projector_for

KAJARI = demo_fingerprint("overseer/district_prosecutor")
STALLED = ["stalled", "--days", "700", "--on", "2026-11-30"]


@pytest.fixture(scope="module")
def ledger(demo: DemoLedger, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo whose views are built (as `integritas demo` leaves them)."""
    directory = demo.copy(tmp_path_factory.mktemp("cli") / "ledger")
    projector_for(directory).rebuild()
    return directory


@pytest.fixture(scope="module")
def root(ledger: Path) -> str:
    return encode_base64(SignedCheckpoint(DataDirSource(ledger).checkpoint()).root_hash)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> dict[str, Any]:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    answer: dict[str, Any] = json.loads(out)
    return answer


# --- status --------------------------------------------------------------------------------------------------


def test_status_lists_every_unit(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(capsys, "status", "--ledger", ledger)
    assert answer["query"] == "units" and answer["as_of"]["tree_size"] == 6495
    assert answer["page"] == {"offset": 0, "limit": 500, "total": 51}
    assert len(answer["data"]) == 51
    code, out, _ = run(capsys, "status", "--ledger", ledger)
    assert code == 0
    assert "units: 51 row(s), as of size 6495" in out
    assert f"digest {answer['digest']}" in out
    for unit in ("dpmptsp", "fiktif-dinas-a", "rsud-soeprapto", "fiktif-kecamatan", "dinkominfo", "pkm-blora"):
        assert f" {unit} " in out
    assert "designated" in out and "nominated" in out


def test_status_as_csv_with_filters_and_sort(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "status", "--ledger", ledger, "--csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["unit", "name", "type", "stage", "track", "predicate", "pact_coverage.ratio", "stage_since"]
    assert len(rows) == 52
    assert ["fiktif-dinas-a", "Dinas Contoh A (unit fiktif)", "dinas", "building", "wbk", "none", "0.9808",
            "2025-10-06T02:00:00Z"] in rows  # fmt: skip
    answer = run_json(capsys, "status", "--ledger", ledger, "--type", "kecamatan", "--sort", "coverage")
    assert [u["unit"] for u in answer["data"]][:3] == ["fiktif-kecamatan", "kec-todanan", "kec-banjarejo"]
    assert answer["page"]["total"] == 17
    declared = run_json(capsys, "status", "--ledger", ledger, "--stage", "declared")
    assert [u["unit"] for u in declared["data"]] == ["fiktif-kecamatan"]


def test_status_of_one_unit(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "status", "fiktif-dinas-a", "--ledger", ledger)
    assert code == 0, err
    assert "Dinas Contoh A (unit fiktif) (fiktif-dinas-a)" in out
    for text in (
        "building since 2025-10-06T02:00:00Z",
        "51/52 (0.9808)",
        "barred until",
        "2027-06-16T00:00:00Z",
        "lke 2021 passed",
        "field 2021 passed",
    ):
        assert text in out, text
    answer = run_json(capsys, "status", "fiktif-dinas-a", "--ledger", ledger)
    assert (answer["query"], answer["params"]) == ("unit", {"unit": "fiktif-dinas-a"})
    assert [n["topic"] for n in answer["data"]["oversight_notes"]] == ["finding"]
    code, out, _ = run(capsys, "status", "fiktif-dinas-b", "--ledger", ledger)
    assert "2025-lke-3 (public_service)" in out
    assert "lke 2025 failed" in out and "failing: public_service" in out


def test_status_of_an_unknown_unit(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "status", "kec-atlantis", "--ledger", ledger)
    assert (code, out) == (4, "")
    assert err == "integritas: unknown_unit: unit kec-atlantis is not registered\n"


@pytest.mark.parametrize("argv", [["status", "dpmptsp", "--csv"], ["oversight", "history"], ["oversight", "signer"]])
def test_a_usage_mistake_exits_2(ledger: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv, "--ledger", ledger)
    assert err.startswith("integritas: usage: ")
    assert code == 2


# --- oversight -------------------------------------------------------------------------------------------------


def test_oversight_stalled_as_json_csv_and_table(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(capsys, "oversight", *STALLED, "--ledger", ledger)
    assert answer["params"] == {"days": 700, "on": "2026-11-30", "type": None, "stage": None, "track": None}
    assert answer["page"]["total"] == 38
    assert [r["unit"] for r in answer["data"]][:3] == ["rsud-soetijono", "dinpusip", "dinpermades"]

    code, out, err = run(capsys, "oversight", *STALLED, "--ledger", ledger, "--csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["unit", "name", "type", "stage", "track", "since", "days"]
    assert rows[1] == ["rsud-soetijono", "RSUD dr. R. Soetijono Blora", "rsud", "building", "wbk",
                       "2019-05-06T02:00:00Z", "2765"]  # fmt: skip
    assert [row[0] for row in rows[1:]] == [r["unit"] for r in answer["data"]]

    code, out, _ = run(capsys, "oversight", *STALLED, "--ledger", ledger)
    assert code == 0
    assert "stalled: 38 row(s), as of size 6495" in out
    assert f"digest {answer['digest']}" in out


def test_oversight_other_questions(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    remediation = run_json(
        capsys, "oversight", "remediation", "--older-than", "365", "--on", "2026-11-30", "--ledger", ledger
    )
    assert [(r["unit"], r["id"]) for r in remediation["data"]] == [("fiktif-dinas-b", "2025-lke-3")]
    failed = run_json(
        capsys,
        "oversight",
        "failed-reviews",
        "--level",
        "internal",
        "--since",
        "2022-01-01T00:00:00Z",
        "--ledger",
        ledger,
    )
    assert [(r["unit"], r["step"], r["year"]) for r in failed["data"]] == [
        ("fiktif-dinas-b", "lke", 2025),
        ("fiktif-dinas-b", "lke", 2022),
    ]
    signer = run_json(capsys, "oversight", "signer", KAJARI, "--since", "2023-01-01T00:00:00Z", "--ledger", ledger)
    assert [e["unit"] for e in signer["data"]["entries"]] == ["fiktif-dinas-a"] * 4 + ["disdik"]
    history = run_json(capsys, "oversight", "history", "fiktif-kecamatan", "--limit", "5", "--ledger", ledger)
    assert history["page"] == {"offset": 0, "limit": 5, "total": 26}
    assert [r["kind"] for r in history["data"]][:2] == ["unit.registered", "stage.advanced"]
    code, out, _ = run(capsys, "oversight", "pact-gaps", "--below", "0.9", "--csv", "--ledger", ledger)
    assert code == 0
    assert [row[0] for row in csv.reader(io.StringIO(out))] == ["unit", "fiktif-dinas-b", "fiktif-kecamatan"]


def test_oversight_refuses_an_invalid_parameter(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "oversight", "pact-gaps", "--below", "2", "--ledger", ledger)
    assert (code, out) == (1, "")
    assert err.startswith("integritas: invalid_parameter: ")
    code, _, err = run(capsys, "oversight", "stalled", "--limit", "0", "--ledger", ledger)
    assert code == 1 and err.startswith("integritas: invalid_parameter: limit 0")
    code, _, err = run(capsys, "oversight", "history", "kec-atlantis", "--ledger", ledger)
    assert code == 4 and "unknown_unit" in err


# --- views ----------------------------------------------------------------------------------------------------


def test_views_rebuild_and_catch_up(ledger: Path, root: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = run_json(capsys, "oversight", *STALLED, "--ledger", ledger)
    code, out, err = run(capsys, "views", "rebuild", "--ledger", ledger)
    assert code == 0, err
    assert out == f"views rebuilt from 6495 entries; as of root {root}\n"
    code, out, _ = run(capsys, "views", "catch-up", "--ledger", ledger)
    assert (code, out) == (0, "views caught up: 0 new entries applied\n")
    assert run_json(capsys, "oversight", *STALLED, "--ledger", ledger) == before


QUERIES = {
    "stalled": STALLED,
    "pact-gaps": ["pact-gaps", "--below", "0.9"],
    "remediation": ["remediation", "--older-than", "365", "--on", "2026-11-30"],
    "failed-reviews": ["failed-reviews", "--level", "internal", "--since", "2022-01-01T00:00:00Z"],
    "signer": ["signer", KAJARI, "--until", "2025-03-01T00:00:00Z"],
    "history": ["history", "fiktif-dinas-a", "--offset", "5", "--limit", "10"],
}


@pytest.mark.parametrize("query", sorted(QUERIES))
def test_views_digest_offline_prints_the_online_digest(
    ledger: Path, root: str, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    argv = QUERIES[query]
    online = run_json(capsys, "oversight", *argv, "--ledger", ledger)
    code, out, err = run(capsys, "views", "digest", ledger, *argv)
    assert code == 0, err
    assert out == f"{online['digest']}  {argv[0]} as of size 6495 root {root}\n"
    if query == "history":  # the whole offline answer, not only its digest
        assert run_json(capsys, "views", "digest", ledger, *argv) == online


def test_views_digest_from_an_export(
    ledger: Path, root: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    online = run_json(capsys, "oversight", *STALLED, "--ledger", ledger)
    code, out, err = run(capsys, "export", "--ledger", ledger, tmp_path / "export")
    assert code == 0, err
    code, out, err = run(capsys, "views", "digest", tmp_path / "export", *STALLED)
    assert code == 0, err
    assert out == f"{online['digest']}  stalled as of size 6495 root {root}\n"
    status = run_json(capsys, "status", "fiktif-dinas-a", "--ledger", ledger)
    assert run_json(capsys, "views", "digest", tmp_path / "export", "unit", "fiktif-dinas-a") == status
    # At an earlier size that ends an entry tile, the digest is that of the log's first 4096 leaves.
    code, out, err = run(capsys, "views", "digest", tmp_path / "export", "--at-size", "4096", "counts")
    assert code == 0, err
    assert " counts as of size 4096 root " in out
    shutil.rmtree(tmp_path / "export")


def test_views_digest_takes_each_querys_own_default_of_a_shared_option(
    ledger: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--below` is the units' filter (no default) and pact-gaps' threshold (default 1): left out, each
    query applies its own; given, both read it."""
    units = run_json(capsys, "status", "--ledger", ledger, "--below", "0.9", "--predicate", "none")
    assert [u["unit"] for u in units["data"]] == ["fiktif-dinas-b", "fiktif-kecamatan"]
    offline = run_json(capsys, "views", "digest", ledger, "units", "--below", "0.9", "--predicate", "none",
                       "--limit", "500")  # fmt: skip
    assert offline == units
    assert run_json(capsys, "views", "digest", ledger, "units")["params"]["below"] is None
    gaps = run_json(capsys, "views", "digest", ledger, "pact-gaps")
    assert gaps["params"]["below"] == "1" and gaps == run_json(capsys, "oversight", "pact-gaps", "--ledger", ledger)


def _online_answers(ledger: Path) -> dict[str, dict[str, Any]]:
    """Answers as a page asks them: default `on`, explicit `on`, filters, sorts and pages."""
    views = DatabaseViews(projector_for(ledger).view)
    answers = {
        "stalled default on": q.stalled(views),
        "stalled on, filtered, paged": q.stalled(views, days=30, on=date(2022, 5, 1), type_="dinas", offset=5, limit=5),
        "remediation": q.open_remediation(views, older_than=365, offset=0, limit=25),
        "units sorted and paged": q.unit_list(
            views, predicate="none", below="0.99", sort="progress", offset=25, limit=25
        ),
        "unit": q.unit_status(views, "fiktif-dinas-a"),
        "history page 2": q.unit_history(views, "fiktif-dinas-a", offset=50, limit=50),
        "signer": q.signer_activity(views, KAJARI, since="2022-01-01T00:00:00Z"),
        "failed-reviews": q.failed_reviews(views, level="internal", track="wbk", limit=25),
        "counts": q.region_counts(views),
    }
    assert list(answers) == ONLINE
    return answers


def _run_printed(capsys: pytest.CaptureFixture[str], command: str, source: Path) -> str:
    words = shlex.split(command)
    assert words[:4] == ["integritas", "views", "digest", "log"]
    code, out, err = run(capsys, "views", "digest", source, *words[4:])
    assert code == 0, err
    return out.split()[0]


ONLINE = ["stalled default on", "stalled on, filtered, paged", "remediation", "units sorted and paged", "unit",
          "history page 2", "signer", "failed-reviews", "counts"]  # fmt: skip


@pytest.mark.parametrize("name", ONLINE)
def test_the_printed_command_recomputes_an_answers_digest_offline(
    ledger: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    answer = _online_answers(ledger)[name]
    command = digest_command(answer)
    assert "--at-size 6495" in command
    assert _run_printed(capsys, command, ledger) == answer["digest"]


def test_the_printed_command_names_every_parameter_not_at_its_default(
    ledger: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = _online_answers(ledger)
    assert digest_command(answers["stalled default on"]) == "integritas views digest log --at-size 6495 stalled"
    assert digest_command(answers["stalled on, filtered, paged"]) == (
        "integritas views digest log --at-size 6495 stalled --days 30 --on 2022-05-01 --type dinas --offset 5 --limit 5"
    )
    assert digest_command(answers["units sorted and paged"]) == (
        "integritas views digest log --at-size 6495 units --predicate none --below 0.99 --sort progress "
        "--offset 25 --limit 25"
    )
    # The negative twin: without one of them, the command gives another digest.
    shorter = digest_command(answers["stalled on, filtered, paged"]).replace(" --on 2022-05-01", "")
    assert _run_printed(capsys, shorter, ledger) != answers["stalled on, filtered, paged"]["digest"]
    earlier = digest_command(answers["units sorted and paged"]).replace("--at-size 6495", "--at-size 6494")
    assert _run_printed(capsys, earlier, ledger) != answers["units sorted and paged"]["digest"]


def test_status_catches_the_views_up_first(
    demo: DemoLedger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a ledger whose views were built earlier and which grew since, `status` applies the new
    entries before it answers."""
    directory = tmp_path / "ledger"
    store = demo_prefix_ledger(directory, demo.leaves, 5100)
    try:
        projector_for(directory).rebuild()
        append_leaves(store, demo.leaves, demo.size)
    finally:
        store.close()
    answer = run_json(capsys, "status", "rsud-soeprapto", "--ledger", directory)
    assert answer["as_of"]["tree_size"] == 6495
    assert answer["data"]["stage"] == "designated" and answer["data"]["predicate"] == "wbbm"
    code, out, _ = run(capsys, "views", "catch-up", "--ledger", directory)
    assert (code, out) == (0, "views caught up: 0 new entries applied\n")
