"""docs/operations.md walks an operator through each task verbatim: the blocks marked
`<!-- tested -->` run here, in order, with bash, against the upgrade fixture (the demo data directory
of the release before format versions, with the demo's root and administrator keys), with
`integritas` from this checkout on PATH. The key ceremonies are checked before, during and after:
the log verifies at each step (in the blocks), and the retired keys sign nothing afterwards."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes, read_private_key
from ledger.entry import format_time, sign_entry
from ledger.errors import Refused
from ledger.store.datadir import open_ledger
from tests.builder import key_for
from tests.store.contract import StoreBuilder

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
    assert joined.count("--kind key.revoked") == 2 and joined.count("--kind key.registered") == 2
    assert len(blocks) == 6


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
        "KEYS": str(tmp_path / "demo-v0" / "keys"),
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

    keys = tmp_path / "demo-v0" / "keys"
    store = open_ledger(ledger)
    try:
        old = store.key(fingerprint(read_private_key(keys / "admin.key").public_key()))
        lost = store.key((keys / "admin-new.fingerprint").read_text().strip())
        replacement = store.key((keys / "admin-replacement.fingerprint").read_text().strip())
        assert old is not None and old.revoked_index is not None
        assert lost is not None and lost.revoked_index is not None
        assert replacement is not None and replacement.role == "administrator" and replacement.revoked_index is None
        # The negative twins: the retired keys sign nothing any more; the replacement does.
        for retired in ("admin.key", "admin-new.key"):
            with pytest.raises(Refused) as refused:
                store.append(register_witness(store, read_private_key(keys / retired), retired))
            assert refused.value.code == "revoked_signer"
        receipt = store.append(register_witness(store, read_private_key(keys / "admin-replacement.key"), "ok"))
        assert receipt.leaf_index == store.size - 1
    finally:
        store.close()


def register_witness(store: object, admin: object, name: str) -> object:
    key = key_for(f"doc-{name}")
    entry = {
        "v": 1,
        "log": store.origin,  # type: ignore[attr-defined]
        "kind": "key.registered",
        "stream": f"key/{fingerprint(key.public_key())}",
        "seq": 0,
        "prev": None,
        "at": format_time(datetime.now(UTC).replace(microsecond=0)),
        "signer": fingerprint(admin.public_key()),  # type: ignore[attr-defined]
        "body": {
            "public_key": encode_base64(public_key_bytes(key.public_key())),
            "role": "witness",
            "scope": ["*"],
            "holder": {"name": f"Doc test {name}", "title": "witness"},
        },
    }
    return sign_entry(entry, admin)  # type: ignore[arg-type]


# --- section 6: the log key's rotation, on a ledger under rules edition 2 ---------------------------------

TESTED_EDITION_2 = re.compile(r"<!-- tested: edition 2 -->\n```sh\n(.*?)```", re.DOTALL)


def test_the_log_key_rotation_blocks_run_verbatim_on_an_edition_2_ledger(tmp_path: Path) -> None:
    blocks = TESTED_EDITION_2.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) == 3 and "rotate-log-key" in blocks[0] and "--retire" in blocks[1]
    assert "rotate-root" in blocks[2]
    keys, ledger = tmp_path / "keys", tmp_path / "data"
    keys.mkdir()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTEGRITAS_")},
        "LEDGER": str(ledger),
        "KEYS": str(keys),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    init = ["integritas", "init", str(ledger), "--origin", "integritas.example/rotasi", "--name", "Uji"]
    subprocess.run([*init, "--root-key", str(keys / "root.key")], env=environment, check=True, capture_output=True)
    old_key = (ledger / "log.key").read_bytes()
    outputs = []
    for block in blocks:
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
        outputs.append(completed.stdout)
    assert outputs[1].strip().endswith("2")  # log_key.added and log_key.retired, both in the log
    assert (ledger / "log.key").read_bytes() != old_key and not (ledger / "log-next.key").exists()
    trust = json.loads((ledger / "trust.json").read_text())
    overlap = json.loads((keys / "trust-overlap.json").read_text())
    assert trust["additional_verifier_keys"] == [overlap["verifier_key"]]
    assert overlap["additional_verifier_keys"] == [trust["verifier_key"]]
    # After the handover the old root signs nothing, the new one does. Once the log grows past the
    # log key's retirement, the trust file from before that rotation knows no key that signs it.
    store = open_ledger(ledger)
    try:
        builder = StoreBuilder(store)
        with pytest.raises(Refused) as refused:
            builder.register_key("by-old-root", "administrator", by=read_private_key(keys / "root.key"))
        assert refused.value.code == "revoked_signer"
        builder.register_key("after-rotation", "administrator", by=read_private_key(keys / "root-new.key"))
    finally:
        store.close()
    before = subprocess.run(
        ["integritas", "verify", str(ledger), "--trust", str(keys / "trust-before-rotation.json")],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert before.returncode == 1 and "note_unknown_key" in before.stdout + before.stderr
