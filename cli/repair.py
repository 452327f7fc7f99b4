"""`integritas repair`: the way back from damage to derived data (issue 10): stored roots, stored
checkpoints, the signed-head guard and the views, recomputed from leaves that verify."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from cli.options import Commands, add_ledger_option


def register(commands: Commands) -> None:
    p = commands.add_parser(
        "repair",
        help="recompute derived data (stored roots, checkpoints, signed head, views) from verified leaves",
    )
    add_ledger_option(p)
    p.set_defaults(run=repair)


def repair(args: argparse.Namespace) -> int:
    from ledger.repair import repair_ledger
    from ledger.store.datadir import LedgerConfig
    from projections.projector import ViewProjector

    result = repair_ledger(args.ledger, now=datetime.now(UTC), allow_open_key_file=args.allow_open_key_file)
    config = LedgerConfig.read(args.ledger)
    ViewProjector(config.storage, config.origin).rebuild()  # the views, folded again from the leaves
    print(
        f"repaired {args.ledger}: {result.size} leaves verified; stored roots rewritten at "
        f"{result.roots or 'none'}, checkpoints signed again at {result.checkpoints or 'none'}, "
        f"signed head {'rewritten' if result.signed_head else 'kept'}, views rebuilt"
    )
    return 0
