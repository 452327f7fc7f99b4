"""Personal data in and out of the ledger (rules edition 3; docs/contract/personal-data.md).

`append_disclosed` appends an entry together with the disclosures that open its commitments: each
disclosure is checked against the entry before anything is written, so the log never takes a
commitment the store cannot open, and the store never takes data the log does not commit to.

`erase_person` is the right to erasure (UU 27/2022 art. 8 and 43; docs/personal-data.md): a signed
`personal_data.erased` entry recording the legal basis (and no personal data), then the person's row
deleted from the personal-data store with its free pages and WAL, and from every auditor export the
ledger wrote. The log itself is untouched, so it keeps verifying; the commitments stay, and without
the salt nothing links them to the person any more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import codes
from ledger.crypto.keys import encode_base64, fingerprint
from ledger.entry import Submission, sign_entry
from ledger.errors import MalformedInput
from ledger.personal import PSEUDONYM_PATTERN, Disclosure, verify_disclosure
from ledger.rules.persons import persons_named
from ledger.store.application import LedgerStore, Receipt
from ledger.store.personal import PersonalDataStore, erase_from_exports


def append_disclosed(
    store: LedgerStore, directory: Path, submission: Submission, disclosures: Sequence[Disclosure]
) -> Receipt:
    """Append `submission` and keep the personal data that opens the commitments it carries."""
    named = dict(persons_named(submission.entry))
    by_person = {d.person: d for d in disclosures}
    if set(by_person) != set(named):
        raise MalformedInput(
            f"the entry names person(s) {sorted(named) or 'none'}, the disclosures open {sorted(by_person) or 'none'}",
            code=codes.INVALID_PERSONAL_DATA,
        )
    for person, commitment in named.items():
        verify_disclosure(by_person[person], commitment)  # before the append: nothing unopened enters
    receipt = store.append(submission)
    with PersonalDataStore(directory) as personal:
        for person, commitment in named.items():
            personal.deposit(by_person[person], commitment)
    return receipt


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: the entry recording it, whether data was held, the exports rewritten."""

    person: str
    receipt: Receipt
    data_deleted: bool
    exports_rewritten: list[str]


def erase_person(
    store: LedgerStore, directory: Path, who: str, *, basis: str, key: Ed25519PrivateKey, at: str
) -> Erasure:
    """Erase the personal data of `who` (an employee number or a pseudonym) on `basis`, signed by
    `key` (an administrator's)."""
    if PSEUDONYM_PATTERN.fullmatch(who):
        person = who  # the log decides whether it names this person (person_not_in_log)
    else:
        with PersonalDataStore(directory) as personal:
            person = personal.resolve(who)
    known = store.person(person)
    if known is not None and known.erased_index is not None:
        # Erased already, perhaps by a run that stopped before deleting: finish the deletion.
        receipt = store.receipt(known.erased_index)
    else:
        receipt = _append_erasure(store, person, basis, key, at)
    with PersonalDataStore(directory) as personal:
        deleted = personal.erase(person)
    return Erasure(person, receipt, deleted, erase_from_exports(directory, person))


def _append_erasure(store: LedgerStore, person: str, basis: str, key: Ed25519PrivateKey, at: str) -> Receipt:
    stream = f"person/{person}"
    head = store.stream_head(stream)
    entry = {
        "v": 1,
        "log": store.origin,
        "kind": "personal_data.erased",
        "stream": stream,
        "seq": 0 if head is None else head.seq + 1,
        "prev": None if head is None else encode_base64(head.leaf_hash),
        "at": at,
        "signer": fingerprint(key.public_key()),
        "body": {"basis": basis},
    }
    # The entry first: a refused erasure (not an administrator, unknown person) deletes nothing, and
    # a crash after it leaves data that the next `erase` of the person deletes.
    return store.append(sign_entry(entry, key))
