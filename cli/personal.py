"""Personal data (rules edition 3; docs/contract/personal-data.md, docs/personal-data.md).

integritas personal commit --name N [--number NIP] [--person P] --out FILE   the signer's side
integritas personal show --ledger DIR PERSON --purpose TEXT --reader WHO     a recorded read
integritas personal records --ledger DIR PERSON --reader WHO                 a subject's own entries
integritas personal reads --ledger DIR [PERSON]                              the read log
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
from ledger.errors import NotFound
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
        }
    )
    return 0
