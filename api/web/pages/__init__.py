"""The web pages, one module per page family, all registered on one router (`shared.router`).

Public: the log page, its trust anchor, the bundle check, the static files and the public pages
(`public`: units, decrees, plaques and their checks, with no personal data). Everything that shows
what entries say needs a read token (`access.PageReader`). Server-rendered from the same sources as
the JSON API, read directly: the status views through `projections.queries` and the store for
entries, proofs and checkpoints.
"""

from api.web.pages import (
    evidence,
    log,
    oversight,
    overview,
    people,
    personal_data,
    public,
    records,
    reports,
    static,
    token,
    units,
    verify,
    writes,
)
from api.web.pages.shared import router

__all__ = [
    "evidence",
    "log",
    "oversight",
    "overview",
    "people",
    "personal_data",
    "public",
    "records",
    "reports",
    "router",
    "static",
    "token",
    "units",
    "verify",
    "writes",
]
