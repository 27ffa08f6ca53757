"""Trend reports with charts (HTML with plotly, PDF with matplotlib) are drawn by a worker, never in a
request thread: the page asks for one and follows the job to its download."""

from __future__ import annotations

from datetime import date
from typing import Any

from epiaid.core.jobs.service import JobContext, JobKind, register

REPORT = register(JobKind("trends.report", handler="epiaid.trends.jobs.write_report", global_limit=2, per_user_limit=2))
FORMATS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def write_report(ctx: JobContext, series_ids: list[int], since: str, fmt: str) -> dict[str, Any]:
    from epiaid.trends import services
    from epiaid.trends.engine import report
    from epiaid.trends.models import TrendSeries

    objs = list(TrendSeries.objects.filter(pk__in=series_ids))
    if not objs:
        raise ValueError("none of the chosen series exists any more")
    ctx.progress(0, 2, "analysing")
    result = services.report_result(objs, since=date.fromisoformat(since) if since else None)
    ctx.progress(1, 2, f"drawing the {fmt.upper()} report")
    name = f"epiaid-trends-report.{fmt}"
    writer = report.write_html if fmt == "html" else report.write_pdf
    writer(result, ctx.output_dir / name)
    return {
        "message": f"{fmt.upper()} report of {len(objs)} series",
        "files": {name: FORMATS[fmt]},
        "link": {"url": "/trends/", "label": "Trends · 동향"},
    }
