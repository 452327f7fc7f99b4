"""Fixtures of the operations tests (issue 17)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote


def postgres_url(database: dict[str, Any]) -> str:
    """The postgresql:// URL the ledger's configuration takes, for a `postgres_dsn` fixture value."""
    user = quote(database["user"] or "", safe="")
    password = quote(database["password"] or "", safe="")
    return f"postgresql://{user}:{password}@{database['host']}:{database['port']}/{database['dbname']}"
