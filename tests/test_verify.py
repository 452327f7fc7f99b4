"""Whole-log verification (ledger.verify, DESIGN §6): the demo ledger verifies from an export and from
its data directory; the trusted state only moves forward through a verification that passed; the
verifier needs neither the server's libraries nor eventsourcing; worker count changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from ledger.crypto.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from ledger.crypto.keys import encode_base64
from ledger.crypto.note import verifier_key_for
from ledger.entry import parse_leaf
from ledger.verify import TrustAnchor
from tests.builder import key_for
from tests.store.contract import StoreBuilder
from tests.tampering_helpers import (
    DEMO_SIZE,
    DemoLedger,
    add_notes,
    break_signature,
    build_demo_ledger,
    copy_tree,
    demo_key,
    edit_sqlite_leaf,
    failures,
    independent_notes,
    small_ledger,
    verify,
    write_export,
)

ROOT = Path(__file__).resolve().parent.parent
BLOCKED = ["fastapi", "uvicorn", "starlette", "eventsourcing", "pydantic", "psycopg"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoLedger:
    return build_demo_ledger(tmp_path_factory.mktemp("verify"))


@pytest.fixture(scope="module")
def broken_export(demo: DemoLedger, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    """The demo export with two entries' signatures broken (tiles and checkpoint rebuilt by the log key)."""
    directory = copy_tree(demo.export, tmp_path_factory.mktemp("broken") / "export")
    notes = independent_notes(demo.leaves)
    broken = [notes[0], notes[3]]  # 859 and 3816: different signature batches
    leaves = list(demo.leaves)
    for index in broken:
        leaves[index] = break_signature(leaves[index])
    write_export(directory, leaves, origin=demo.origin, log_key=demo_key("log"))
    return directory, broken


# --- the demo ledger verifies -------------------------------------------------------------------------


def test_export_verifies(demo: DemoLedger) -> None:
    report = verify(demo.export, demo.trust)
    assert report.ok
    assert report.failures == []
    assert (report.entries_checked, report.tiles_checked) == (DEMO_SIZE, 27)
    assert report.checkpoint_text == demo.store.latest_checkpoint()
    assert report.checkpoint is not None
    assert (report.checkpoint.tree_size, report.checkpoint.root_hash) == (DEMO_SIZE, demo.store.tree.root())
    assert report.source == f"exported log {demo.export}"
    assert report.state is not None and report.state.units.keys() == demo.store.state.units.keys()


def test_export_under_another_log_key_fails(demo: DemoLedger) -> None:
    other = verifier_key_for(demo.origin, key_for("another log").public_key())
    report = verify(demo.export, TrustAnchor(demo.origin, other, demo.trust.root_fingerprint))
    assert not report.ok
    assert failures(report) == [(None, "note_unknown_key")]
    assert report.entries_checked == 0


def test_data_directory_verifies(demo: DemoLedger) -> None:
    report = verify(demo.directory, demo.trust)
    assert report.ok
    assert report.failures == []
    assert (report.entries_checked, report.tiles_checked) == (DEMO_SIZE, 0)  # a data directory has no tiles
    assert report.checkpoint_text == demo.store.latest_checkpoint()
    assert report.source == f"ledger directory {demo.directory}"


def test_data_directory_under_another_root_key_fails_at_every_leaf(demo: DemoLedger) -> None:
    trust = TrustAnchor(demo.origin, demo.trust.verifier_key, "ab" * 32)
    report = verify(demo.directory, trust)
    assert not report.ok
    assert failures(report) == [(0, "untrusted_root"), *((n, "no_genesis") for n in range(1, DEMO_SIZE))]


@pytest.mark.parametrize("which", ["clean", "broken"])
def test_one_or_two_workers_give_the_same_report(
    demo: DemoLedger, broken_export: tuple[Path, list[int]], which: str
) -> None:
    directory = demo.export if which == "clean" else broken_export[0]
    one, two = verify(directory, demo.trust, workers=1), verify(directory, demo.trust, workers=2)
    assert one.failures == two.failures
    assert (one.ok, one.entries_checked, one.tiles_checked) == (two.ok, two.entries_checked, two.tiles_checked)
    assert one.checkpoint_text == two.checkpoint_text
    expected = [] if which == "clean" else [(index, "bad_signature") for index in broken_export[1]]
    assert failures(one) == expected


