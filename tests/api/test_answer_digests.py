"""An answer's digest is reproduced offline by `integritas views digest` (docs/design/rules-edition-2.md,
"Answers are pure functions of the log"): the HTTP API gives the digest the command line computes for
the same log prefix and parameters, and every page and CSV prints its digest with the exact command
that recomputes it, which this test runs against the same ledger."""

from __future__ import annotations

import csv
import html
import io
import re
import shlex
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cli.main import main
from ledger.entry import parse_leaf
from projections.offline import digest_command
from tests.api.api_builder import DemoLog, Tokens, bearer

DIGEST_AND_COMMAND = re.compile(r'<code class="hash">([0-9a-f]{64})</code>.*?<pre class="cli">([^<]*)</pre>', re.S)


def offline_digest(capsys: pytest.CaptureFixture[str], command: str, ledger: Path) -> str:
    """Run a printed `integritas views digest log ...` command with the ledger directory for `log`."""
    words = shlex.split(command)
    assert words[:4] == ["integritas", "views", "digest", "log"], command
    capsys.readouterr()
    code = main(["views", "digest", str(ledger), *words[4:]])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out.split()[0]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/oversight/stalled",  # "today" is the day of the log's last entry
        "/v1/oversight/stalled?days=30&on=2022-05-01&type=dinas&offset=3&limit=4",
        "/v1/oversight/remediation?older_than=100&limit=2&offset=1",
        "/v1/units?predicate=none&below=0.99&sort=progress&offset=25&limit=25",
        "/v1/units/dpupr",
        "/v1/units/dpupr/history?offset=50&limit=50",
        "/v1/oversight/failed-reviews?since=2022-01-01&level=national",
    ],
)
def test_the_api_gives_the_digest_the_command_line_recomputes(
    views_ready: TestClient, demo: DemoLog, demo_tokens: Tokens, capsys: pytest.CaptureFixture[str], path: str
) -> None:
    response = views_ready.get(path, headers=bearer(demo_tokens.auditor))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["as_of"]["at"] == _last_at(demo)
    assert offline_digest(capsys, digest_command(answer), demo.directory) == answer["digest"]


def _last_at(demo: DemoLog) -> str:
    return parse_leaf(demo.leaves[-1]).entry.at


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        # A question with parameters on its second page, its `on` given.
        ("/oversight/stalled?days=30&on=2022-05-01&page=2", ["--days 30", "--on 2022-05-01", "--offset 25"]),
        ("/oversight/remediation", ["--limit 25"]),  # `on` left to the log's last day: not printed
        ("/units?predicate=none&sort=progress&page=2", ["--predicate none", "--sort progress", "--offset 25"]),
        ("/units/dpupr?page=2", ["history dpupr --offset 50 --limit 50", "unit dpupr"]),
    ],
)
def test_a_page_prints_its_digest_with_the_command_that_recomputes_it(
    views_ready: TestClient,
    demo: DemoLog,
    demo_tokens: Tokens,
    capsys: pytest.CaptureFixture[str],
    path: str,
    shown: list[str],
) -> None:
    response = views_ready.get(path, headers=bearer(demo_tokens.auditor))
    assert response.status_code == 200, response.text
    printed = [(digest, html.unescape(command)) for digest, command in DIGEST_AND_COMMAND.findall(response.text)]
    assert printed, "the page shows no digest with its command"
    for text in shown:
        assert any(text in command for _, command in printed), (text, printed)
    for digest, command in printed:
        assert f"--at-size {demo.size} " in command
        assert "--on" not in command or "on=" in path
        assert offline_digest(capsys, command, demo.directory) == digest
    # The negative twin: the same command on a shorter prefix gives another digest.
    digest, command = printed[0]
    earlier = command.replace(f"--at-size {demo.size} ", f"--at-size {demo.size - 1} ")
    assert offline_digest(capsys, earlier, demo.directory) != digest


def test_a_csv_ends_with_the_log_size_and_each_answers_digest_and_command(
    views_ready: TestClient, demo: DemoLog, demo_tokens: Tokens, capsys: pytest.CaptureFixture[str]
) -> None:
    response = views_ready.get("/oversight/stalled.csv?days=30&type=dinas", headers=bearer(demo_tokens.auditor))
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["unit", "type", "stage", "since", "days", "last_activity"]
    blank = rows.index([])
    assert all(row[1] == "dinas" for row in rows[1:blank])
    assert rows[blank + 1 :][0] == ["log_size", str(demo.size)]
    [(label, digest, command)] = rows[blank + 2 :]
    assert label == "digest"
    assert command == f"integritas views digest log --at-size {demo.size} stalled --days 30 --type dinas --limit 500"
    assert offline_digest(capsys, command, demo.directory) == digest


def test_an_old_units_link_sorted_by_stage_shows_the_progress_order(
    views_ready: TestClient, demo_tokens: Tokens
) -> None:
    # The page offered `sort=stage` before `progress` replaced it: old links still answer, in that order.
    old = views_ready.get("/units?sort=stage&page=2", headers=bearer(demo_tokens.auditor))
    new = views_ready.get("/units?sort=progress&page=2", headers=bearer(demo_tokens.auditor))
    assert old.status_code == new.status_code == 200
    assert DIGEST_AND_COMMAND.findall(old.text) == DIGEST_AND_COMMAND.findall(new.text)
    assert "--sort progress" in html.unescape(DIGEST_AND_COMMAND.findall(old.text)[0][1])
    # Anything else outside the choices is still a clear 400 page, not a silent default.
    assert views_ready.get("/units?sort=umur", headers=bearer(demo_tokens.auditor)).status_code == 400
