"""Signing in with a key (docs/design/stage-4.md, "Signing in by key"): a challenge, its signature, a session.

The browser asks for a challenge (32 random bytes, 5 minutes, single use), signs
`integritas-signin/v1\\n<origin>\\n<challenge>\\n` with the key it holds, and sends the signature with
the key's fingerprint. A registered, unrevoked key of the log gets a session cookie.

Both halves work with several server processes (`--workers 2`) without shared memory:
- a challenge is a file in `DIR/signin-challenges/` named by its SHA-256; using it unlinks the file,
  which succeeds in exactly one process (POSIX unlink), so a challenge is spent once;
- a session cookie is stateless: `<fingerprint>.<expiry>.<HMAC-SHA256 by DIR/session.secret>`. Each
  request checks the HMAC, the expiry, and that the log still holds the key unrevoked, so a revoked
  key's session ends with the revocation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from api.errors import CHALLENGE_INVALID, INVALID_SIGNIN, Unauthorised
from ledger import codes
from ledger.crypto.keys import decode_base64
from ledger.errors import MalformedInput, Unavailable
from ledger.files import make_private_directory, write_atomically
from ledger.rules.state import KeyRecord

CHALLENGE_DIRECTORY = "signin-challenges"
SESSION_SECRET_FILE = "session.secret"
CHALLENGE_SECONDS = 5 * 60
SESSION_SECONDS = 12 * 3600  # a working day, as the read-token cookie
MAX_OPEN_CHALLENGES = 10_000  # a flood of challenge requests fills no disk
SIGNIN_CONTEXT = "integritas-signin/v1"
FINGERPRINT = re.compile(r"[0-9a-f]{64}")

# The reading rights of a key's role (stage-4.md): overseers read as overseers, administrators as
# operators, the assessing and deciding offices as auditors. Other roles write and read public pages.
READ_ROLE_OF_KEY_ROLE = {
    "overseer": "overseer",
    "administrator": "operator",
    "internal_assessor": "auditor",
    "national_assessor": "auditor",
    "minister": "auditor",
    "national_authority": "auditor",
    "regent": "auditor",
}


def signin_message(origin: str, challenge: str) -> bytes:
    """The bytes a key signs to sign in: bound to this log and this challenge."""
    return f"{SIGNIN_CONTEXT}\n{origin}\n{challenge}\n".encode()


@dataclass(frozen=True)
class KeySession:
    """Who a session cookie names: the key, its holder and role, and the reading rights they give."""

    fingerprint: str
    holder_name: str
    key_role: str
    read_role: str | None
    expires: int


class Sessions:
    """Challenges and session cookies of one data directory."""

    def __init__(self, directory: Path) -> None:
        self.challenges = directory / CHALLENGE_DIRECTORY
        self.secret_path = directory / SESSION_SECRET_FILE
        self._secret: bytes | None = None

    # --- challenges -----------------------------------------------------------------------------

    def issue_challenge(self, now: float | None = None) -> tuple[str, int]:
        """A new challenge and its expiry (Unix seconds)."""
        now = time.time() if now is None else now
        make_private_directory(self.challenges)
        self._forget_expired(now)
        if sum(1 for _ in self.challenges.iterdir()) >= MAX_OPEN_CHALLENGES:
            raise Unavailable("too many sign-ins under way: try again in a few minutes", code=codes.BUSY)
        challenge = base64.b64encode(secrets.token_bytes(32)).decode()
        expires = int(now) + CHALLENGE_SECONDS
        write_atomically(self._challenge_path(challenge), str(expires).encode())
        return challenge, expires

    def spend_challenge(self, challenge: str, now: float | None = None) -> None:
        """Use `challenge` up: raise if it was never issued, is spent or has expired."""
        now = time.time() if now is None else now
        decode_base64(challenge, size=32, what="challenge")
        path = self._challenge_path(challenge)
        try:
            expires = int(path.read_text())
            path.unlink()  # exactly one process wins this
        except (FileNotFoundError, ValueError) as exc:
            raise Unauthorised(
                "the challenge is unknown or already used: ask for a new one", code=CHALLENGE_INVALID
            ) from exc
        if expires < now:
            raise Unauthorised("the challenge has expired: ask for a new one", code=CHALLENGE_INVALID)

    def _challenge_path(self, challenge: str) -> Path:
        return self.challenges / hashlib.sha256(challenge.encode()).hexdigest()

    def _forget_expired(self, now: float) -> None:
        for path in self.challenges.iterdir():
            try:
                if int(path.read_text()) < now:
                    path.unlink()
            except (FileNotFoundError, ValueError):
                continue

    # --- session cookies ------------------------------------------------------------------------

    def cookie_for(self, key: KeyRecord, now: float | None = None) -> tuple[str, int]:
        now = time.time() if now is None else now
        expires = int(now) + SESSION_SECONDS
        payload = f"{key.fingerprint}.{expires}"
        return f"{payload}.{self._mac(payload)}", expires

    def session_of(
        self, cookie: str | None, key_of: Callable[[str], KeyRecord | None], now: float | None = None
    ) -> KeySession | None:
        """The session a cookie names, if its MAC holds, it has not expired and its key (`key_of`, the
        log's key records) is still valid."""
        if not cookie:
            return None
        parts = cookie.split(".")
        if len(parts) != 3 or not FINGERPRINT.fullmatch(parts[0]) or not parts[1].isdigit() or len(parts[1]) > 12:
            return None
        payload = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(self._mac(payload), parts[2]):
            return None
        now = time.time() if now is None else now
        if int(parts[1]) < now:
            return None
        key = key_of(parts[0])
        if key is None or key.revoked_index is not None:
            return None
        return KeySession(
            key.fingerprint, key.holder_name, key.role, READ_ROLE_OF_KEY_ROLE.get(key.role), int(parts[1])
        )

    def _mac(self, payload: str) -> str:
        return hmac.new(self._secret_bytes(), payload.encode(), hashlib.sha256).hexdigest()

    def _secret_bytes(self) -> bytes:
        if self._secret is None:
            if not self.secret_path.exists():
                try:
                    # O_EXCL: of two processes starting at once, one writes the secret, both read it.
                    descriptor = os.open(self.secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(descriptor, "wb") as file:
                        file.write(secrets.token_hex(32).encode())
                        file.flush()
                        os.fsync(file.fileno())
                except FileExistsError:
                    pass
            text = ""
            for _ in range(50):  # the other process may be writing it this instant
                text = self.secret_path.read_text().strip()
                if len(text) == 64:
                    break
                time.sleep(0.01)
            if len(text) != 64:
                raise Unavailable("the session secret file is not 64 hex digits", code=codes.BUSY)
            self._secret = bytes.fromhex(text)
        return self._secret


def parse_fingerprint(value: object) -> str:
    if not isinstance(value, str) or not FINGERPRINT.fullmatch(value):
        raise MalformedInput("fingerprint: 64 lowercase hex digits", code=INVALID_SIGNIN)
    return value


SESSION_COOKIE = "integritas_session"


def current_session(request: Request) -> KeySession | None:
    """The key session the request's cookie names, if it is still good (see `Sessions.session_of`)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    sessions: Sessions = request.app.state.sessions
    store = request.app.state.store
    store.refresh()  # another server process may have appended the key's revocation
    return sessions.session_of(cookie, store.key)
