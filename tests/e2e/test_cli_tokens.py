"""A read token as `integritas tokens add` makes it, given to `integritas verify --token T`.

Regression: tokens were bare `secrets.token_urlsafe(32)`, so one in 64 started with "-", which
argparse takes for an option in `--token T` ("argument --token: expected one argument", exit 2).
Seen in the end-to-end runs; fixed by a fixed token prefix (api/tokens.py).
"""

from __future__ import annotations

from pathlib import Path

from api.tokens import TokenFile
from ledger.store.datadir import TRUST_FILE
from tests.e2e.conftest import add_token, prepare_ledger, run_cli

SAMPLE = 300  # P(no leading "-" among 300 bare token_urlsafe tokens) = (63/64)**300, about 1 %


def test_no_token_reads_as_an_option(tmp_path: Path) -> None:
    tokens = TokenFile(tmp_path / "tokens.json")
    made = [tokens.add(f"auditor {n}", "auditor")[1] for n in range(SAMPLE)]
    assert len(set(made)) == SAMPLE
    assert not [token for token in made if token.startswith("-")]


def test_verify_takes_the_token_tokens_add_printed(tmp_path: Path) -> None:
    ledger_dir = tmp_path / "ledger"
    prepare_ledger(ledger_dir, None)
    token = add_token(ledger_dir)  # `integritas tokens add`, last line of its output
    result = run_cli("verify", str(ledger_dir), "--trust", str(ledger_dir / TRUST_FILE), "--token", token)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
