"""Upgrades (issue 17 item 4): the demo data directory the release before format versions wrote
(tests/fixtures/upgrade/demo-v0.tar.xz, built by build.sh at the commit in its BUILT.json) opens,
verifies, keeps its views and tokens, accepts new entries, and migrates explicitly."""

from __future__ import annotations

import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes, read_private_key
from ledger.entry import format_time, sign_entry
from ledger.log_sources import open_source
from ledger.store.datadir import open_ledger
from ledger.store.migrations import FORMAT_VERSION, MIGRATIONS_LOG, format_of, migrate, read_log
from ledger.trust import TrustAnchor
from ledger.verify import verify_log
from projections.offline import fold_source
from projections.projector import ViewProjector
from projections.queries import read, unit_list
from tests.builder import key_for

FIXTURE = Path(__file__).parent.parent / "fixtures" / "upgrade" / "demo-v0.tar.xz"


@pytest.fixture
def old(tmp_path: Path) -> Path:
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(tmp_path, filter="data")
    return tmp_path / "demo-v0"


def built(old: Path) -> dict[str, object]:
    document: dict[str, object] = json.loads((old / "BUILT.json").read_text())
    return document


def verify(old: Path, trusted: str | None = None) -> object:
    trust = TrustAnchor.load(old / "export" / "trust.json")
    return verify_log(
        open_source(str(old / "data")), trust, now=datetime.now(UTC), trusted_checkpoint=trusted, workers=1
    )


def new_key_entry(store: object, old: Path, name: str) -> object:
    """The demo administrator registers a new signer, signed on the stream head as it now is."""
    admin = read_private_key(old / "keys" / "admin.key")
    key = key_for(name)
    entry = {
        "v": 1,
        "log": store.origin,  # type: ignore[attr-defined]
        "kind": "key.registered",
        "stream": f"key/{fingerprint(key.public_key())}",
        "seq": 0,
        "prev": None,
        "at": format_time(datetime.now(UTC).replace(microsecond=0)),
        "signer": fingerprint(admin.public_key()),
        "body": {
            "public_key": encode_base64(public_key_bytes(key.public_key())),
            "role": "witness",
            "scope": ["*"],
            "holder": {"name": f"Upgrade test {name}", "title": "witness"},
        },
    }
    return sign_entry(entry, admin)


def test_the_fixture_is_the_previous_format(old: Path) -> None:
    config = json.loads((old / "data" / "ledger.json").read_text())
    assert "format" not in config and format_of(config) == 0
    assert FIXTURE.stat().st_size < 5_000_000


def test_the_old_directory_opens_with_its_log_intact(old: Path) -> None:
    store = open_ledger(old / "data")
    try:
        assert store.size == built(old)["entries"]
        assert encode_base64(store.root()) == built(old)["root"]
    finally:
        store.close()


def test_the_old_directory_verifies_against_its_exported_checkpoint(old: Path) -> None:
    report = verify(old, (old / "export" / "checkpoint").read_text())
    assert report.ok, report.failures  # type: ignore[attr-defined]
    assert report.entries_checked == built(old)["entries"]  # type: ignore[attr-defined]


def test_a_tampered_old_directory_fails_verification(old: Path) -> None:
    """The negative twin: the same verification names a leaf whose bytes changed."""
    import sqlite3

    with sqlite3.connect(old / "data" / "ledger.sqlite") as db:
        row = db.execute(
            "SELECT rowid, state FROM stored_events WHERE originator_id = 'log' AND originator_version = 100"  # leaf 99
        ).fetchone()
        tampered = row[1].replace(b'\\"at\\":\\"20', b'\\"at\\":\\"19', 1)  # the entry's own time
        assert tampered != row[1]
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (tampered, row[0]))
    report = verify(old)
    assert not report.ok  # type: ignore[attr-defined]
    assert 99 in {failure.leaf_index for failure in report.failures}  # type: ignore[attr-defined]


def test_the_old_directory_accepts_entries_and_stays_consistent(old: Path) -> None:
    store = open_ledger(old / "data")
    try:
        receipt = store.append(new_key_entry(store, old, "upgrade-witness"))  # type: ignore[arg-type]
        assert receipt.leaf_index == built(old)["entries"]
    finally:
        store.close()
    # The new checkpoint extends the one the previous release exported (a consistency proof).
    report = verify(old, (old / "export" / "checkpoint").read_text())
    assert report.ok, report.failures  # type: ignore[attr-defined]
    assert report.entries_checked == int(built(old)["entries"]) + 1  # type: ignore[arg-type, attr-defined]


def test_the_old_views_catch_up_rebuild_and_match_an_offline_fold(old: Path) -> None:
    store = open_ledger(old / "data")
    try:
        store.append(new_key_entry(store, old, "views-witness"))  # type: ignore[arg-type]
        projector = ViewProjector(store.storage, store.origin)
        assert projector.size() == built(old)["entries"]  # the previous release's views, as it left them
        assert projector.catch_up() == 1
        assert projector.size() == int(built(old)["entries"]) + 1  # type: ignore[arg-type]
        online_after_catch_up = read(projector.view, unit_list)["digest"]
        projector.rebuild()
        online_after_rebuild = read(projector.view, unit_list)["digest"]
    finally:
        store.close()
    offline = unit_list(fold_source(open_source(str(old / "data"))))["digest"]
    assert online_after_catch_up == online_after_rebuild == offline


def test_the_old_token_file_still_authorises_reads(old: Path) -> None:
    token = (old / "token.txt").read_text().strip()
    app = create_app(Settings(ledger_dir=old / "data"))
    with TestClient(app) as client:
        assert client.get("/v1/entries/0", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert client.get("/v1/entries/0", headers={"Authorization": "Bearer itg_not-a-token"}).status_code == 401
        assert client.get("/v1/log").json()["size"] == built(old)["entries"]


def test_migrate_stamps_the_format_logs_it_and_then_has_nothing_to_do(old: Path) -> None:
    data = old / "data"
    done = migrate(data, open_ledger_storage(data))
    assert [(r.source, r.target) for r in done] == [(0, 1)]
    assert json.loads((data / "ledger.json").read_text())["format"] == FORMAT_VERSION
    assert [(line["from"], line["to"]) for line in read_log(data)] == [(0, 1)]
    assert migrate(data, open_ledger_storage(data)) == []
    assert len(read_log(data)) == 1
    assert (data / MIGRATIONS_LOG).is_file()
    report = verify(old, (old / "export" / "checkpoint").read_text())
    assert report.ok, report.failures  # type: ignore[attr-defined]


def open_ledger_storage(directory: Path) -> object:
    from ledger.store.datadir import LedgerConfig

    return LedgerConfig.read(directory).storage
