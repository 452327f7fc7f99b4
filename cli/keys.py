"""Signing keys: `keys new` writes one (PKCS#8, mode 0600), `keys import` reads a browser key's backup,
`keys show` prints a key file's identity,
`keys endorse` is the national authority's side of registering a national key (rules edition 2),
`keys rotate-log-key` rotates the log (checkpoint) key with an overlap (docs/operations.md, section 6),
`keys rotate-root` hands the root to a new key (section 7)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cli.options import Commands, add_ledger_option, add_open_key_option, open_store, passphrase
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
from ledger.crypto.note import format_verifier_key
from ledger.endorsement import sign_endorsement
from ledger.entry import NATIONAL_ROLES, format_time, sign_entry
from ledger.errors import UsageError
from ledger.files import sync_directory, write_atomically


def register(commands: Commands) -> None:
    keys = commands.add_parser("keys", help="signing keys").add_subparsers(title="keys commands", metavar="ACTION")
    p = keys.add_parser("new", help="write a new Ed25519 key file (PKCS#8, mode 0600) and print its fingerprint")
    p.add_argument("path", type=Path)
    p.add_argument("--passphrase-env", metavar="VAR", help="encrypt the key with the passphrase in $VAR")
    p.set_defaults(run=new)
    p = keys.add_parser(
        "import",
        help="import a browser key's backup (/keys/new: encrypted PKCS#8 PEM) into a key file (mode 0600) "
        "under the same passphrase, and print its fingerprint",
    )
    p.add_argument("backup", type=Path, help="the backup file the browser saved (integritas-key-….pem)")
    p.add_argument("path", type=Path, help="the key file to write (never overwritten)")
    p.add_argument("--passphrase-env", metavar="VAR", help="the backup's passphrase is in $VAR (else asked for)")
    p.set_defaults(run=import_backup)
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
    p = keys.add_parser(
        "rotate-log-key",
        help="rotate the log (checkpoint) key: a new key signs beside the old one (log_key.added); "
        "--retire then retires the old one (log_key.retired). Both entries are signed by the root key",
    )
    add_ledger_option(p)
    p.add_argument("--root-key", type=Path, required=True, help="the root key file (it signs the entry)")
    p.add_argument("--passphrase-env", metavar="VAR", help="the root key's passphrase is in $VAR")
    p.add_argument("--retire", action="store_true", help="retire the old key: the new one signs alone from now on")
    p.add_argument("--reason", default="rotated to the next log key", help="the retirement's reason (with --retire)")
    p.set_defaults(run=rotate_log_key)
    p = keys.add_parser(
        "rotate-root",
        help="hand the root to a new key (root.rotated, rules edition 2): signed by the current root, "
        "with the new root's signature of the handover",
    )
    add_ledger_option(p)
    p.add_argument("--root-key", type=Path, required=True, help="the current root key file")
    p.add_argument("--new-root-key", type=Path, required=True, help="the new root key file (integritas keys new)")
    p.add_argument("--passphrase-env", metavar="VAR", help="the current root key's passphrase is in $VAR")
    p.add_argument("--new-passphrase-env", metavar="VAR", help="the new root key's passphrase is in $VAR")
    p.set_defaults(run=rotate_root)


def new(args: argparse.Namespace) -> int:
    key = generate_private_key()
    write_private_key(key, args.path, passphrase(args.passphrase_env))
    print(f"{fingerprint(key.public_key())}  {args.path}")
    print(f"public key (base64): {encode_base64(public_key_bytes(key.public_key()))}")
    return 0


def import_backup(args: argparse.Namespace) -> int:
    """A browser key's backup is an encrypted PKCS#8 PEM (RFC 5958 EncryptedPrivateKeyInfo with RFC
    8018 PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC), which `cryptography` reads as any key file: read it
    with its passphrase (it may be readable by others: it is encrypted, and downloads are not 0600)
    and write it as this command's key file, under the same passphrase."""
    secret = passphrase(args.passphrase_env) if args.passphrase_env else _ask_passphrase()
    key = read_private_key(args.backup, secret, allow_open=True)
    write_private_key(key, args.path, secret)
    print(f"{fingerprint(key.public_key())}  {args.path}")
    print(f"public key (base64): {encode_base64(public_key_bytes(key.public_key()))}")
    return 0


def _ask_passphrase() -> bytes:
    import getpass

    value = getpass.getpass("backup passphrase: ")
    if not value:
        raise UsageError("the backup is encrypted: give its passphrase (--passphrase-env VAR)")
    return value.encode("utf-8")


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


