"""`integritas demo`: build the Blora demo ledger (the demo package) and fold its views at once."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.options import Commands
from cli.output import progress_bar
from ledger.crypto.keys import encode_base64


def register(commands: Commands) -> None:
    p = commands.add_parser("demo", help="build the Blora demo ledger, deterministically from a seed")
    p.add_argument("directory", type=Path)
    p.add_argument("--seed", default="blora-2020")
    p.set_defaults(run=build)


def build(args: argparse.Namespace) -> int:
    from demo.build import DEMO_KEYS, build_demo
    from projections.projector import ViewProjector

    with progress_bar("building the Blora demo ledger") as progress:
        store = build_demo(args.directory, seed=args.seed, progress=progress)
    ViewProjector(store.storage, store.origin).rebuild()  # the views, at once rather than entry by entry
    print(f"demo ledger in {args.directory}: {store.size} entries, root {encode_base64(store.root())}")
    print(f"demo keys, one per role (never for a real ledger): {args.directory / DEMO_KEYS}/")
    return 0
