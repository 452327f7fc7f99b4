"""Writing the Blora demo to a new ledger (DESIGN §3–§4): `build_demo(directory, seed=...)`.

Determinism: every key is derived from the seed and the story's name for it, every time is a fixed
point of the story's calendar, and all variation comes from `random.Random(seed)`. The same seed
gives the same leaves and so the same tree root; the store's own clock only stamps when entries
were stored.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from demo.story import GENESIS_AT, Story
from ledger.store.application import LedgerStore
from ledger.store.datadir import init_ledger
from ledger.store.personal import PersonalDataStore

DEMO_SEED = "blora-2020"
DEMO_ORIGIN = "integritas.example/blora"
DEMO_NAME = "Integritas Kabupaten Blora (demo)"
BATCH_SIZE = 400


def build_demo(
    directory: Path,
    *,
    seed: str = DEMO_SEED,
    origin: str = DEMO_ORIGIN,
    progress: Callable[[int, int], None] | None = None,
) -> LedgerStore:
    """Create the Blora demo ledger in `directory` (empty or absent) and return its store.

    The same seed and origin always give the same leaves, hence the same tree root. `progress`
    is called with (entries appended, entries in total) after each batch.
    """
    story = Story(seed, origin)
    story.write()
    submissions = story.signed()
    store = init_ledger(
        directory,
        origin=origin,
        name=DEMO_NAME,
        root_key=story.key("root"),
        log_key=story.key("log"),
        genesis_at=GENESIS_AT,
        policy=story.policy_document,
    )
    total = len(submissions) + 1
    for start in range(0, len(submissions), BATCH_SIZE):
        store.append_batch(submissions[start : start + BATCH_SIZE])
        if progress is not None:
            progress(min(start + BATCH_SIZE, len(submissions)) + 1, total)
    # Rules edition 3: the people's names and numbers go to the personal-data store beside the log,
    # each checked against the commitment the log now holds for its pseudonym.
    opened = []
    for disclosure in story.disclosures.values():
        person = store.person(disclosure.person)
        assert person is not None, f"the story made {disclosure.person} but no entry names it"
        opened.append((disclosure, person.commitment))
    with PersonalDataStore(directory) as personal:
        personal.deposit_all(opened)
    return store