def rotate_log_key(args: argparse.Namespace) -> int:
    """The two steps of a log key's rotation. Without --retire: write the next key (log-next.key),
    announce it with `log_key.added` (whose checkpoint both keys sign) and list it in trust.json. With
    --retire: retire the old key with `log_key.retired` (the overlap's last checkpoint, signed by
    both), make the next key the log key, and write trust.json with it first. Run each step with the
    server stopped, and start it again after: a running server signs with the keys it started with."""
    from ledger.store.datadir import LOG_KEY_FILE, NEXT_LOG_KEY_FILE

    root = read_private_key(args.root_key, passphrase(args.passphrase_env), allow_open=args.allow_open_key_file)
    next_path = args.ledger / NEXT_LOG_KEY_FILE
    if args.retire:
        if not next_path.exists():
            raise UsageError("no log key rotation is under way: run rotate-log-key without --retire first")
        store = open_store(args.ledger, args.allow_open_key_file)
        try:
            old = format_verifier_key(store.verifier_key)
            _append_root_entry(store, root, "log_key.retired", {"verifier_key": old, "reason": args.reason})
        finally:
            store.close()
        os.replace(next_path, args.ledger / LOG_KEY_FILE)
        sync_directory(args.ledger)
        print(f"retired log key: {old}")
    else:
        if next_path.exists():
            raise UsageError("a log key rotation is under way: retire the old key with --retire first")
        write_private_key(generate_private_key(), next_path)
        try:
            store = open_store(args.ledger, args.allow_open_key_file)
            try:
                assert store.next_verifier_key is not None
                added = format_verifier_key(store.next_verifier_key)
                _append_root_entry(store, root, "log_key.added", {"verifier_key": added})
            finally:
                store.close()
        except BaseException:
            next_path.unlink()  # nothing it signed was stored: the log goes on under the old key alone
            raise
        print(f"added log key: {added}")
    store = open_store(args.ledger, args.allow_open_key_file)
    try:
        trust = _write_trust_file(args.ledger, store.trust_anchor())
    finally:
        store.close()
    print(f"verifier key: {format_verifier_key(trust.verifier_key)}")
    for key in trust.additional_verifier_keys:
        print(f"additional verifier key: {format_verifier_key(key)}")
    return 0


def rotate_root(args: argparse.Namespace) -> int:
    """Append `root.rotated`: the current root hands the root to the new key, whose `possession` is its
    signature of the handover (ledger.rules.ledger_kinds.root_possession_message). trust.json keeps
    the genesis root: the verifier follows the handovers from it."""
    from ledger.rules.ledger_kinds import root_possession_message

    root = read_private_key(args.root_key, passphrase(args.passphrase_env), allow_open=args.allow_open_key_file)
    new_root = read_private_key(
        args.new_root_key, passphrase(args.new_passphrase_env), allow_open=args.allow_open_key_file
    )
    old_fingerprint, new_fingerprint = fingerprint(root.public_key()), fingerprint(new_root.public_key())
    store = open_store(args.ledger, args.allow_open_key_file)
    try:
        possession = new_root.sign(root_possession_message(store.origin, old_fingerprint, new_fingerprint))
        body = {
            "root_key": encode_base64(public_key_bytes(new_root.public_key())),
            "possession": encode_base64(possession),
        }
        _append_root_entry(store, root, "root.rotated", body)
    finally:
        store.close()
    print(f"root key: {new_fingerprint}  {args.new_root_key}")
    print(f"retired root key: {old_fingerprint}")
    return 0


def _append_root_entry(store: Any, root: Any, kind: str, body: dict[str, Any]) -> None:
    head = store.stream_head("ledger")
    entry = {
        "v": 1,
        "log": store.origin,
        "kind": kind,
        "stream": "ledger",
        "seq": 0 if head is None else head.seq + 1,
        "prev": None if head is None else encode_base64(head.leaf_hash),
        "at": format_time(datetime.now(UTC)),
        "signer": fingerprint(root.public_key()),
        "body": body,
    }
    store.append(sign_entry(entry, root))


def _write_trust_file(directory: Path, anchor: Any) -> Any:
    """trust.json with the log's keys now; whatever else it holds is kept. A witness policy gains a
    `log` line for each of the log's keys it lacks (in DIR/witness-policy too): verifiers require
    it to list a key that signed the checkpoint."""
    from ledger.trust import TRUST_FILE, TrustAnchor, format_trust_file
    from witness.ledger_witnesses import read_ledger_policy, write_ledger_policy

    current = TrustAnchor.load(directory / TRUST_FILE)
    policy_text = current.witness_policy_text
    ledger_policy = read_ledger_policy(directory)
    if ledger_policy is not None:
        text, policy = ledger_policy
        listed = {key for key, _ in policy.logs}
        missing = [k for k in anchor.verifier_keys if k.public_key not in listed]
        if missing and policy.logs:
            lines = text.splitlines(keepends=True)
            last_log = max(n for n, line in enumerate(lines) if line.startswith("log "))
            lines[last_log + 1 : last_log + 1] = [f"log {k.public_key.hex()}\n" for k in missing]
            text = "".join(lines)
            write_ledger_policy(directory, text)
        policy_text = text
    trust = dataclasses.replace(
        current,
        verifier_key=anchor.verifier_key,
        additional_verifier_keys=anchor.additional_verifier_keys,
        witness_policy_text=policy_text if current.witness_policy_text is not None else None,
    )
    write_atomically(directory / TRUST_FILE, format_trust_file(trust).encode("utf-8"))
    return trust


def _text(value: str, option: str) -> str:
    """Holder text as the entry will carry it: NFC (the entry refuses anything else), not empty."""
    value = unicodedata.normalize("NFC", value)
    if not value.strip():
        raise UsageError(f"{option} must not be empty")
    return value
