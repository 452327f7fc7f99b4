"""Configuration of the HTTP API (pydantic-settings; environment variables INTEGRITAS_*)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# DESIGN §3: a leaf is at most 65,535 bytes; a submission as sent may carry some whitespace more.
MAX_REQUEST_BYTES = 65_535 + 4_096


class Settings(BaseSettings):
    """Where the ledger is and how the server listens. Refuses the insecure choices by default."""

    model_config = SettingsConfigDict(env_prefix="INTEGRITAS_", extra="forbid")

    ledger_dir: Path = Field(description="the ledger's data directory (ledger.json, log.key, events)")
    postgres_dsn: str | None = Field(
        default=None, description="keep events in this PostgreSQL database instead of what ledger.json says"
    )
    token_file: Path | None = Field(default=None, description="hashed read tokens (default: LEDGER_DIR/tokens.json)")
    host: str = Field(default="127.0.0.1", description="address to listen on")
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    allow_public_bind: bool = Field(
        default=False, description="listen on a non-loopback address (put TLS in front of it first)"
    )
    max_request_bytes: int = Field(default=MAX_REQUEST_BYTES, ge=1024)
    request_timeout: float = Field(
        default=30.0,
        gt=0,
        description="seconds a client has to send a whole request, headers and body (api.server)",
    )
    allow_open_key_file: bool = Field(
        default=False, description="use a log key file that its group or others may read (refused by default)"
    )
    access_log: bool = Field(default=False, description="write the JSON access log to stdout (api.observability)")

    @model_validator(mode="after")
    def _refuse_insecure(self) -> Settings:
        if not self.allow_public_bind and not _is_loopback(self.host):
            raise ValueError(
                f"refusing to listen on {self.host}: the API serves plain HTTP; set allow_public_bind "
                "(INTEGRITAS_ALLOW_PUBLIC_BIND=1) once TLS terminates in front of it"
            )
        return self

    @property
    def tokens_path(self) -> Path:
        return self.token_file or self.ledger_dir / "tokens.json"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
