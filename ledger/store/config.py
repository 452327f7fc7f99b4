"""Where a ledger keeps its events: SQLite in a data directory (default), memory, or PostgreSQL.

Each choice maps to the environment of an `eventsourcing` persistence module; nothing else in the
store knows which database it runs on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ledger import codes
from ledger.errors import MalformedInput


@dataclass(frozen=True)
class PostgresParts:
    host: str
    port: int
    user: str
    password: str
    dbname: str


@dataclass(frozen=True)
class Storage:
    """One of `Storage.memory()`, `Storage.sqlite(path)` or `Storage.postgres(dsn)`."""

    kind: str
    sqlite_path: Path | None = None
    postgres_dsn: str | None = None

    @classmethod
    def memory(cls) -> Storage:
        return cls("memory")

    @classmethod
    def sqlite(cls, path: Path) -> Storage:
        return cls("sqlite", sqlite_path=path)

    @classmethod
    def postgres(cls, dsn: str) -> Storage:
        parts = urlsplit(dsn)
        if parts.scheme not in ("postgres", "postgresql") or not parts.path.strip("/"):
            raise MalformedInput(
                "PostgreSQL is configured as postgresql://user:password@host:port/dbname",
                code=codes.INVALID_CONFIG,
            )
        return cls("postgres", postgres_dsn=dsn)

    def eventsourcing_env(self) -> dict[str, str]:
        """The `eventsourcing` environment variables that select and configure this storage."""
        env = {"ORIGINATOR_ID_TYPE": "text"}
        if self.kind == "memory":
            env["PERSISTENCE_MODULE"] = "eventsourcing.popo"
        elif self.kind == "sqlite":
            assert self.sqlite_path is not None
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
                SQLITE_DBNAME=str(self.sqlite_path),
                SQLITE_LOCK_TIMEOUT="30",
            )
        elif self.kind == "postgres":
            where = self.postgres_parts()
            env.update(
                PERSISTENCE_MODULE="eventsourcing.postgres",
                POSTGRES_DBNAME=where.dbname,
                POSTGRES_HOST=where.host,
                POSTGRES_PORT=str(where.port),
                POSTGRES_USER=where.user,
                POSTGRES_PASSWORD=where.password,
                POSTGRES_POOL_SIZE="4",
                POSTGRES_MAX_OVERFLOW="8",
            )
        else:
            raise MalformedInput(f"unknown storage kind {self.kind!r}", code=codes.INVALID_CONFIG)
        return env

    def postgres_parts(self) -> PostgresParts:
        """Where this storage's PostgreSQL URL points (`postgres_parts`)."""
        assert self.kind == "postgres" and self.postgres_dsn is not None
        return postgres_parts(self.postgres_dsn)

    def describe(self) -> str:
        """For people: where the events are, without the password."""
        if self.kind == "sqlite":
            return f"SQLite {self.sqlite_path}"
        if self.kind == "postgres":
            assert self.postgres_dsn is not None
            parts = urlsplit(self.postgres_dsn)
            return f"PostgreSQL {parts.hostname}:{parts.port or 5432}/{parts.path.strip('/')}"
        return "memory"


def postgres_parts(dsn: str) -> PostgresParts:
    """Where a postgresql:// URL points, with this project's defaults (127.0.0.1, 5432) filled in:
    every connection to the ledger's database is made from these, never from the URL and the
    driver's own defaults (environment variables, sockets), so that all reach one database."""
    parts = urlsplit(dsn)
    return PostgresParts(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        dbname=unquote(parts.path.strip("/")),
    )


def connect_postgres(dsn: str) -> Any:
    """An autocommit psycopg connection to the database a postgresql:// URL names.

    Imported lazily: the verifier reads files and SQLite without psycopg installed.
    """
    try:
        import psycopg
    except ImportError as exc:
        raise MalformedInput(
            "reading a PostgreSQL ledger needs psycopg installed", code=codes.MISSING_DEPENDENCY
        ) from exc
    where = postgres_parts(dsn)
    return psycopg.connect(
        host=where.host,
        port=where.port,
        user=where.user,
        password=where.password,
        dbname=where.dbname,
        autocommit=True,
    )