# --- the command line: trusted state and JSON ---------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def verify_json(capsys: pytest.CaptureFixture[str], source: Path, state: Path) -> tuple[int, dict[str, Any]]:
    status, out, _ = run(
        capsys,
        "verify",
        str(source),
        "--trust",
        str(source / "trust.json"),
        "--trusted-state",
        str(state),
        "--workers",
        "1",
        "--json",
    )
    return status, json.loads(out)


@pytest.fixture
def small(tmp_path: Path) -> StoreBuilder:
    return small_ledger(tmp_path / "ledger")


def test_trusted_state_moves_forward_only_through_success(
    small: StoreBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, ledger, state = small.store, tmp_path / "ledger", tmp_path / "trusted-checkpoint"

    # First run: no trusted state yet; success writes it.
    status, report = verify_json(capsys, ledger, state)
    assert (status, report["ok"], report["failures"]) == (0, True, [])
    first = store.latest_checkpoint()
    assert state.read_text(encoding="utf-8") == first

    # The log grows; the next run checks consistency with the saved checkpoint, then moves on.
    add_notes(small, 2, "later")
    status, report = verify_json(capsys, ledger, state)
    assert (status, report["ok"]) == (0, True)
    assert report["checkpoint"] == store.latest_checkpoint() != first
    assert state.read_text(encoding="utf-8") == store.latest_checkpoint()
    good = state.read_text(encoding="utf-8")

    # Negative twin: a trusted checkpoint the log does not extend (same size as `first`, another
    # root, validly signed by the log key) is reported and leaves the trusted state as it was.
    size = SignedCheckpoint(first).tree_size
    forked = sign_checkpoint(Checkpoint(store.origin, size, bytes(32)), key_for("log"))
    state.write_text(forked, encoding="utf-8")
    status, report = verify_json(capsys, ledger, state)
    assert (status, report["ok"]) == (1, False)
    assert [(f["leaf_index"], f["code"]) for f in report["failures"]] == [(None, "consistency_failed")]
    evidence = report["failures"][0]["evidence"]
    assert evidence["trusted_checkpoint"] == forked
    assert evidence["checkpoint"] == store.latest_checkpoint()
    assert evidence["consistency_proof"] == [encode_base64(h) for h in store.tree.consistency_proof(size, store.size)]
    assert evidence["root_at_trusted_size"] == encode_base64(store.tree.root(size))
    assert state.read_text(encoding="utf-8") == forked

    # A trusted checkpoint larger than the log: the log shrank.
    bigger = sign_checkpoint(Checkpoint(store.origin, store.size + 1, bytes(32)), key_for("log"))
    state.write_text(bigger, encoding="utf-8")
    status, report = verify_json(capsys, ledger, state)
    assert status == 1
    assert [(f["leaf_index"], f["code"]) for f in report["failures"]] == [(None, "consistency_failed")]
    assert "shrank" in report["failures"][0]["message"]
    assert state.read_text(encoding="utf-8") == bigger

    # A trusted state not signed by the log key is refused as such.
    stranger = sign_checkpoint(Checkpoint(store.origin, size, store.tree.root(size)), key_for("stranger"))
    state.write_text(stranger, encoding="utf-8")
    status, report = verify_json(capsys, ledger, state)
    assert status == 1
    assert [(f["leaf_index"], f["code"]) for f in report["failures"]] == [(None, "invalid_trusted_state")]
    assert state.read_text(encoding="utf-8") == stranger

    # Back to the good state: a damaged log fails and the trusted state stays where it was.
    state.write_text(good, encoding="utf-8")
    last = store.size - 1
    text = parse_leaf(store.leaf(last)).entry.body["text"]
    edit_sqlite_leaf(ledger, last, text.encode(), text.replace("later", "Later").encode())
    status, report = verify_json(capsys, ledger, state)
    assert status == 1
    assert [(f["leaf_index"], f["code"]) for f in report["failures"]] == [
        (last, "bad_signature"),
        (None, "root_mismatch"),
        (None, "consistency_failed"),  # the leaves no longer hash to the trusted root either
    ]
    assert state.read_text(encoding="utf-8") == good


def test_json_report(small: StoreBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, ledger = small.store, tmp_path / "ledger"
    status, out, _ = run(capsys, "verify", str(ledger), "--trust", str(ledger / "trust.json"), "--json")
    assert status == 0
    assert json.loads(out) == {
        "ok": True,
        "source": f"ledger directory {ledger}",
        "entries_checked": store.size,
        "tiles_checked": 0,
        "checkpoint": store.latest_checkpoint(),
        "failures": [],
    }
    # Negative twin: one changed character in the last note.
    last = store.size - 1
    text = parse_leaf(store.leaf(last)).entry.body["text"]
    edit_sqlite_leaf(ledger, last, text.encode(), text.replace("catatan", "Catatan").encode())
    status, out, _ = run(capsys, "verify", str(ledger), "--trust", str(ledger / "trust.json"), "--json")
    assert status == 1
    report = json.loads(out)
    assert report["ok"] is False
    signature, root = report["failures"]
    assert signature == {
        "leaf_index": last,
        "code": "bad_signature",
        "message": "the entry's Ed25519 signature does not verify with its signer's key",
        "evidence": {},
    }
    assert (root["leaf_index"], root["code"]) == (None, "root_mismatch")
    assert root["evidence"]["expected_root"] == encode_base64(store.tree.root())
    assert root["evidence"]["computed_root"] != root["evidence"]["expected_root"]
    assert root["evidence"]["checkpoint"] == store.latest_checkpoint()


def test_verify_needs_a_trust_anchor(small: StoreBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "verify", str(tmp_path / "ledger"))
    assert status == 2
    assert err.startswith("integritas: usage: ")
    # The same anchor given as flags instead of a file.
    trust = json.loads((tmp_path / "ledger" / "trust.json").read_text(encoding="utf-8"))
    flags = ["--verifier-key", trust["verifier_key"], "--root-fingerprint", trust["root_fingerprint"]]
    status, out, _ = run(capsys, "verify", str(tmp_path / "ledger"), *flags, "--workers", "1")
    assert status == 0 and "OK" in out


# --- the verifier without the server's libraries ---------------------------------------------------------

HARNESS = textwrap.dedent(
    f"""
    import json, sys
    from datetime import UTC, datetime
    from pathlib import Path

    BLOCKED = set({BLOCKED!r})

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError("blocked: " + name)

    sys.meta_path.insert(0, Block())
    for name in BLOCKED:  # the block really blocks
        try:
            __import__(name)
        except ImportError:
            pass
        else:
            sys.exit("importing " + name + " was not blocked")

    mode, source, trust = sys.argv[1:]
    if mode == "library":
        from ledger.log_sources import open_source
        from ledger.verify import TrustAnchor, verify_log

        report = verify_log(open_source(source), TrustAnchor.load(Path(trust)), now=datetime.now(UTC), workers=2)
        print(json.dumps({{"ok": report.ok, "failures": [[f.leaf_index, f.code] for f in report.failures]}}))
        status = 0 if report.ok else 1
    else:
        from cli.main import main

        status = main(["verify", source, "--trust", trust, "--workers", "2", "--json"])
    loaded = sorted({{m.split(".")[0] for m in sys.modules}} & BLOCKED)
    assert not loaded, loaded
    sys.exit(status)
    """
)


def run_blocked(mode: str, source: Path, trust: Path) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-c", HARNESS, mode, str(source), str(trust)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr
    try:
        report = json.loads(result.stdout)
    except ValueError:
        pytest.fail(f"no JSON report (exit {result.returncode}): {result.stderr[-2000:]}")
    return result.returncode, report


def blocked_cases(demo: DemoLedger, broken_export: tuple[Path, list[int]]) -> dict[str, tuple[Path, int, list]]:
    return {
        "export": (demo.export, 0, []),
        "sqlite": (demo.directory, 0, []),
        "tampered export": (broken_export[0], 1, [[index, "bad_signature"] for index in broken_export[1]]),
    }


CASES = ["export", "sqlite", "tampered export"]


@pytest.mark.parametrize("case", CASES)
def test_verify_log_runs_without_server_libraries(
    demo: DemoLedger, broken_export: tuple[Path, list[int]], case: str
) -> None:
    source, expected_status, expected_failures = blocked_cases(demo, broken_export)[case]
    status, report = run_blocked("library", source, demo.export / "trust.json")
    assert (status, report["failures"]) == (expected_status, expected_failures)


@pytest.mark.parametrize("case", CASES)
def test_cli_verify_runs_without_server_libraries(
    demo: DemoLedger, broken_export: tuple[Path, list[int]], case: str
) -> None:
    source, expected_status, expected_failures = blocked_cases(demo, broken_export)[case]
    status, report = run_blocked("cli", source, demo.export / "trust.json")
    assert status == expected_status
    assert [[f["leaf_index"], f["code"]] for f in report["failures"]] == expected_failures
