"""Running the API under uvicorn, as `integritas serve` does (issue 17 items 1 and 5).

Only the proxy named by `forwarded_allow_ips` may say who the client is (X-Forwarded-For,
X-Forwarded-Proto): uvicorn's proxy-headers middleware believes them from those peers alone.
With none named, no forwarded header is believed and the client is the socket's peer. With
several workers the Prometheus counters are shared through files in a fresh directory
(prometheus-client's multiprocess mode), removed when the server stops.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def run(
    ledger_dir: Path,
    *,
    host: str,
    port: int,
    workers: int,
    postgres: str | None = None,
    forwarded_allow_ips: str | None = None,
    access_log: bool = True,
    request_timeout: float = 30.0,
    allow_open_key_file: bool = False,
) -> None:
    """Serve the ledger in `ledger_dir` until interrupted. Settings are checked by the caller
    (`api.settings.Settings` from the same INTEGRITAS_* variables this sets)."""
    import uvicorn

    from api.server import BoundedHttpToolsProtocol

    environment = {
        "INTEGRITAS_LEDGER_DIR": str(ledger_dir.resolve()),
        "INTEGRITAS_HOST": host,
        "INTEGRITAS_PORT": str(port),
        "INTEGRITAS_WORKERS": str(workers),
        "INTEGRITAS_ACCESS_LOG": "1" if access_log else "0",
        "INTEGRITAS_REQUEST_TIMEOUT": str(request_timeout),
    }
    if postgres:
        environment["INTEGRITAS_POSTGRES_DSN"] = postgres  # the workers' environment: readable by its user only
    if allow_open_key_file:
        environment["INTEGRITAS_ALLOW_OPEN_KEY_FILE"] = "1"
    os.environ.update(environment)
    shared_metrics = None
    if workers > 1:
        shared_metrics = tempfile.mkdtemp(prefix="integritas-metrics-")
        os.environ[MULTIPROC_ENV] = shared_metrics
    try:
        uvicorn.run(
            "api.app:create_app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            loop="uvloop",
            http=BoundedHttpToolsProtocol,  # httptools, with a bound on how long a request may take to arrive
            log_level="warning",
            access_log=False,  # ours (api.observability) leaves out what uvicorn's would show
            proxy_headers=bool(forwarded_allow_ips),
            forwarded_allow_ips=forwarded_allow_ips or "",
            server_header=False,
        )
    finally:
        if shared_metrics is not None:
            os.environ.pop(MULTIPROC_ENV, None)
            shutil.rmtree(shared_metrics, ignore_errors=True)
