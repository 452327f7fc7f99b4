"""The files the ledger writes and reads: atomically, privately, and never more than a format allows.

Every file the ledger writes (ledger.json, the signed-head guard, tokens, exports, a verifier's
trusted state) is written to a temporary file beside it, fsynced, renamed over the old one and the
directory fsynced (POSIX rename(2) is atomic; the directory fsync makes the rename durable), so a
crash or a full disk leaves either the old file or the new one, never half of one. Data and secrets
are created 0600 in 0700 directories: names and employee numbers, a PostgreSQL password, keys.

Standard library only: the verifier uses this module too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from ledger import codes
from ledger.errors import MalformedInput, TooLarge

PRIVATE_FILE = 0o600
PRIVATE_DIRECTORY = 0o700


def make_private_directory(path: Path) -> None:
    """Create `path` (and missing parents, each 0700) if absent; the directory itself mode 0700."""
    if not path.parent.is_dir():
        make_private_directory(path.parent)
    path.mkdir(exist_ok=True, mode=PRIVATE_DIRECTORY)
    path.chmod(PRIVATE_DIRECTORY)


def write_atomically(path: Path, data: bytes, mode: int = PRIVATE_FILE, *, sync_rename: bool = True) -> None:
    """Replace `path` with `data`, durably and all at once (temporary file, fsync, rename, fsync).

    Raises the OSError of a failed write (ENOSPC on a full disk) with `path` unchanged and no
    temporary file left behind. With `sync_rename=False` the directory is not fsynced: after a
    crash `path` holds either the new bytes or the old ones, whole (for a write that may be lost).
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(temporary, mode)  # whatever the umask took away or left
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if sync_rename:
        sync_directory(path.parent)


def sync_directory(path: Path) -> None:
    """fsync a directory, so that a rename or a new file in it survives a crash."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_at_most(stream: BinaryIO, limit: int, what: str) -> bytes:
    """Everything `stream` holds if that is at most `limit` bytes; raises `answer_too_large` as soon as
    it holds more, without reading the rest."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"{what} is more than {limit} bytes, its format's maximum", code=codes.ANSWER_TOO_LARGE)
    return data


def read_exact_text(path: Path, limit: int, what: str, code: str) -> str:
    """A file's UTF-8 text, read as bytes (no newline translation: a CR stays a CR for the parser to
    refuse) and only up to `limit` bytes."""
    with path.open("rb") as handle:
        data = read_at_most(handle, limit, what)
    return decode_exact(data, what, code)


def decode_exact(data: bytes, what: str, code: str = "invalid_note") -> str:
    """Strict UTF-8, nothing translated."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInput(f"{what} is not UTF-8", code=code) from exc
