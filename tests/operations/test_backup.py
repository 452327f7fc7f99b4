"""Backup and restore (issue 17 item 2): online backups of a real server's ledger while appends keep
arriving (SQLite's online backup; pg_dump for PostgreSQL), restored and verified; a backup older than
a checkpoint the ledger or a witness has seen is refused unless the rollback is named; a backup that
is not a copy of this log, or was changed, is refused always."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ledger.backup import RESTORES_LOG, backup, restore
from ledger.crypto.checkpoint import Checkpoint, sign_checkpoint
from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes, read_private_key
from ledger.errors import LedgerError, VerificationFailed
from ledger.log_sources import open_source
from ledger.store.datadir import open_ledger
from ledger.trust import TrustAnchor
from ledger.verify import verify_log
from tests.builder import LedgerBuilder, key_for
from tests.e2e.conftest import (
    Server,
    create_database,
    drop_database,
    postgres_server,
    prepare_ledger,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.slow


@dataclass
class Live:
    ledger_dir: Path
    server: Server
    builder: LedgerBuilder
    postgres: tuple[str, str] | None  # (server, database name) to drop afterwards

    def size(self) -> int:
        return int(httpx.get(f"{self.server.url}/v1/log", timeout=10).json()["size"])


class Appender(threading.Thread):
    """Appends new key registrations over HTTP until stopped; counts what was accepted."""

    def __init__(self, live: Live) -> None:
        super().__init__(daemon=True)
        self.live = live
        self.stop = threading.Event()
        self.accepted = 0
        self.failures: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.live.server.url, timeout=30) as client:
            number = 0
            while not self.stop.is_set():
                number += 1
                response = client.post(
                    "/v1/entries",
                    content=json.dumps(new_key(self.live.builder, f"load-{number}").to_json()).encode(),
                    headers={"content-type": "application/json"},
                )
                if response.status_code == 201:
                    self.accepted += 1
                else:
                    self.failures.append(f"{response.status_code} {response.text[:200]}")
                    return


def new_key(builder: LedgerBuilder, name: str) -> object:
    key = key_for(f"backup-{name}")
    body = {
        "public_key": encode_base64(public_key_bytes(key.public_key())),
        "role": "witness",
        "scope": ["*"],
        "holder": {"name": f"Backup test {name}", "title": "witness"},
    }
    # A fixed time: the builder's clock is not thread-safe, and every stream here is new (seq 0).
    return builder.sign(
        builder.admin, "key.registered", f"key/{fingerprint(key.public_key())}", body, at="2021-01-01T00:00:00Z"
    )


@pytest.fixture(params=["sqlite", "postgres"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Live]:
    postgres = None
    url = None
    if request.param == "postgres":
        server_dsn = postgres_server()
        dbname, url = create_database(server_dsn)
        postgres = (server_dsn, dbname)
    ledger_dir = tmp_path / "ledger"
    builder, _ = prepare_ledger(ledger_dir, url)
    server = start_server(ledger_dir, tmp_path, workers=1, postgres_url=None)
    try:
        yield Live(ledger_dir, server, builder, postgres)
    finally:
        stop_server(server)
        if postgres is not None:
            drop_database(*postgres)


def wait_for_size(live: Live, size: int) -> None:
    deadline = datetime.now(UTC).timestamp() + 60
    while live.size() < size:
        assert datetime.now(UTC).timestamp() < deadline, "the appender made no progress"


def verified(directory: Path) -> int:
    report = verify_log(
        open_source(str(directory)), TrustAnchor.load(directory / "trust.json"), now=datetime.now(UTC), workers=1
    )
    assert report.ok, report.failures
    return int(report.entries_checked)


def new_database(live: Live) -> str | None:
    if live.postgres is None:
        return None
    name, url = create_database(live.postgres[0])
    live.extra = [*getattr(live, "extra", []), name]  # type: ignore[attr-defined]
    return url


def drop_extra(live: Live) -> None:
    if live.postgres is not None:
        for name in getattr(live, "extra", []):
            drop_database(live.postgres[0], name)


def test_backups_under_load_restore_and_verify(live: Live, tmp_path: Path) -> None:
    start = live.size()
    appender = Appender(live)
    appender.start()
    try:
        wait_for_size(live, start + 5)
        first = backup(live.ledger_dir, tmp_path / "backup-1")
        wait_for_size(live, first.tree_size + 5)
        second = backup(live.ledger_dir, tmp_path / "backup-2")
        wait_for_size(live, second.tree_size + 5)
    finally:
        appender.stop.set()
        appender.join(timeout=60)
    assert appender.failures == []
    final = live.size()
    assert start < first.tree_size < second.tree_size < final  # each taken while the log grew
    assert (tmp_path / "backup-1" / "log.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "backup-1").stat().st_mode & 0o777 == 0o700
    try:
        for number, made in enumerate((first, second), 1):
            target = tmp_path / f"restored-{number}"
            result = restore(made.directory, target, postgres=new_database(live), verify_workers=1)
            assert result.tree_size == made.tree_size and not result.rollback
            assert verified(target) == made.tree_size
            store = open_ledger(target)  # and it keeps working: a new entry on the restored log
            try:
                receipt = store.append(new_key(live.builder, f"after-restore-{number}"))  # type: ignore[arg-type]
                assert receipt.leaf_index == made.tree_size
            finally:
                store.close()
            assert verified(target) == made.tree_size + 1
    finally:
        drop_extra(live)


def test_an_older_backup_is_refused_over_the_ledger_unless_the_rollback_is_named(live: Live, tmp_path: Path) -> None:
    made = backup(live.ledger_dir, tmp_path / "backup")
    with httpx.Client(base_url=live.server.url, timeout=30) as client:
        for number in range(3):
            assert (
                client.post(
                    "/v1/entries",
                    content=json.dumps(new_key(live.builder, f"later-{number}").to_json()).encode(),
                    headers={"content-type": "application/json"},
                ).status_code
                == 201
            )
    final = live.size()
    stop_server(live.server)
    before = sorted(p.name for p in live.ledger_dir.iterdir())
    target_db = new_database(live)
    try:
        with pytest.raises(VerificationFailed) as refused:
            restore(made.directory, live.ledger_dir, postgres=target_db, verify_workers=1)
        assert refused.value.code == "rollback_refused"
        assert f"size {final}" in refused.value.message and "--allow-rollback" in refused.value.message
        assert sorted(p.name for p in live.ledger_dir.iterdir()) == before  # nothing changed
        assert open_ledger(live.ledger_dir).size == final

        lines: list[str] = []
        result = restore(
            made.directory,
            live.ledger_dir,
            allow_rollback=True,
            postgres=target_db,
            verify_workers=1,
            report=lines.append,
        )
        assert result.rollback and result.lost_entries == final - made.tree_size == 3
        assert lines[0].startswith("ROLLBACK: ")
        logged = [json.loads(line) for line in (live.ledger_dir / RESTORES_LOG).read_text().splitlines()]
        assert logged[-1]["rollback"] is True and logged[-1]["lost_entries"] == 3
        assert result.replaced is not None and open_ledger(result.replaced).size == final  # the old one is kept
        assert verified(live.ledger_dir) == made.tree_size
    finally:
        drop_extra(live)


def test_a_checkpoint_a_witness_saw_blocks_an_older_backup(live: Live, tmp_path: Path) -> None:
    made = backup(live.ledger_dir, tmp_path / "backup")
    with httpx.Client(base_url=live.server.url, timeout=30) as client:
        assert (
            client.post(
                "/v1/entries",
                content=json.dumps(new_key(live.builder, "seen").to_json()).encode(),
                headers={"content-type": "application/json"},
            ).status_code
            == 201
        )
        later = client.get("/v1/log").json()["checkpoint"]
    seen = tmp_path / "witness-checkpoint"
    seen.write_text(later)
    with pytest.raises(VerificationFailed, match="checkpoint file witness-checkpoint"):
        restore(made.directory, tmp_path / "elsewhere", seen=[seen])
    assert not (tmp_path / "elsewhere").exists()
    # A checkpoint from another key proves nothing and is refused as such.
    forged = tmp_path / "forged-checkpoint"
    note = sign_checkpoint(Checkpoint(live.builder.origin, 10_000, b"\x00" * 32), key_for("not-the-log"))
    forged.write_text(note)
    with pytest.raises(VerificationFailed):
        restore(made.directory, tmp_path / "elsewhere", seen=[forged])


def test_a_backup_that_differs_from_a_seen_checkpoint_is_refused_even_when_rollback_is_allowed(
    live: Live, tmp_path: Path
) -> None:
    made = backup(live.ledger_dir, tmp_path / "backup")
    log_key = read_private_key(live.ledger_dir / "log.key")
    fork = tmp_path / "fork-checkpoint"
    fork.write_text(sign_checkpoint(Checkpoint(live.builder.origin, 2, b"\x01" * 32), log_key))
    target_db = new_database(live)
    try:
        with pytest.raises(VerificationFailed) as refused:
            restore(made.directory, tmp_path / "elsewhere", seen=[fork], allow_rollback=True, postgres=target_db)
        assert refused.value.code == "backup_diverges"
        assert not (tmp_path / "elsewhere").exists()
    finally:
        drop_extra(live)


def test_a_changed_backup_is_refused(live: Live, tmp_path: Path) -> None:
    made = backup(live.ledger_dir, tmp_path / "backup")
    name = "ledger.sqlite" if live.postgres is None else "ledger.pgdump"
    data = bytearray((made.directory / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (made.directory / name).write_bytes(bytes(data))
    with pytest.raises(LedgerError) as refused:
        restore(made.directory, tmp_path / "elsewhere")
    assert refused.value.code == "backup_damaged"
    assert not (tmp_path / "elsewhere").exists()


def test_a_backup_is_a_data_directory_or_a_pg_dump_archive(live: Live, tmp_path: Path) -> None:
    made = backup(live.ledger_dir, tmp_path / "backup")
    manifest = json.loads((made.directory / "backup.json").read_text())
    assert manifest["tree_size"] == made.tree_size and "log.key" in manifest["files"]
    if live.postgres is None:
        assert verified(made.directory) == made.tree_size  # `integritas verify BACKUP` reads it as it is
    else:
        assert (made.directory / "ledger.pgdump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
        assert "ledger.sqlite" not in manifest["files"]
