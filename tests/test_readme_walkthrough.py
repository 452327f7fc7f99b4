"""The README's walkthrough of registering a key and writing an entry by CLI works verbatim (issue 13):
its shell block is taken from README.md as it stands and run with bash in an empty directory, with
`integritas` on the PATH, against the fresh demo the block builds itself."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Writing an entry from the command line"


def walkthrough(readme: str) -> str:
    """The first ```sh block of the README's walkthrough section."""
    _, found, section = readme.partition(SECTION)
    assert found, f"README.md has no section {SECTION!r}"
    section = section.split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the walkthrough section has no sh block"
    return block.group(1)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the walkthrough hashes the pact text with openssl")
def test_the_readme_walkthrough_runs_verbatim(tmp_path: Path) -> None:
    script = walkthrough((ROOT / "README.md").read_text(encoding="utf-8"))
    console_scripts = Path(sys.executable).parent
    assert (console_scripts / "integritas").exists(), "the integritas command is not installed beside python"
    env = {**os.environ, "PATH": f"{console_scripts}{os.pathsep}{os.environ.get('PATH', '')}", "COLUMNS": "200"}
    env.pop("INTEGRITAS_LEDGER", None)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr

    # Two receipts: the registration and the pact, the last two entries of the demo.
    printed = [json.loads(m) for m in re.findall(r"^\{\n.*?^\}$", result.stdout, re.S | re.M)]
    receipts = [r for r in printed if "leaf_hash" in r]
    # Rules edition 3: her name and NIP are in the personal-data store, shown by a recorded read.
    [shown] = [r for r in printed if "leaf_hash" not in r]
    assert re.fullmatch(r"p-[0-9a-f]{20}", shown["person"]) and f"pact/dpmptsp/{shown['person']}" in result.stdout
    assert shown == {"person": shown["person"], "name": "Sekar Ayu Walkthrough", "number": "199905172024032001"}
    assert [r["index"] for r in receipts] == [6495, 6496]
    assert all(r["duplicate"] is False for r in receipts)
    # The search and the signer question find the new employee by name, and verify passes.
    new_key = (tmp_path / "sekar.key").read_text()
    assert new_key.startswith("-----BEGIN PRIVATE KEY-----")
    assert "Sekar Ayu Walkthrough" in result.stdout and "199905172024032001" in result.stdout
    assert "search: 2 row(s)" in result.stdout
    assert "signer: 1 row(s)" in result.stdout and "pact.signed" in result.stdout
    assert "OK ledger directory demo-ledger: 6497 entries" in result.stdout
    assert "demo-keys" in result.stdout and (tmp_path / "demo-ledger" / "demo-keys" / "README.txt").exists()


def test_a_broken_walkthrough_fails(tmp_path: Path) -> None:
    """Its negative twin: the same block with the administrator's demo key replaced by an unregistered
    one stops at `sign`, which refuses the unknown signer, and appends nothing."""
    script = walkthrough((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "demo-ledger/demo-keys/administrator-blora.key" in script
    broken = script.replace("demo-ledger/demo-keys/administrator-blora.key", "sekar.key")
    console_scripts = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{console_scripts}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", broken],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 1
    assert "integritas: unknown_signer: " in result.stderr
    assert (tmp_path / "register.submission.json").read_text() == ""
