"""Child process of test_crash.py: open a store and append until killed.

    python crash_writer.py sqlite PATH
    python crash_writer.py postgres URL

Prints ``ready <size>`` once the store is open, then one line ``<leaf index> <base64 leaf hash>``
per append, flushed only after `append` returned: each line is an acknowledgement. The log must
already hold the cast of tests.store.contract (genesis, keys, unit ``dpm``); the writer adds
oversight notes to ``oversight/dpm``, on whatever head the stored log has.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ledger.crypto.keys import encode_base64
from ledger.store.application import LedgerStore
from ledger.store.config import Storage
from tests.builder import ORIGIN, key_for
from tests.store.contract import LOG_KEY, StoreBuilder


def main() -> None:
    kind, where = sys.argv[1], sys.argv[2]
    storage = Storage.sqlite(Path(where)) if kind == "sqlite" else Storage.postgres(where)
    store = LedgerStore(storage, ORIGIN, LOG_KEY)
    builder = StoreBuilder(store)
    builder.overseer = key_for("kajari")
    print(f"ready {store.size}", flush=True)
    while True:
        # A fixed `at`: never later than the stream's previous entry, never in the future.
        submission = builder.note("dpm", text=f"note {store.size}", at="2021-06-01T00:00:00Z")
        receipt = store.append(submission)
        print(f"{receipt.leaf_index} {encode_base64(receipt.leaf_hash)}", flush=True)


if __name__ == "__main__":
    main()
