"""Signing keys: `keys new` writes one (PKCS#8, mode 0600), `keys show` prints a key file's identity."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.options import Commands, add_open_key_option, passphrase
from ledger.crypto.keys import (
    encode_base64,
    fingerprint,
    generate_private_key,
    public_key_bytes,
    read_private_key,
    write_private_key,
)


def register(commands: Commands) -> None:
    keys = commands.add_parser("keys", help="signing keys").add_subparsers(title="keys commands", metavar="ACTION")
    p = keys.add_parser("new", help="write a new Ed25519 key file (PKCS#8, mode 0600) and print its fingerprint")
    p.add_argument("path", type=Path)
    p.add_argument("--passphrase-env", metavar="VAR", help="encrypt the key with the passphrase in $VAR")
    p.set_defaults(run=new)
    p = keys.add_parser("show", help="print a key file's fingerprint and public key")
    p.add_argument("path", type=Path)
    p.add_argument("--passphrase-env", metavar="VAR")
    add_open_key_option(p)
    p.set_defaults(run=show)


def new(args: argparse.Namespace) -> int:
    key = generate_private_key()
    write_private_key(key, args.path, passphrase(args.passphrase_env))
    print(f"{fingerprint(key.public_key())}  {args.path}")
    print(f"public key (base64): {encode_base64(public_key_bytes(key.public_key()))}")
    return 0


def show(args: argparse.Namespace) -> int:
    key = read_private_key(args.path, passphrase(args.passphrase_env), allow_open=args.allow_open_key_file)
    print(f"{fingerprint(key.public_key())}  {args.path}")
    print(f"public key (base64): {encode_base64(public_key_bytes(key.public_key()))}")
    return 0
