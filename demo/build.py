"""Writing the Blora demo to a new ledger (DESIGN §3–§4): `build_demo(directory, seed=...)`.

Determinism: every key is derived from the seed and the story's name for it, every time is a fixed
point of the story's calendar, and all variation comes from `random.Random(seed)`. The same seed
gives the same leaves and so the same tree root; the store's own clock only stamps when entries
were stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from demo.story import GENESIS_AT, Story
from ledger.crypto.keys import write_private_key
from ledger.files import write_atomically
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
    with PersonalDataStore.creating(directory) as personal:
        personal.deposit_all(opened)
    write_demo_keys(directory / DEMO_KEYS, story, store)
    return store


DEMO_KEYS = "demo-keys"
DEMO_KEYS_README = """DEMO KEYS - NOT FOR A REAL LEDGER

These are the private signing keys of the Blora demo ledger (integritas demo), one per demo role,
so that you can try writing entries (README.md, "Writing an entry from the command line").
Every one of them is derived from the public demo seed: anyone can make the same keys, so they
prove nothing about who signed. Never register them in a real ledger.

{keys}
"""
WALKTHROUGH_UNIT = "dpmptsp"  # the unit whose head, registrar and employee keys the demo hands out


def demo_key_files(story: Story) -> dict[str, str]:
    """The demo's key names to hand out, by file name `<role>-<who>.key`: one valid key per demo role,
    as the story leaves them (the regent's and the unit head's latest keys)."""
    run = story.units[WALKTHROUGH_UNIT]
    employee = next(e for e in run.staff if e.own_key)
    regent = story.regent_at(date.max)  # the regent in office when the story ends
    return {
        "administrator-blora.key": "admin",
        "regent-bupati-blora.key": regent,
        "witness-bupati-blora.key": f"witness/{regent}",
        "overseer-kejari-blora.key": "overseer/district_prosecutor",
        "internal_assessor-tpi-1.key": "tpi/1",
        "national_authority-kemenpanrb.key": "national_authority",
        "national_assessor-tpn-1.key": "tpn/1",
        "minister-kemenpanrb.key": "minister",
        f"unit_head-{WALKTHROUGH_UNIT}.key": run.head_key,
        f"pact_registrar-{WALKTHROUGH_UNIT}.key": f"pact_registrar/{WALKTHROUGH_UNIT}",
        f"employee-{employee.number}.key": f"employee/{employee.number}",
    }


def write_demo_keys(directory: Path, story: Story, store: LedgerStore) -> None:
    """Write the demo's keys (mode 0600, unencrypted) and a README.txt saying plainly what they are."""
    directory.mkdir(mode=0o700)
    lines = []
    for file_name, name in demo_key_files(story).items():
        key = store.key(story.fingerprint(name))
        assert key is not None and key.revoked_index is None, f"demo key {name} is not a valid key of the log"
        write_private_key(story.key(name), directory / file_name)
        lines.append(f"{file_name}: {key.role}, {key.holder_name} ({key.holder_title}), fingerprint {key.fingerprint}")
    write_atomically(directory / "README.txt", DEMO_KEYS_README.format(keys="\n".join(lines)).encode("utf-8"))
