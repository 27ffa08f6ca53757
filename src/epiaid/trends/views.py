"""The trends page for the response team, and downloadable reports (HTML, PDF, CSV)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db.models import Max, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from epiaid.core.actors import Actor
from epiaid.core.jobs.service import JobRefused
from epiaid.core.roles import role_required
from epiaid.trends import services
from epiaid.trends.models import Article, Event, TrendSeries
from epiaid.trends.services import TRENDS_ROLES


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _selected(request: HttpRequest) -> TrendSeries | None:
    qs = TrendSeries.objects.all()
    wanted = request.GET.get("series", "")
    if wanted.isdigit():
        found = qs.filter(pk=int(wanted)).first()
        if found is not None:
            return found
    return qs.filter(kind=TrendSeries.Kind.SEARCH).order_by("-name").first() or qs.first()


def _default_since(series: TrendSeries | None) -> date | None:
    """Start the view a month before the first stored event, so the chart opens on the epidemic."""
    first = Event.objects.order_by("day").first()
    if series is None or first is None:
        return None
    month_before = date(first.day.year - (first.day.month == 1), (first.day.month - 2) % 12 + 1, 1)
    return month_before if month_before > series.start else None


def _first_change_with_articles(changepoints: list[dict[str, Any]]) -> date | None:
    """The first change point with stored articles on both sides (else the before/after is empty)."""
    span = Article.objects.aggregate(first=Min("published"), last=Max("published"))
    if span["first"] is None:
        return None
    for c in changepoints:
        day = date.fromisoformat(c["date"])
        if span["first"] < day <= span["last"]:
            return day
    return None


@require_GET
@role_required(*TRENDS_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    series = _selected(request)
    since = _day(request.GET.get("since")) or _default_since(series)
    analysis = services.analyse(series, since=since) if series is not None else None
    term = (request.GET.get("term") or "").strip()[:100] or "코로나19"
    at = _day(request.GET.get("at"))
    if at is None and analysis:
        at = _first_change_with_articles(analysis["changepoints"])
    related = services.related(term)
    compare = services.compare_around(term, at) if at else None
    media = services.media()
    graph = services.network(top_words=30)
    services.page_opened(Actor.from_request(request), series, term)
    import networkx as nx

    pos = nx.spring_layout(graph, seed=1) if len(graph) else {}
    net = {
        "nodes": [
            {"id": n, "x": float(pos[n][0]), "y": float(pos[n][1]), "count": d.get("count", 0)}
            for n, d in graph.nodes(data=True)
        ],
        "edges": [[u, v] for u, v in graph.edges()],
    }
    last_day = max(media["top_daily"]) if media["top_daily"] else None
    return render(
        request,
        "trends/index.html",
        {
            "all_series": TrendSeries.objects.all(),
            "series": series,
            "report_forms": [("HTML", reverse("trends:report-html")), ("PDF", reverse("trends:report-pdf"))],
            "analysis": analysis,
            "since": since.isoformat() if since else "",
            "term": term,
            "at": at.isoformat() if at else "",
            "related": related,
            "compare": compare,
            "media": media,
            "last_day": last_day,
            "top_today": media["top_daily"].get(last_day, []) if last_day else [],
            "chart": {"analysis": analysis, "network": net, "reads_per_day": media["reads_per_day"]},
        },
    )


def _chosen_ids(request: HttpRequest) -> list[int]:
    params = request.POST if request.method == "POST" else request.GET
    return [int(i) for i in params.getlist("series") if i.isdigit()]


def _report_job(request: HttpRequest, fmt: str) -> HttpResponse:
    """Ask a worker for the HTML or PDF report of the chosen series; the job page offers the download."""
    try:
        job = services.request_report(
            Actor.from_request(request), _chosen_ids(request), _day(request.POST.get("since")), fmt
        )
    except JobRefused as exc:
        return HttpResponse(exc.message, status=429, content_type="text/plain; charset=utf-8")
    return redirect("job", job_id=job.pk)


@require_POST
@role_required(*TRENDS_ROLES)
def report_html(request: HttpRequest) -> HttpResponse:
    """The interactive report as a download: it embeds plotly.js inline, which the page CSP forbids."""
    return _report_job(request, "html")


@require_POST
@role_required(*TRENDS_ROLES)
def report_pdf(request: HttpRequest) -> HttpResponse:
    return _report_job(request, "pdf")


@require_GET
@role_required(*TRENDS_ROLES)
def changepoints_csv(request: HttpRequest) -> HttpResponse:
    """The change points as CSV, at once: a table, no chart to draw."""
    table = services.changepoints_table(
        Actor.from_request(request), _chosen_ids(request), _day(request.GET.get("since"))
    )
    response = HttpResponse(table, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="epiaid-trends-changepoints.csv"'
    return response


@lru_cache(maxsize=1)
def _plotly_js() -> bytes:
    import plotly

    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()


@require_GET
def plotly_js(request: HttpRequest) -> HttpResponse:
    """plotly.js served from the installed Python package (same origin, no CDN, nothing copied)."""
    response = HttpResponse(_plotly_js(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
