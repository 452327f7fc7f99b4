"""``integritas witness ...``: an independent witness (C2SP tlog-witness) and a ledger's witnesses.

    integritas witness init DIR --name NAME [--log VKEY ...]   # key, name, the logs it witnesses
    integritas witness add-log DIR VKEY
    integritas witness set-log-key DIR VKEY                    # a witnessed log's key rotated
    integritas witness serve DIR [--host 127.0.0.1] [--port 8101]
    integritas witness key DIR | evidence DIR
    integritas witness policy --ledger DIR --witness VKEY URL ... [--quorum K]

Errors are raised as :class:`~ledger.errors.LedgerError` and printed by the CLI's one handler.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.options import Commands
from ledger.crypto.cosignature import format_cosigner_key


def register(commands: Commands) -> None:
    """Add ``witness init|add-log|set-log-key|key|evidence|policy|serve`` to the CLI's subcommands."""
    witness = commands.add_parser("witness", help="run an independent witness (C2SP tlog-witness)")
    actions = witness.add_subparsers(title="witness commands", metavar="ACTION")
    p = actions.add_parser("init", help="create a witness: its key, its name and the logs it witnesses")
    p.add_argument("directory", type=Path)
    p.add_argument("--name", required=True, help="the witness's cosigner name, e.g. kejari-blora.go.id/witness")
    p.add_argument(
        "--log",
        action="append",
        default=[],
        metavar="VKEY",
        help="a log's verifier key <origin>+<key ID>+<key> (repeat for several)",
    )
    p.set_defaults(run=_init)
    p = actions.add_parser("add-log", help="witness one more log")
    p.add_argument("directory", type=Path)
    p.add_argument("vkey", help="the log's verifier key <origin>+<key ID>+<key>")
    p.set_defaults(run=_add_log)
    p = actions.add_parser("set-log-key", help="a witnessed log's key rotated: witness it under its new key")
    p.add_argument("directory", type=Path)
    p.add_argument("vkey", help="the log's new verifier key <origin>+<key ID>+<key>")
    p.set_defaults(run=_set_log_key)
    p = actions.add_parser("evidence", help="print the refused requests the log signed (possible split views)")
    p.add_argument("directory", type=Path)
    p.set_defaults(run=_evidence)
    p = actions.add_parser("key", help="print the witness's verifier key (type 04), for logs and policies")
    p.add_argument("directory", type=Path)
    p.set_defaults(run=_key)
    p = actions.add_parser("policy", help="set the witnesses a ledger submits its checkpoints to, and the quorum")
    p.add_argument("--ledger", type=Path, required=True, help="the ledger's data directory")
    p.add_argument(
        "--witness",
        nargs=2,
        action="append",
        default=[],
        metavar=("VKEY", "URL"),
        help="a witness's verifier key (type 04) and its URL (repeat for several)",
    )
    p.add_argument("--quorum", type=int, default=1, help="how many witnesses a verifier requires (0: none)")
    p.set_defaults(run=_policy)
    p = actions.add_parser("serve", help="serve POST /add-checkpoint")
    p.add_argument("directory", type=Path)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8101)
    p.set_defaults(run=_serve)


def _init(args: argparse.Namespace) -> int:
    from witness.config import init_witness

    key = init_witness(args.directory, args.name, args.log)
    print(f"verifier key: {format_cosigner_key(key)}")
    print(f"policy line:  witness {key.name} {key.public_key.hex()}")
    return 0


def _evidence(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from witness.config import open_witness

    for item in open_witness(args.directory).state.evidence():
        when = datetime.fromtimestamp(item.received_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"# {item.id} {when} {item.origin}: {item.reason}")
        print(item.request.decode("utf-8", "replace"), end="" if item.request.endswith(b"\n") else "\n")
    return 0


def _key(args: argparse.Namespace) -> int:
    from witness.config import open_witness

    print(format_cosigner_key(open_witness(args.directory).key))
    return 0


def _set_log_key(args: argparse.Namespace) -> int:
    from ledger.crypto.note import format_verifier_key
    from witness.config import set_log_key

    print(f"witnessing {format_verifier_key(set_log_key(args.directory, args.vkey))}")
    return 0


def _add_log(args: argparse.Namespace) -> int:
    from ledger.crypto.note import format_verifier_key
    from witness.config import add_log

    print(f"witnessing {format_verifier_key(add_log(args.directory, args.vkey))}")
    return 0


def _policy(args: argparse.Namespace) -> int:
    import dataclasses

    from ledger.crypto.cosignature import parse_cosigner_key
    from ledger.trust import TRUST_FILE, TrustAnchor, format_trust_file
    from witness.ledger_witnesses import format_ledger_policy, write_ledger_policy

    trust = TrustAnchor.load(args.ledger / TRUST_FILE)
    witnesses = [(parse_cosigner_key(vkey), url) for vkey, url in args.witness]
    text = format_ledger_policy(trust.verifier_key.public_key, None, witnesses, args.quorum)
    write_ledger_policy(args.ledger, text)
    # Auditors take trust.json away: it carries the policy they hold the log to.
    temporary = args.ledger / (TRUST_FILE + ".tmp")
    temporary.write_text(format_trust_file(dataclasses.replace(trust, witness_policy_text=text)), encoding="utf-8")
    temporary.replace(args.ledger / TRUST_FILE)
    print(text, end="")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from witness.app import create_witness_app
    from witness.config import open_witness

    witness = open_witness(args.directory)
    print(f"witness {witness.name} on http://{args.host}:{args.port}/ key {format_cosigner_key(witness.key)}")
    uvicorn.run(create_witness_app(witness), host=args.host, port=args.port, log_level="warning")
    return 0
