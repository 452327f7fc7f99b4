"""Group commit in one process (run through `scripts/bench groups`).

    .venv/bin/python scripts/bench.py groups [--entries 2000] [--senders 16] [--postgres DSN]

`LedgerStore.append` from `--senders` threads at once, as the server's thread pool calls it, on
SQLite and (with `--postgres`) PostgreSQL: appends a second, how many groups were written and how
many entries a group held, the process's CPU per append, and where a group's time goes (each part's
wall time per group). No HTTP, no views: the store's own write path (issue 16). The store has no
signed-head guard here (`_record_signed_head` and `_settle_signed_head` write nothing), as in
`bench core`; the server's store writes it, a file and an fsync a group.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import load_average, machine, postgres_storage, prepared_store  # noqa: E402

from ledger.store.config import Storage  # noqa: E402

PARTS = (
    "_write_group",
    "catch_up",
    "_save_signed",
    "_record_signed_head",
    "save",
    "_events_for",
    "_settle_signed_head",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--postgres", help="PostgreSQL DSN of a server where databases may be created")


def _timed_parts(store: Any, seconds: dict[str, float], sizes: list[int]) -> None:
    """Wrap the store's group-writing methods on the instance, summing their wall time."""
    for name in PARTS:
        method = getattr(store, name)

        def timed(*args: Any, _method: Callable[..., Any] = method, _name: str = name, **kwargs: Any) -> Any:
            if _name == "_write_group":
                sizes.append(len(args[0]))
            started = time.perf_counter()
            try:
                return _method(*args, **kwargs)
            finally:
                seconds[_name] += time.perf_counter() - started

        setattr(store, name, timed)


def one(label: str, storage: Storage, entries: int, senders: int) -> None:
    store, submissions = prepared_store(storage, entries)
    seconds: dict[str, float] = collections.defaultdict(float)
    sizes: list[int] = []
    _timed_parts(store, seconds, sizes)
    pending = iter(submissions)
    guard = threading.Lock()

    def send() -> None:
        while True:
            with guard:
                submission = next(pending, None)
            if submission is None:
                return
            store.append(submission)

    wall, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    store.close()
    groups = len(sizes)
    print(
        f"{label}: {entries / wall:,.0f} appends/s, {groups} groups ({entries / groups:.1f} entries a group, "
        f"largest {max(sizes)}), CPU {cpu / entries * 1e6:,.0f} us an append"
    )
    for name in PARTS:
        print(f"  {name:22s} {seconds[name] / groups * 1000:6.2f} ms a group")


def run(args: argparse.Namespace) -> None:
    print("machine:", machine(), "load:", load_average())
    with tempfile.TemporaryDirectory() as scratch:
        one("SQLite", Storage.sqlite(Path(scratch) / "ledger.sqlite"), args.entries, args.senders)
    if args.postgres:
        one("PostgreSQL", postgres_storage(args.postgres)(), args.entries, args.senders)
    print("load at the end:", load_average())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    run(parser.parse_args())
