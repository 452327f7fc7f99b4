"""The `integritas` command: for operators (init, demo, status), signers (keys, sign, append) and
auditors (show, prove, export, verify, verify-record), overseers (status, oversight).

Every failure is one line on stderr, `integritas: <code>: <what failed>`, and a non-zero exit:
1 refused or invalid, 2 usage, 3 stale stream head (re-sign on the new head), 4 not found.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Sequence

from ledger import codes
from ledger.crypto import ed25519
from ledger.crypto.keys import encode_base64
from ledger.errors import EXIT_FAILED, EXIT_USAGE, Conflict, LedgerError, Unavailable, exit_status

# The modules of cli/ that register a family of subcommands (`register(commands)`), in the order of
# `integritas --help`; a new family is its module and one more name here.
COMMAND_FAMILIES = (
    "ledger_commands",
    "keys",
    "views",
    "proofs",
    "evidence",
    "repair",
    "serve",
    "tokens",
    "operations",
    "demo",
    "witness",
    "monitor",
    "personal",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (never a traceback for a user's mistake)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        ed25519.backend()  # a wrong INTEGRITAS_ED25519_BACKEND is a usage error before any work
        result: int = args.run(args)
        return result
    except LedgerError as exc:
        # The exit status is the family's (ledger.errors.exit_status); a conflict adds the head.
        head = exc.evidence.get("head") if isinstance(exc, Conflict) else None
        detail = f" (head: seq {head['seq']}, leaf hash {encode_base64(head['leaf_hash'])})" if head else ""
        return _fail(exc, exit_status(exc), detail)
    except BrokenPipeError:
        # The reader went away (`integritas show ... | head`): nothing to say to anyone.
        sys.stderr.close()
        return 141
    except sqlite3.Error as exc:  # a damaged or unreadable SQLite event store, met by eventsourcing
        error = Unavailable(f"the ledger's SQLite events cannot be read: {exc}", code=codes.STORE_UNREADABLE)
        return _fail(error, exit_status(error))
    except OSError as exc:
        print(f"integritas: io_error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("integritas: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="integritas", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for family in COMMAND_FAMILIES:
        importlib.import_module(f"cli.{family}").register(commands)
    return parser


def _fail(exc: LedgerError, status: int, detail: str = "") -> int:
    print(f"integritas: {exc.code}: {exc.message}{detail}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
