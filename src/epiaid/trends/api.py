"""REST API of media and search trends (staff: health_staff or programme_officer; every read audited).

Each operation calls one service, which checks the role and writes the audit event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from epiaid.core.actors import Actor
from epiaid.core.roles import RoleAuth
from epiaid.trends import services
from epiaid.trends.models import TrendSeries

router = Router(auth=RoleAuth(*services.TRENDS_ROLES))


class ValuesIn(Schema):
    values: list[float | None]


@router.get("/series", summary="Stored keyword, news and case series")
def list_series(request: HttpRequest) -> list[dict[str, Any]]:
    return services.list_series(Actor.from_request(request))


@router.get("/series/{series_id}", summary="One series analysed: change points, bursts, issue timing")
def series_detail(
    request: HttpRequest, series_id: int, since: date | None = None, until: date | None = None
) -> dict[str, Any]:
    return services.series_analysis(Actor.from_request(request), series_id, since, until)


@router.post("/series", summary="Upload a keyword/case CSV (date column + numeric columns)")
def upload_series(
    request: HttpRequest, file: UploadedFile = File(...), source: str = "upload", kind: str = TrendSeries.Kind.SEARCH
) -> dict[str, Any]:
    return services.upload_series(Actor.from_request(request), file.read(), source, kind)


@router.get("/lead-lag", summary="Lag (days) by which series a leads series b")
def lead_lag(request: HttpRequest, a: int, b: int, max_lag: int = 21) -> dict[str, Any]:
    return services.lead_lag_of(Actor.from_request(request), a, b, max_lag)


@router.post("/changepoints", summary="Change points of posted values (default configuration)")
def changepoints(request: HttpRequest, body: ValuesIn) -> dict[str, Any]:
    return services.changepoints_of(Actor.from_request(request), body.values)


@router.get("/related", summary="Related words of a term in the stored articles of a period")
def related(
    request: HttpRequest, term: str, since: date | None = None, until: date | None = None, top: int = 20
) -> dict[str, Any]:
    return services.related_words(Actor.from_request(request), term, since, until, top)


@router.get("/related/compare", summary="Related words before vs after a day (e.g. a change point)")
def related_compare(request: HttpRequest, term: str, day: date, window_days: int = 14) -> dict[str, Any]:
    return services.related_around(Actor.from_request(request), term, day, window_days)


@router.get("/news-volume", summary="Articles per day mentioning a term (the news series)")
def news_volume(request: HttpRequest, term: str) -> dict[str, Any]:
    return services.news_volume_of(Actor.from_request(request), term)


@router.get("/media", summary="Reads and article share per outlet/section, top-read articles per day")
def media(request: HttpRequest, since: date | None = None, until: date | None = None) -> dict[str, Any]:
    return services.media_of(Actor.from_request(request), since, until)


@router.post("/views", summary="Upload an article-view log (outlet, article_id, ts) with its article table")
def upload_views(
    request: HttpRequest, views: UploadedFile = File(...), articles: UploadedFile = File(...)
) -> dict[str, Any]:
    return services.upload_view_log(Actor.from_request(request), views.read(), articles.read())


@router.post("/articles", summary="Upload an article table (title, body, date, outlet, section, url, views)")
def upload_articles(
    request: HttpRequest, file: UploadedFile = File(...), fallback_date: date | None = None
) -> dict[str, Any]:
    return services.upload_articles(Actor.from_request(request), file.read(), fallback_date)
