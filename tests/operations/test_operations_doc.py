"""docs/operations.md walks an operator through each task verbatim: the blocks marked
`<!-- tested -->` run here, in order, with bash, against the upgrade fixture (the demo data directory
of the release before format versions), with `integritas` from this checkout on PATH."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "operations.md"
FIXTURE = ROOT / "tests" / "fixtures" / "upgrade" / "demo-v0.tar.xz"
TESTED = re.compile(r"<!-- tested -->\n```sh\n(.*?)```", re.DOTALL)

pytestmark = pytest.mark.slow


def doc_blocks() -> list[str]:
    return TESTED.findall(DOC.read_text(encoding="utf-8"))


def test_the_doc_has_a_tested_block_for_each_task() -> None:
    blocks = doc_blocks()
    joined = "\n".join(blocks)
    for command in ("integritas tokens add", "integritas backup", "integritas restore", "integritas migrate"):
        assert command in joined
    assert len(blocks) == 4


def test_the_tested_blocks_run_verbatim(tmp_path: Path) -> None:
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(tmp_path, filter="data")
    ledger = tmp_path / "demo-v0" / "data"
    backups = tmp_path / "backups"
    backups.mkdir()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTEGRITAS_")},
        "LEDGER": str(ledger),
        "BACKUPS": str(backups),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    for block in doc_blocks():
        completed = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            env=environment,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert completed.returncode == 0, f"{block}\n{completed.stdout}\n{completed.stderr}"
    assert (backups / "prometheus.token").read_text().startswith("itg_")
    assert (backups / "nightly" / "backup.json").is_file()
    assert json.loads((ledger / "ledger.json").read_text())["format"] == 1  # migrated from 0
    assert [line["to"] for line in map(json.loads, (ledger / "migrations.log").read_text().splitlines())] == [1]
    assert len(list(tmp_path.glob("demo-v0/data.replaced-*"))) == 1  # the restore kept what it replaced
