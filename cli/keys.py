"""Signing keys: `keys new` writes one (PKCS#8, mode 0600), `keys show` prints a key file's identity,
`keys endorse` is the national authority's side of registering a national key (rules edition 2)."""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path
from typing import Any

from cli.options import Commands, add_open_key_option, passphrase
from cli.output import print_json
from ledger.crypto.keys import (
    PUBLIC_KEY_SIZE,
    decode_base64,
    encode_base64,
    fingerprint,
    generate_private_key,
    public_key_bytes,
    read_private_key,
    write_private_key,
)
from ledger.endorsement import sign_endorsement
from ledger.entry import NATIONAL_ROLES
from ledger.errors import UsageError


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
    p = keys.add_parser(
        "endorse",
        help="the national root's endorsement of a national key (the ministry's side): print the members "
        "for the key.registered body",
    )
    p.add_argument("--national-root-key", type=Path, required=True, help="the national root's key file")
    p.add_argument("--passphrase-env", metavar="VAR")
    p.add_argument("--public-key", required=True, metavar="B64", help="the endorsed key's public key (base64)")
    p.add_argument("--role", required=True, choices=NATIONAL_ROLES)
    p.add_argument("--holder-name", required=True)
    p.add_argument("--holder-title", required=True)
    add_open_key_option(p)
    p.set_defaults(run=endorse)


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


def endorse(args: argparse.Namespace) -> int:
    """Sign, with the national root, what a national key will be: its public key, role and holder,
    exactly as the registering body carries them (ledger.endorsement); print those members with the
    endorsement, for the regency to add `scope` (and `office`) and register."""
    root = read_private_key(
        args.national_root_key, passphrase(args.passphrase_env), allow_open=args.allow_open_key_file
    )
    decode_base64(args.public_key, size=PUBLIC_KEY_SIZE, what="--public-key")
    holder = {"name": _text(args.holder_name, "--holder-name"), "title": _text(args.holder_title, "--holder-title")}
    body: dict[str, Any] = {"public_key": args.public_key, "role": args.role, "holder": holder}
    body["endorsement"] = sign_endorsement(root, body)
    print_json(body)
    return 0


def _text(value: str, option: str) -> str:
    """Holder text as the entry will carry it: NFC (the entry refuses anything else), not empty."""
    value = unicodedata.normalize("NFC", value)
    if not value.strip():
        raise UsageError(f"{option} must not be empty")
    return value
