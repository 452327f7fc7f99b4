"""Personal data in and out of the ledger (rules edition 3; docs/contract/personal-data.md).

`append_disclosed` appends an entry together with the disclosures that open its commitments: each
disclosure is checked against the entry before anything is written, so the log never takes a
commitment the store cannot open, and the store never takes data the log does not commit to.

`erase_person` is the right to erasure (UU 27/2022 art. 8 and 43; docs/personal-data.md): a signed
`personal_data.erased` entry recording the legal basis (and no personal data), then the person's row
deleted from the personal-data store with its free pages and WAL, from every auditor export and from
every backup of the store the ledger made. The log itself is untouched, so it keeps verifying; the
commitments stay, and without the salt nothing links them to the person any more.

`rectify_person` is the right to rectification (UU 27/2022 art. 6, the controller's duty art. 30): a
signed `personal_data.rectified` entry carrying the commitment to the corrected data (and the basis,
no personal data), appended only if the corrected data opens it; then the store and the backups hold
the corrected data in place of the old, and the auditor exports (whose logs end before the new
commitment) no longer hold the person. Earlier entries keep the old commitment
(they are signed leaves); the log's current commitment of the person is the rectification's.

`restore_backup` puts a backup of the store back without resurrecting anyone: a person the log
records as erased, names nowhere, or whose data no longer opens the log's current commitment (it was
rectified since) is not restored.

The deletion steps are `delete_personal_data`, the one place that does them: after `erase_person`
(the command line), after any `personal_data.erased` appended through `append_entry` (the HTTP API's
`POST /v1/entries`, `integritas append`), and in `finish_erasures`, which a server runs when it starts
and `erase_person` after each erasure, so that an erasure logged but cut short (a crash between the
entry and the deletion) is finished.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import codes
from ledger.crypto.keys import encode_base64, fingerprint
from ledger.entry import Submission, sign_entry
from ledger.errors import LedgerError, MalformedInput, NotFound, Refused, Unavailable, VerificationFailed
from ledger.personal import AUDITOR_EXPORT_FILE, PSEUDONYM_PATTERN, Disclosure, parse_auditor_file, verify_disclosure
from ledger.rules.persons import commitments_carried
from ledger.store.application import LedgerStore, Receipt
from ledger.store.personal import (
    PersonalDataStore,
    auditor_exports,
    erase_from_backups,
    erase_from_exports,
    has_personal_data,
    read_backup,
    rectify_in_backups,
    register_backup,
)
from ledger.store.reader import LedgerReader


def append_disclosed(
    store: LedgerStore, directory: Path, submission: Submission, disclosures: Sequence[Disclosure]
) -> Receipt:
    """Append `submission` and keep the personal data that opens the commitments it carries (the
    persons it names, or a rectification's new commitment, which replaces the data held)."""
    return _append_disclosed(store, directory, submission, disclosures)[0]


def _append_disclosed(
    store: LedgerStore, directory: Path, submission: Submission, disclosures: Sequence[Disclosure]
) -> tuple[Receipt, list[str], list[str]]:
    """`append_disclosed`, with the auditor exports and backups a rectification rewrote."""
    entry = submission.entry
    named = dict(commitments_carried(entry))
    by_person = {d.person: d for d in disclosures}
    if set(by_person) != set(named):
        raise MalformedInput(
            f"the entry names person(s) {sorted(named) or 'none'}, the disclosures open {sorted(by_person) or 'none'}",
            code=codes.INVALID_PERSONAL_DATA,
        )
    for person, commitment in named.items():
        verify_disclosure(by_person[person], commitment)  # before the append: nothing unopened enters
    with PersonalDataStore(directory) as personal:
        for person in named:
            if personal.is_erased(person):  # the store remembers an erasure a rollback took from the log
                raise Refused(
                    f"the personal data of {person} was erased: it is not kept again", code=codes.PERSON_ERASED
                )
    receipt = append_entry(store, directory, submission)
    # The store follows the log's latest commitment: an older entry sent again (a duplicate receipt)
    # from before a rectification leaves the corrected data as it is.
    named = {person: c for person, c in named.items() if _latest_commitment(store, person) == c}
    if entry.kind == "personal_data.rectified" and named:
        corrected = by_person[entry.stream_subject or ""]
        with PersonalDataStore.creating(directory) as personal:
            personal.rectify(corrected, named[corrected.person])
        exports = erase_from_exports(directory, corrected.person)  # their logs hold the old commitment (see there)
        return receipt, exports, rectify_in_backups(directory, corrected)
    with PersonalDataStore.creating(directory) as personal:
        for person, commitment in named.items():
            personal.deposit(by_person[person], commitment)
    return receipt, [], []


def _latest_commitment(store: LedgerStore, pseudonym: str) -> str | None:
    person = store.person(pseudonym)
    return None if person is None else person.commitment


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: the entry recording it, whether data was held, the exports rewritten."""

    person: str
    receipt: Receipt
    data_deleted: bool
    exports_rewritten: list[str]
    backups_rewritten: list[str] = field(default_factory=list)


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
    deletion = delete_personal_data(directory, person)
    finish_erasures(store, directory)  # and any other erasure an earlier run left unfinished
    return Erasure(person, receipt, deletion.data_deleted, deletion.exports_rewritten, deletion.backups_rewritten)


def _append_erasure(store: LedgerStore, person: str, basis: str, key: Ed25519PrivateKey, at: str) -> Receipt:
    # The entry first: a refused erasure (not an administrator, unknown person) deletes nothing, and
    # a crash after it leaves data that the next `erase` of the person deletes.
    return store.append(_person_entry(store, person, "personal_data.erased", {"basis": basis}, key, at))


def _person_entry(
    store: LedgerStore, person: str, kind: str, body: dict[str, str], key: Ed25519PrivateKey, at: str
) -> Submission:
    """An administrator's entry on `person/<pseudonym>`, signed on the stream's head."""
    stream = f"person/{person}"
    head = store.stream_head(stream)
    entry = {
        "v": 1,
        "log": store.origin,
        "kind": kind,
        "stream": stream,
        "seq": 0 if head is None else head.seq + 1,
        "prev": None if head is None else encode_base64(head.leaf_hash),
        "at": at,
        "signer": fingerprint(key.public_key()),
        "body": body,
    }
    return sign_entry(entry, key)


@dataclass(frozen=True)
class Rectification:
    """What a rectification did: the entry carrying the new commitment, the copies rewritten."""

    person: str
    commitment: str
    receipt: Receipt
    exports_rewritten: list[str]
    backups_rewritten: list[str]


def rectify_person(
    store: LedgerStore,
    directory: Path,
    corrected: Disclosure,
    *,
    basis: str,
    key: Ed25519PrivateKey,
    at: str,
    commitment: str | None = None,
) -> Rectification:
    """Rectify the data of `corrected.person` to `corrected.data` (under its own fresh salt), signed
    by `key` (an administrator's). `commitment` is what the entry carries, by default the one
    `corrected` makes; one it does not open is refused (`personal_data_mismatch`) before anything
    is appended, as an erased, unknown or non-administrator's rectification is by the rules."""
    commitment = corrected.commitment if commitment is None else commitment
    submission = _person_entry(
        store, corrected.person, "personal_data.rectified", {"commitment": commitment, "basis": basis}, key, at
    )
    receipt, exports, backups = _append_disclosed(store, directory, submission, [corrected])
    return Rectification(corrected.person, commitment, receipt, exports, backups)


@dataclass
class Restored:
    """What `restore_backup` put back, and what it kept out (pseudonyms only)."""

    persons: int = 0
    reads: int = 0
    erased: list[str] = field(default_factory=list)  # the log records their erasure: never put back
    unlogged: list[str] = field(default_factory=list)  # no entry of the log names them
    outdated: list[str] = field(default_factory=list)  # no longer open the log's commitment (rectified since)


def restore_backup(store: LedgerStore, directory: Path, backup: Path) -> Restored:
    """Put the rows of a backup of the store (`integritas personal backup`) back into DIR's store,
    each checked against the log and the store's erased pseudonyms first, with the backup's reads;
    and register the backup, a copy of personal data that later erasures must reach."""
    held = read_backup(backup)
    done = Restored()
    kept = []
    with PersonalDataStore.creating(directory) as personal:
        for disclosure in held.persons:
            person = store.person(disclosure.person)
            if personal.is_erased(disclosure.person) or disclosure.person in held.erased:
                done.erased.append(disclosure.person)  # also when a rollback took the erasure entry away
            elif person is None:
                done.unlogged.append(disclosure.person)
            elif person.erased_index is not None:
                done.erased.append(disclosure.person)
            else:
                try:
                    verify_disclosure(disclosure, person.commitment)
                except VerificationFailed:
                    done.outdated.append(disclosure.person)
                else:
                    kept.append(disclosure)
        done.persons, done.reads = personal.restore_rows(kept, held.reads, held.erased)
    register_backup(directory, backup)
    for pseudonym in done.erased:  # a copy brought from elsewhere: what it holds of the erased goes now
        erase_from_backups(directory, pseudonym)
    return done


# --- the deletion steps, wherever the erasure entry came from -------------------------------------------


@dataclass(frozen=True)
class Deletion:
    """Steps 2 and 3 of an erasure: whether the store held the person's row, the exports rewritten."""

    person: str
    data_deleted: bool
    exports_rewritten: list[str]
    backups_rewritten: list[str]


def erased_person(submission: Submission) -> str | None:
    """The pseudonym a `personal_data.erased` submission erases; None for every other kind."""
    entry = submission.entry
    return entry.stream_subject if entry.kind == "personal_data.erased" else None


def delete_personal_data(directory: Path, person: str) -> Deletion:
    """Delete what `directory` holds of `person` once the log holds their erasure: the row of the
    personal-data store (secure_delete, VACUUM, WAL truncated), their entry in every registered
    auditor export and in every backup of the store. Idempotent: a second run changes nothing else."""
    deleted = False
    if has_personal_data(directory):
        with PersonalDataStore(directory) as personal:
            deleted = personal.erase(person)
    return Deletion(person, deleted, erase_from_exports(directory, person), erase_from_backups(directory, person))


def require_held_data(store: LedgerStore, directory: Path, submission: Submission) -> None:
    """Refuse an entry sent without disclosures whose commitments the personal-data store cannot open.

    `POST /v1/entries` and `integritas append` without `--disclosure` take no personal data, so an
    edition-3 entry naming a person (or rectifying one) must name someone the store already holds,
    with the commitment the held data opens; otherwise the log would take a commitment no one can
    open, and `verify` of the data directory would report it. A new person goes through
    `POST /v1/personal-data/disclosures` or `append --disclosure` (`append_disclosed`). The rules
    speak first: an entry they refuse (or a duplicate, whose original receipt `append` returns)
    is left to `append`.
    """
    carried = commitments_carried(submission.entry)
    if not carried:
        return
    try:
        store.check(submission)
    except LedgerError:
        return
    with PersonalDataStore(directory) as personal:
        for person, commitment in carried:
            held = personal.get(person)
            if held is None:
                raise MalformedInput(
                    f"the entry names {person}, whose personal data this ledger does not hold: send the entry "
                    "with its disclosure (POST /v1/personal-data/disclosures, or integritas append --disclosure)",
                    code=codes.INVALID_PERSONAL_DATA,
                )
            verify_disclosure(held, commitment)  # personal_data_mismatch: the held data opens another commitment


def append_entry(store: LedgerStore, directory: Path, submission: Submission) -> Receipt:
    """Append `submission`; when it is an erasure (newly logged or already in the log), delete the
    person's data before answering, as `erase_person` does."""
    receipt = store.append(submission)  # a refused erasure raises here: nothing is deleted
    person = erased_person(submission)
    if person is not None:
        try:
            delete_personal_data(directory, person)
        except (sqlite3.Error, OSError) as exc:
            # The entry is in the log: the same submission sent again (a duplicate) deletes again, and
            # `finish_erasures` does it when the server next starts.
            raise Unavailable(
                f"the erasure is leaf {receipt.leaf_index} of the log, but deleting the data failed: "
                "send the same submission again to finish it",
                code=codes.ERASURE_UNFINISHED,
            ) from exc
    return receipt


def finish_erasures(store: LedgerStore, directory: Path) -> list[Deletion]:
    """Finish every erasure the log holds whose deletion was cut short: the erased persons whose data
    the personal-data store or a registered auditor export still holds."""
    erased = set(store.erased_persons())
    if not erased:
        return []
    with PersonalDataStore(directory) as personal:
        pending = {person for person in erased if personal.get(person) is not None}
    pending |= erased & _exported_persons(directory)
    return [delete_personal_data(directory, person) for person in sorted(pending)]


@dataclass(frozen=True)
class ErasureState:
    """What `directory` still holds of a person, as an administrator checks it after an erasure."""

    person: str
    erased_index: int | None
    data_held: bool
    exports_registered: int
    exports_holding: int

    def to_json(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "erased_index": self.erased_index,
            "data_held": self.data_held,
            "exports_registered": self.exports_registered,
            "exports_holding": self.exports_holding,
        }


def erasure_state(store: LedgerReader, directory: Path, person: str) -> ErasureState:
    """Whether the log holds `person`'s erasure and whether any of their data is still held here
    (reading no personal data: only whether a row or an export's entry exists)."""
    known = store.person(person)
    if known is None:
        raise NotFound(f"no entry of the log names {person}", code=codes.UNKNOWN_PERSON)
    with PersonalDataStore(directory) as personal:
        held = personal.get(person) is not None
    exports = auditor_exports(directory)
    holding = sum(1 for export in exports if person in _persons_of_export(Path(export)))
    return ErasureState(person, known.erased_index, held, len(exports), holding)


def _persons_of_export(export: Path) -> set[str]:
    path = export / AUDITOR_EXPORT_FILE
    if not path.exists():
        return set()  # deleted since it was registered: nothing is left there
    return {disclosure.person for disclosure in parse_auditor_file(path.read_bytes())}


def _exported_persons(directory: Path) -> set[str]:
    return {person for export in auditor_exports(directory) for person in _persons_of_export(Path(export))}
