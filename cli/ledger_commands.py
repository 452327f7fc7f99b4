"""The ledger's own commands: init (a new ledger), sign and append (a submission), show (entries)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cli.options import Commands, add_ledger_option, add_postgres_options, open_store, passphrase, postgres_dsn
from cli.output import print_json
from ledger import codes
from ledger.crypto.keys import (
    encode_base64,
    fingerprint,
    generate_private_key,
    read_private_key,
    read_public_key,
    write_private_key,
)
from ledger.entry import format_time, parse_submission, sign_entry
from ledger.errors import NotFound, UsageError
from ledger.files import read_exact_text

MAX_POLICY_BYTES = 1 << 20  # a policy is a few kilobytes; a genesis leaf is at most 64 KiB anyway


def register(commands: Commands) -> None:
    p = commands.add_parser("init", help="create a new ledger: root key, log key, genesis entry")
    p.add_argument("directory", type=Path)
    p.add_argument("--origin", required=True, help="the log's origin, e.g. integritas.blorakab.go.id/zi")
    p.add_argument("--name", required=True, help="the ledger's name, e.g. 'Zona Integritas Kabupaten Blora'")
    p.add_argument(
        "--root-key",
        type=Path,
        required=True,
        help="where to write the new root key (keep it offline: it registers administrators)",
    )
    p.add_argument("--passphrase-env", metavar="VAR", help="encrypt the root key with the passphrase in $VAR")
    p.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help="the genesis policy document (JSON); default: the packaged edition-2 policy",
    )
    p.add_argument(
        "--rules",
        type=int,
        choices=(2, 3),
        help="the packaged policy's rules edition; 3 holds persons as salted commitments "
        "(docs/contract/personal-data.md)",
    )
    p.add_argument(
        "--national-root",
        metavar="PUBKEY_FILE_OR_BASE64",
        help="the national authority's root public key (base64, or a file holding it or a PEM public key): "
        "the policy's national_root and trust.json's national_root_fingerprint",
    )
    add_postgres_options(p, "keep events in PostgreSQL instead of SQLite")
    p.set_defaults(run=init)

    p = commands.add_parser("sign", help="build and sign a submission; seq and prev come from the ledger")
    add_ledger_option(p)
    p.add_argument("--key", type=Path, required=True, help="the signer's key file")
    p.add_argument("--passphrase-env", metavar="VAR")
    p.add_argument("--kind", required=True)
    p.add_argument("--stream", required=True)
    p.add_argument("--body", required=True, help="the body as JSON, or @FILE")
    p.add_argument("--at", help="when it happened (RFC 3339 UTC seconds, Z); default now")
    p.add_argument(
        "--offline",
        action="store_true",
        help="sign without the ledger: no check of the signer and stream against it; "
        "the log's origin, seq and prev from --log, --seq and --prev",
    )
    p.add_argument("--log", metavar="ORIGIN", help="--offline: the log's origin")
    p.add_argument("--seq", type=int, default=0, help="--offline: the entry's seq on its stream (default 0)")
    p.add_argument("--prev", metavar="LEAF_HASH", help="--offline: the leaf hash of the stream's head (base64)")
    p.set_defaults(run=sign)

    p = commands.add_parser("append", help="append a signed submission (file or stdin) and print the receipt")
    add_ledger_option(p)
    p.add_argument("submission", nargs="?", default="-", help="submission JSON file, - for stdin")
    p.add_argument(
        "--disclosure",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="rules edition 3: the personal data opening a commitment the entry carries "
        "(from `integritas personal commit`); checked before the append, kept in DIR/personal.sqlite",
    )
    p.set_defaults(run=append)

    p = commands.add_parser("show", help="show an entry by leaf index, or a whole stream")
    add_ledger_option(p)
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("index", nargs="?", type=int)
    target.add_argument("--stream")
    p.set_defaults(run=show)


def init(args: argparse.Namespace) -> int:
    from ledger.store.datadir import TRUST_FILE, init_ledger

    policy = _genesis_policy(args.policy, args.national_root, args.rules)
    root_key = generate_private_key()
    write_private_key(root_key, args.root_key, passphrase(args.passphrase_env))
    store = init_ledger(
        args.directory,
        origin=args.origin,
        name=args.name,
        root_key=root_key,
        log_key=generate_private_key(),
        postgres_dsn=postgres_dsn(args),
        policy=policy,
    )
    print(f"ledger {args.origin} created in {args.directory} ({store.storage.describe()})")
    print(f"root key: {args.root_key}  fingerprint {fingerprint(root_key.public_key())}")
    print(f"verifier key: {store.verifier_key_text}")
    print(f"trust anchor for auditors: {args.directory / TRUST_FILE}")
    national_root = store.trust_anchor().national_root_fingerprint
    if national_root is not None:
        print(f"national root: fingerprint {national_root} (compare it with the one the ministry publishes)")
    return 0


def _genesis_policy(
    policy_file: Path | None, national_root: str | None, rules: int | None = None
) -> dict[str, Any] | None:
    """The policy `init` writes into the genesis entry, checked before anything is created.

    `--national-root` sets the policy's `national_root` (rules edition 2: the key whose endorsement
    national keys need); it needs an edition-2 policy, the packaged one unless `--policy` gives one.
    """
    from ledger.canonical import load_json
    from ledger.rules import default_policy_document, parse_policy

    if policy_file is None and national_root is None and rules is None:
        return None
    document: Any = (
        load_json(read_exact_text(policy_file, MAX_POLICY_BYTES, "the policy file", codes.MALFORMED_JSON))
        if policy_file is not None
        else default_policy_document()
    )
    if rules is not None:
        if not isinstance(document, dict) or document.get("rules") not in (2, 3):
            raise UsageError("--rules needs an edition-2 or edition-3 policy")
        document = {**document, "rules": rules}
    if national_root is not None:
        if not isinstance(document, dict) or document.get("rules") not in (2, 3):
            raise UsageError('--national-root needs a rules edition 2 or 3 policy ("rules": 2 or 3)')
        root = encode_base64(read_public_key(national_root))
        document = {**document, "national_root": {"value": root, "source": "integritas init --national-root"}}
    parse_policy(document)  # refused here (invalid_policy), before the directory is made
    return dict(document)


def sign(args: argparse.Namespace) -> int:
    """Sign a submission on its stream's head. Unless `--offline`, the ledger's rules decide it first
    (signer registered and unrevoked, its role and scope, the stream and its head, the body), so that
    a submission the log would refuse is never printed: the refusal's own code is the error."""
    from ledger.canonical import load_json

    key = read_private_key(args.key, passphrase(args.passphrase_env), allow_open=args.allow_open_key_file)
    body_text = Path(args.body[1:]).read_text(encoding="utf-8") if args.body.startswith("@") else args.body
    store = None
    if args.offline:
        if not args.log:
            raise UsageError("--offline needs the log's origin: --log ORIGIN")
        origin, seq, prev = args.log, args.seq, args.prev
    else:
        if args.log or args.seq or args.prev:
            raise UsageError("--log, --seq and --prev are for --offline; online they come from the ledger")
        store = open_store(args.ledger, args.allow_open_key_file)
        head = store.stream_head(args.stream)
        origin = store.origin
        seq = 0 if head is None else head.seq + 1
        prev = None if head is None else encode_base64(head.leaf_hash)
    entry = {
        "v": 1,
        "log": origin,
        "kind": args.kind,
        "stream": args.stream,
        "seq": seq,
        "prev": prev,
        "at": args.at or format_time(datetime.now(UTC)),
        "signer": fingerprint(key.public_key()),
        "body": load_json(body_text),
    }
    submission = sign_entry(entry, key)
    if store is not None:
        store.check(submission)
    print(json.dumps(submission.to_json(), ensure_ascii=False))
    return 0


