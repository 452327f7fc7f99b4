"""The child process of test_exactly_once: keeps a ledger's views caught up until it is killed.

    python catch_up_child.py LEDGER_DIR [--die-after N | --die-in-transaction N] [--until-size S]

--die-after N           SIGKILL itself right after the N-th entry it applied (between two entries)
--die-in-transaction N  SIGKILL itself inside the N-th entry's transaction: view rows and tracking
                        written, not committed
--until-size S          exit 0 once the views hold S leaves (otherwise loop until killed)

It prints `started` once the projector is built, and `applied <n>` after each catch-up round.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ledger.store.datadir import LedgerConfig
from projections.projector import ViewProjector


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("ledger", type=Path)
    parser.add_argument("--die-after", type=int)
    parser.add_argument("--die-in-transaction", type=int)
    parser.add_argument("--until-size", type=int)
    args = parser.parse_args(argv)

    config = LedgerConfig.read(args.ledger)
    projector = ViewProjector(config.storage, config.origin)
    applied = 0
    process_event = projector.projection.process_event
    track = projector.view._track

    def counting(domain_event: Any, tracking: Any) -> None:
        nonlocal applied
        process_event(domain_event, tracking)
        applied += 1
        if applied == args.die_after:
            die()

    def tracking_then_dying(cursor: Any, tracking: Any) -> None:
        track(cursor, tracking)
        if applied + 1 == args.die_in_transaction:
            die()

    projector.projection.process_event = counting  # type: ignore[method-assign]
    projector.view._track = tracking_then_dying  # type: ignore[method-assign]
    print("started", flush=True)
    while True:
        done = projector.catch_up()
        print(f"applied {done}", flush=True)
        if args.until_size is not None and projector.size() >= args.until_size:
            return 0
        time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
