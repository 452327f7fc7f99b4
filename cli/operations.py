"""The operator's commands of `integritas` (issue 17): migrate, backup, restore.

    integritas migrate --ledger DIR [--dry-run]            apply pending data directory migrations
    integritas backup --ledger DIR OUT                     online copy: database, keys, tokens, trust
    integritas restore --ledger DIR BACKUP [--seen FILE]... [--allow-rollback] [--postgres DSN]

The logic lives in ledger.store.migrations and ledger.backup; this module parses, prints, and
refuses to migrate or restore a ledger a server is running (the server holds its views lock).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cli.options import Commands, add_ledger_option

if TYPE_CHECKING:
    from ledger.store.config import Storage


def register(commands: Commands) -> None:
    p = commands.add_parser("migrate", help="apply the data directory's pending format migrations, in order, logged")
    add_ledger_option(p)
    p.add_argument("--dry-run", action="store_true", help="list the migrations that would run; change nothing")
    p.add_argument("--postgres", metavar="DSN", help="the events are in this PostgreSQL database, not ledger.json's")
    p.set_defaults(run=migrate)

    p = commands.add_parser("backup", help="copy the ledger online (database, log key, tokens, trust files) into OUT")
    add_ledger_option(p)
    p.add_argument("out", type=Path, help="a new directory for the backup")
    p.set_defaults(run=backup)

    p = commands.add_parser("restore", help="restore a backup as the ledger directory; refuses a silent rollback")
    add_ledger_option(p)
    p.add_argument("backup", type=Path, help="a directory written by `integritas backup`")
    p.add_argument(
        "--seen",
        type=Path,
        action="append",
        default=[],
        metavar="CHECKPOINT",
        help="a signed checkpoint a witness or monitor has seen (repeatable); an older backup is refused",
    )
    p.add_argument(
        "--allow-rollback",
        action="store_true",
        help="restore even if checkpoints beyond the backup were seen: the entries after it are lost",
    )
    p.add_argument("--postgres", metavar="DSN", help="restore a PostgreSQL backup into this new, empty database")
    p.set_defaults(run=restore)


def migrate(args: argparse.Namespace) -> int:
    from ledger.store.config import Storage
    from ledger.store.datadir import LedgerConfig
    from ledger.store.migrations import FORMAT_VERSION, MigrationRecord
    from ledger.store.migrations import migrate as run_migrations

    def report(record: MigrationRecord) -> None:
        verb = "would migrate" if args.dry_run else "migrated"
        print(f"{verb} format {record.source} -> {record.target}: {record.description}", flush=True)

    storage = (
        Storage.postgres(args.postgres) if args.postgres else LedgerConfig.read(args.ledger, check_format=False).storage
    )
    if not args.dry_run:
        refuse_while_served(args.ledger, storage)
    done = run_migrations(args.ledger, storage, dry_run=args.dry_run, report=report)
    if not done:
        print(f"the data directory is at format {FORMAT_VERSION}: nothing to migrate")
    return 0


def backup(args: argparse.Namespace) -> int:
    from ledger.backup import backup as run_backup

    info = run_backup(args.ledger, args.out)
    print(
        f"backup of {info.origin} ({info.storage_kind}) in {args.out}: {info.tree_size} entries, "
        f"root {info.root_hash}, taken {info.created}"
    )
    return 0


def restore(args: argparse.Namespace) -> int:
    from ledger.backup import restore as run_restore

    refuse_while_served(args.ledger)
    run_restore(
        args.backup,
        args.ledger,
        seen=args.seen,
        allow_rollback=args.allow_rollback,
        postgres=args.postgres,
        report=lambda line: print(line, flush=True),
    )
    return 0


def refuse_while_served(directory: Path, storage: Storage | None = None) -> None:
    """Refuse while a server runs the ledger in `directory`: one of its processes always holds the
    views lock (api.views.ViewService), which is free only when no server runs."""
    from ledger import codes
    from ledger.errors import Unavailable
    from ledger.store.datadir import LedgerConfig
    from projections.locks import ViewsLock

    if not (directory / "ledger.json").is_file():
        return
    storage = storage or LedgerConfig.read(directory, check_format=False).storage
    with ViewsLock(storage).held(blocking=False) as free:
        if not free:
            raise Unavailable(
                "a server is running this ledger (it holds the views lock): stop it first", code=codes.LEDGER_IN_USE
            )