def append(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read() if args.submission == "-" else Path(args.submission).read_bytes()
    submission = parse_submission(data)
    store = open_store(args.ledger, args.allow_open_key_file)
    from ledger.rules.persons import commitments_carried

    if args.disclosure or commitments_carried(submission.entry):
        from cli.personal import read_disclosure
        from ledger.store.erasure import append_disclosed

        disclosures = [read_disclosure(path) for path in args.disclosure]
        receipt = append_disclosed(store, args.ledger, submission, disclosures)
    else:
        from ledger.store.erasure import append_entry

        receipt = append_entry(store, args.ledger, submission)  # an erasure deletes the data, as `erase`
    print_json({**receipt.to_json(), "duplicate": receipt.duplicate})
    return 0


def show(args: argparse.Namespace) -> int:
    store = open_store(args.ledger, args.allow_open_key_file)
    if args.stream is not None:
        entries = store.stream_entries(args.stream)
        if not entries:
            raise NotFound(f"stream {args.stream} has no entries", code=codes.UNKNOWN_STREAM)
        print_json(
            {
                "stream": args.stream,
                "entries": [
                    {"index": index, "leaf_hash": encode_base64(leaf_hash), **json.loads(store.leaf(index))}
                    for index, leaf_hash in entries
                ],
            }
        )
        return 0
    leaf = store.leaf(args.index)
    print_json({"index": args.index, "leaf_hash": encode_base64(store.leaf_hash(args.index)), **json.loads(leaf)})
    return 0
