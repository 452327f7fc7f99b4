"""Personal data (rules edition 3; docs/contract/personal-data.md, docs/personal-data.md).

integritas personal commit --name N [--number NIP] [--person P] --out FILE   the signer's side
integritas personal show --ledger DIR PERSON --purpose TEXT --reader WHO     a recorded read
integritas personal records --ledger DIR PERSON --reader WHO                 a subject's own entries
integritas personal reads --ledger DIR [PERSON]                              the read log
integritas personal rectify --ledger DIR --person P --name N [--number NIP] --basis TEXT --key ADMIN.key
                                                                             the right to rectification
integritas personal backup --ledger DIR OUT                                  a backup erasure reaches
integritas personal restore --ledger DIR BACKUP                              never resurrects the erased
integritas erase --ledger DIR --person NUMBER --basis TEXT --key ADMIN.key   the right to erasure
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cli.options import Commands, add_ledger_option, open_store, passphrase
from cli.output import print_json
from ledger import codes
from ledger.errors import MalformedInput, NotFound, UsageError
from ledger.files import read_exact_text, write_atomically

if TYPE_CHECKING:
    from ledger.personal import Disclosure

MAX_DISCLOSURE_BYTES = 1 << 16


def register(commands: Commands) -> None:
    p = commands.add_parser(
        "personal", help="personal data beside the log (rules edition 3): commit, show, records, reads"
    )
    sub = p.add_subparsers(dest="personal_command", required=True)

    c = sub.add_parser("commit", help="make a person's salt and commitment; write the disclosure file (0600)")
    c.add_argument("--name", required=True)
    c.add_argument("--number", help="the employee number (NIP), for an employee")
    c.add_argument("--person", help="a known person's pseudonym (default: a new random one)")
    c.add_argument("--out", type=Path, required=True, help="where to write the disclosure (keep it private)")
    c.set_defaults(run=commit)

    c = sub.add_parser("show", help="show a person's data, recording the read (who, when, which record, why)")
    add_ledger_option(c)
    c.add_argument("person", help="a pseudonym p-… or an employee number")
    c.add_argument("--purpose", required=True, help="why the data is read (recorded)")
    c.add_argument("--reader", required=True, help="who reads it (recorded)")
    c.set_defaults(run=show)

    c = sub.add_parser("records", help="the entries of the log naming a person (the data subject's access)")
    add_ledger_option(c)
    c.add_argument("person", help="a pseudonym p-… or an employee number")
    c.add_argument("--reader", required=True, help="who asks (recorded: the subject, or who acts for them)")
    c.set_defaults(run=records)

    c = sub.add_parser("reads", help="the read log of personal data (no personal data in it)")
    add_ledger_option(c)
    c.add_argument("person", nargs="?", help="only the reads of this pseudonym")
    c.set_defaults(run=reads)

    c = sub.add_parser(
        "rectify", help="correct a person's name or number: a signed entry with the new commitment, then the data"
    )
    add_ledger_option(c)
    c.add_argument("--person", required=True, help="the employee number (NIP) held now, or the pseudonym p-…")
    c.add_argument("--name", help="the corrected name (default: the name held)")
    c.add_argument("--number", help="the corrected employee number (default: the number held)")
    c.add_argument(
        "--disclosure", type=Path, help="the corrected data as a disclosure file (`personal commit --person`)"
    )
    c.add_argument("--basis", required=True, help="the basis, e.g. 'permintaan subjek data, UU 27/2022 pasal 6'")
    c.add_argument("--key", type=Path, required=True, help="an administrator's key file")
    c.add_argument("--passphrase-env", metavar="VAR")
    c.add_argument("--at", help="when (RFC 3339 UTC seconds, Z); default now")
    c.add_argument("--out", type=Path, help="also write the corrected disclosure here (0600), for later entries")
    c.set_defaults(run=rectify)

    c = sub.add_parser("backup", help="back up personal.sqlite (online, 0600), registered so that erasures reach it")
    add_ledger_option(c)
    c.add_argument("out", type=Path, help="the backup file to create")
    c.set_defaults(run=backup)

    c = sub.add_parser("restore", help="put a backup of personal.sqlite back, never a person the log erased")
    add_ledger_option(c)
    c.add_argument("backup", type=Path, help="a file written by `integritas personal backup`")
    c.set_defaults(run=restore)

    p = commands.add_parser("erase", help="erase a person's personal data: a signed entry, then the data deleted")
    add_ledger_option(p)
    p.add_argument("--person", required=True, help="the employee number (NIP) or the pseudonym p-…")
    p.add_argument("--basis", required=True, help="the legal basis, e.g. 'permintaan subjek data, UU 27/2022 pasal 8'")
    p.add_argument("--key", type=Path, required=True, help="an administrator's key file")
    p.add_argument("--passphrase-env", metavar="VAR")
    p.add_argument("--at", help="when (RFC 3339 UTC seconds, Z); default now")
    p.set_defaults(run=erase)


def commit(args: argparse.Namespace) -> int:
    from ledger.personal import PersonalData, make_disclosure

    disclosure = make_disclosure(PersonalData(args.name, args.number), args.person)
    write_atomically(args.out, (json.dumps(disclosure.to_json(), ensure_ascii=False) + "\n").encode())
    # What the entry's body carries: the pseudonym and the commitment, never the data.
    print_json({"person": disclosure.person, "commitment": disclosure.commitment})
    return 0


def read_disclosure(path: Path) -> Disclosure:
    from ledger.canonical import load_json
    from ledger.personal import Disclosure

    return Disclosure.from_json(
        load_json(read_exact_text(path, MAX_DISCLOSURE_BYTES, "the disclosure", codes.INVALID_PERSONAL_DATA))
    )


def _now() -> str:
    from ledger.entry import format_time

    return format_time(datetime.now(UTC))


def show(args: argparse.Namespace) -> int:
    from ledger.store.personal import PersonalDataStore

    with PersonalDataStore(args.ledger) as store:
        person = store.resolve(args.person)
        data = store.read(person, reader=args.reader, record=f"person/{person}", purpose=args.purpose, at=_now())
    assert data is not None  # resolve found it
    print_json({"person": person, **data.to_json()})
    return 0


def records(args: argparse.Namespace) -> int:
    from ledger.store.personal import PersonalDataStore

    ledger = open_store(args.ledger, args.allow_open_key_file)
    with PersonalDataStore(args.ledger) as store:
        person = args.person if args.person.startswith("p-") else store.resolve(args.person)
        known = ledger.person(person)
        if known is None:
            raise NotFound(f"no entry of the log names {person}", code=codes.UNKNOWN_PERSON)
        data = store.read(
            person, reader=args.reader, record=f"person/{person}", purpose="the data subject's access", at=_now()
        )
    print_json(
        {
            "person": person,
            "data": None if data is None else data.to_json(),
            "erased_at_leaf": known.erased_index,
            "entries": [json.loads(ledger.leaf(index)) | {"index": index} for index in known.indices],
        }
    )
    return 0


def reads(args: argparse.Namespace) -> int:
    from ledger.store.personal import PersonalDataStore

    with PersonalDataStore(args.ledger) as store:
        print_json([read.to_json() for read in store.reads(args.person)])
    return 0


def erase(args: argparse.Namespace) -> int:
    from ledger.crypto.keys import read_private_key
    from ledger.store.erasure import erase_person

    key = read_private_key(args.key, passphrase(args.passphrase_env), allow_open=args.allow_open_key_file)
    ledger = open_store(args.ledger, args.allow_open_key_file)
    done = erase_person(ledger, args.ledger, args.person, basis=args.basis, key=key, at=args.at or _now())
    print_json(
        {
            "person": done.person,
            "erasure": done.receipt.to_json(),
            "data_deleted": done.data_deleted,
            "exports_rewritten": done.exports_rewritten,
            "backups_rewritten": done.backups_rewritten,
        }
    )
    return 0


def rectify(args: argparse.Namespace) -> int:
    from ledger.crypto.keys import fingerprint, read_private_key
    from ledger.personal import PSEUDONYM_PATTERN, PersonalData, make_disclosure
    from ledger.store.erasure import rectify_person
    from ledger.store.personal import PersonalDataStore

    key = read_private_key(args.key, passphrase(args.passphrase_env), allow_open=args.allow_open_key_file)
    at = args.at or _now()
    with PersonalDataStore(args.ledger) as store:
        # A pseudonym goes to the log as given (it decides: person_not_in_log, person_erased).
        person = args.person if PSEUDONYM_PATTERN.fullmatch(args.person) else store.resolve(args.person)
        if args.disclosure is not None:
            if args.name is not None or args.number is not None:
                raise UsageError("give the corrected data either as --name/--number or as --disclosure")
            corrected = read_disclosure(args.disclosure)
            if corrected.person != person:
                raise MalformedInput(
                    f"the disclosure opens {corrected.person}, not {person}", code=codes.INVALID_PERSONAL_DATA
                )
        else:
            if args.name is None and args.number is None:
                raise UsageError("give the corrected --name and/or --number (or --disclosure)")
            # What is held fills in what is not corrected: a read, recorded with its purpose.
            held = store.read(
                person,
                reader=f"key {fingerprint(key.public_key())}",
                record=f"person/{person}",
                purpose="rectification",
                at=at,
            )
            name = args.name if args.name is not None else held.name if held is not None else None
            if name is None:
                raise UsageError(f"no data is held for {person}: give the corrected --name (and --number)")
            number = args.number if args.number is not None else held.number if held is not None else None
            corrected = make_disclosure(PersonalData(name, number), person)  # a fresh salt
    ledger = open_store(args.ledger, args.allow_open_key_file)
    done = rectify_person(ledger, args.ledger, corrected, basis=args.basis, key=key, at=at)
    if args.out is not None:
        write_atomically(args.out, (json.dumps(corrected.to_json(), ensure_ascii=False) + "\n").encode())
    print_json(
        {
            "person": done.person,
            "commitment": done.commitment,
            "rectification": done.receipt.to_json(),
            "exports_rewritten": done.exports_rewritten,
            "backups_rewritten": done.backups_rewritten,
        }
    )
    return 0


def backup(args: argparse.Namespace) -> int:
    from ledger.store.personal import backup_store

    persons = backup_store(args.ledger, args.out)
    print_json({"backup": str(args.out), "persons": persons, "registered_in": "personal-backups.json"})
    return 0


def restore(args: argparse.Namespace) -> int:
    from ledger.store.erasure import restore_backup

    ledger = open_store(args.ledger, args.allow_open_key_file)
    done = restore_backup(ledger, args.ledger, args.backup)
    print_json(
        {
            "persons_restored": done.persons,
            "reads_restored": done.reads,
            "not_restored": {"erased": done.erased, "unlogged": done.unlogged, "outdated": done.outdated},
        }
    )
    return 0
