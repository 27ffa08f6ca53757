"""REST API of media and search trends (staff: health_staff or programme_officer; every read audited)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from epiaid.core.audit import record
from epiaid.core.roles import Role, RoleAuth
from epiaid.trends import services
from epiaid.trends.engine.series import IngestError
from epiaid.trends.models import TrendSeries

TRENDS_ROLES = (Role.HEALTH_STAFF, Role.PROGRAMME_OFFICER)
router = Router(auth=RoleAuth(*TRENDS_ROLES))
MAX_VALUES = 100_000
MAX_UPLOAD = 20 * 1024 * 1024


class ValuesIn(Schema):
    values: list[float | None]


@router.get("/series", summary="Stored keyword, news and case series")
def list_series(request: HttpRequest) -> list[dict[str, Any]]:
    record(request, "list", "trends.series")
    return services.series_list()


@router.get("/series/{series_id}", summary="One series analysed: change points, bursts, issue timing")
def series_detail(
    request: HttpRequest, series_id: int, since: date | None = None, until: date | None = None
) -> dict[str, Any]:
    series = get_object_or_404(TrendSeries, pk=series_id)
    record(request, "view", "trends.series", object_id=series_id)
    return services.analyse(series, since, until)


@router.post("/series", summary="Upload a keyword/case CSV (date column + numeric columns)")
def upload_series(
    request: HttpRequest, file: UploadedFile = File(...), source: str = "upload", kind: str = TrendSeries.Kind.SEARCH
) -> dict[str, Any]:
    if kind not in TrendSeries.Kind.values:
        raise HttpError(422, f"kind must be one of {', '.join(TrendSeries.Kind.values)}")
    if file.size and file.size > MAX_UPLOAD:
        raise HttpError(413, f"file is larger than {MAX_UPLOAD // 1024 // 1024} MB")
    try:
        result = services.import_series_file(file.read(), source[:200] or "upload", kind)
    except (IngestError, ValueError) as exc:
        raise HttpError(422, str(exc)) from exc
    record(request, "import", "trends.series", detail={"source": source, "series": len(result["series"])})
    return result


@router.get("/lead-lag", summary="Lag (days) by which series a leads series b")
def lead_lag(request: HttpRequest, a: int, b: int, max_lag: int = 21) -> dict[str, Any]:
    sa, sb = get_object_or_404(TrendSeries, pk=a), get_object_or_404(TrendSeries, pk=b)
    record(request, "view", "trends.lead_lag", detail={"a": a, "b": b})
    return services.lead_lag_between(sa, sb, max_lag=min(max(max_lag, 1), 120))


@router.post("/changepoints", summary="Change points of posted values (default configuration)")
def changepoints(request: HttpRequest, body: ValuesIn) -> dict[str, Any]:
    if len(body.values) > MAX_VALUES:
        raise HttpError(413, f"at most {MAX_VALUES} values")
    record(request, "analyse", "trends.changepoints", detail={"n": len(body.values)})
    found = services.changepoints_for(body.values)
    return {"cps": [c["index"] for c in found], "detail": found}


@router.get("/related", summary="Related words of a term in the stored articles of a period")
def related(
    request: HttpRequest, term: str, since: date | None = None, until: date | None = None, top: int = 20
) -> dict[str, Any]:
    record(request, "view", "trends.related", detail={"term": term[:100]})
    try:
        return services.related(term[:100], since, until, top=min(max(top, 1), 200))
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc


@router.get("/related/compare", summary="Related words before vs after a day (e.g. a change point)")
def related_compare(request: HttpRequest, term: str, day: date, window_days: int = 14) -> dict[str, Any]:
    record(request, "view", "trends.related", detail={"term": term[:100], "day": day.isoformat()})
    try:
        return services.compare_around(term[:100], day, window_days=min(max(window_days, 1), 365))
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc


@router.get("/news-volume", summary="Articles per day mentioning a term (the news series)")
def news_volume(request: HttpRequest, term: str) -> dict[str, Any]:
    record(request, "view", "trends.news_volume", detail={"term": term[:100]})
    try:
        variants = services.term_variants(term[:100])
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    return {"term": term[:100], **services.news_volume(variants)}


@router.get("/media", summary="Reads and article share per outlet/section, top-read articles per day")
def media(request: HttpRequest, since: date | None = None, until: date | None = None) -> dict[str, Any]:
    record(request, "view", "trends.media")
    return services.media(since, until)


@router.post("/views", summary="Upload an article-view log (outlet, article_id, ts) with its article table")
def upload_views(
    request: HttpRequest, views: UploadedFile = File(...), articles: UploadedFile = File(...)
) -> dict[str, Any]:
    import io

    import pandas as pd

    from epiaid.core.korean import TextError, decode_bytes

    for f in (views, articles):
        if f.size and f.size > MAX_UPLOAD * 10:
            raise HttpError(413, f"{f.name} is larger than {MAX_UPLOAD * 10 // 1024 // 1024} MB")
    try:
        view_frame = pd.read_csv(io.StringIO(decode_bytes(views.read())[0]), dtype=str)
        article_frame = pd.read_csv(io.StringIO(decode_bytes(articles.read())[0]), dtype=str).fillna("")
        missing = [c for c in ("article_id", "outlet", "title", "published") if c not in article_frame.columns]
        if missing:
            raise ValueError(f"article table lacks column(s) {', '.join(missing)}")
        result = services.import_view_log(view_frame, article_frame)
    except (TextError, ValueError, pd.errors.ParserError) as exc:
        raise HttpError(422, str(exc)) from exc
    record(request, "import", "trends.views", detail={k: v for k, v in result.items() if k != "notes"})
    return result


@router.post("/articles", summary="Upload an article table (title, body, date, outlet, section, url, views)")
def upload_articles(
    request: HttpRequest, file: UploadedFile = File(...), fallback_date: date | None = None
) -> dict[str, Any]:
    from epiaid.core.korean import TextError
    from epiaid.trends.engine.articles import read_articles

    if file.size and file.size > MAX_UPLOAD * 10:
        raise HttpError(413, f"file is larger than {MAX_UPLOAD * 10 // 1024 // 1024} MB")
    try:
        table = read_articles(file.read(), fallback_date=fallback_date.isoformat() if fallback_date else None)
    except (TextError, ValueError) as exc:
        raise HttpError(422, str(exc)) from exc
    added = services.save_articles(table)
    record(request, "import", "trends.articles", detail={"rows": len(table.frame), "added": added})
    return {"rows": len(table.frame), "added": added, "notes": [str(i) for i in table.issues]}
