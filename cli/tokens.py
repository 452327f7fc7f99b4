"""Read tokens for the HTTP API: add (printed once), list (never the tokens themselves), revoke."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cli.options import Commands, add_ledger_option

if TYPE_CHECKING:
    from api.tokens import TokenFile


def register(commands: Commands) -> None:
    tokens = commands.add_parser("tokens", help="read tokens for the HTTP API").add_subparsers(
        title="tokens commands", metavar="ACTION"
    )
    p = tokens.add_parser("add", help="create a token (printed once) for a person with a read role")
    add_ledger_option(p)
    p.add_argument("name", help="who holds it, e.g. 'Kejaksaan Negeri Blora'")
    p.add_argument("--role", required=True, choices=["auditor", "overseer", "operator"])
    p.set_defaults(run=add)
    p = tokens.add_parser("list", help="list tokens (never the tokens themselves)")
    add_ledger_option(p)
    p.set_defaults(run=list_tokens)
    p = tokens.add_parser("revoke", help="revoke a token by its id")
    add_ledger_option(p)
    p.add_argument("id")
    p.set_defaults(run=revoke)


def _token_file(args: argparse.Namespace) -> TokenFile:
    from api.tokens import TokenFile

    return TokenFile(args.ledger / "tokens.json")


def add(args: argparse.Namespace) -> int:
    record, token = _token_file(args).add(args.name, args.role)
    print(f"token {record.id} for {record.name} ({record.role}); shown once, keep it safe:")
    print(token)
    return 0


def list_tokens(args: argparse.Namespace) -> int:
    for record in _token_file(args).records():
        state = f"revoked {record.revoked}" if record.revoked else "active"
        print(f"{record.id}  {record.role:<9} {state:<28} {record.created}  {record.name}")
    return 0


def revoke(args: argparse.Namespace) -> int:
    record = _token_file(args).revoke(args.id)
    print(f"token {record.id} of {record.name} revoked")
    return 0
