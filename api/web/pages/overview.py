"""The overview page: counts by stage and predicate, pact coverage, units needing attention."""

from __future__ import annotations

from decimal import Decimal

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.web.access import PageReader
from api.web.charts import bar_chart
from api.web.pages.shared import latest_checkpoint, page_store, page_views, router, with_unit_names
from api.web.render import render, translator
from ledger.entry import STAGES
from projections import queries
from projections.catalog import CATALOG, PREDICATES

STALLED_DAYS = CATALOG["stalled"].defaults["days"]


@router.get("/")
def overview(request: Request, _: PageReader) -> HTMLResponse:
    """Counts by stage and predicate, pact coverage, units needing attention, the latest checkpoint."""
    t = translator(request)
    with page_views(request) as views:
        as_of, units, counts = views.as_of(), views.units(), views.counts()
        stalled = queries.stalled(views, days=STALLED_DAYS, limit=5)
        remediation = queries.open_remediation(views, limit=5)
        failed = with_unit_names(queries.failed_reviews(views, limit=5), views.unit_names())
    stage_chart = bar_chart(
        t.gettext("Units by stage"),
        [(s, t.label("stage", s), counts["by_stage"].get(s, 0), f"/units?stage={s}") for s in STAGES],
    )
    predicate_chart = bar_chart(
        t.gettext("Units by predicate"),
        [(p, t.label("predicate", p), counts["by_predicate"].get(p, 0), f"/units?predicate={p}") for p in PREDICATES],
    )
    valid = sum(u["pact_coverage"]["valid"] for u in units)
    headcount = sum(u["pact_coverage"]["headcount"] for u in units)
    short = sorted(
        (u for u in units if Decimal(u["pact_coverage"]["ratio"]) < 1),
        key=lambda u: (Decimal(u["pact_coverage"]["ratio"]), u["unit"]),
    )
    return render(
        request,
        "overview.html",
        nav="overview",
        as_of=as_of,
        stage_chart=stage_chart,
        predicate_chart=predicate_chart,
        coverage={
            "valid": valid,
            "headcount": headcount,
            "ratio": str(Decimal(valid) / Decimal(headcount)) if headcount else "0",
            "full": len(units) - len(short),
            "units": len(units),
            "lowest": short[:5],
        },
        stalled=stalled,
        stalled_days=STALLED_DAYS,
        remediation=remediation,
        failed=failed,
        checkpoint=latest_checkpoint(page_store(request)),
    )
