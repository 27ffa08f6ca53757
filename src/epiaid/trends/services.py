"""What the web app, the API and the demo do with trends data (the capability's public interface).

Other capabilities may import this module only. Imports stay plain Python + the engine; the heavy
tokeniser is loaded once, lazily, on first use.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from django.db import transaction

from epiaid.trends.engine import changepoints as cp
from epiaid.trends.engine import cooccur, report, viewlogs
from epiaid.trends.engine.articles import ArticleTable
from epiaid.trends.engine.bursts import kleinberg
from epiaid.trends.engine.series import SeriesSet, clean, read_cases, read_series
from epiaid.trends.engine.text import Tokeniser, simple_tokens
from epiaid.trends.engine.timing import issue_timing, lead_lag
from epiaid.trends.models import Article, ArticleReads, Event, TrendSeries

MAX_SERIES_LENGTH = 20_000


@lru_cache(maxsize=1)
def tokeniser() -> Tokeniser:
    return Tokeniser(num_workers=1)


# ------------------------------------------------------------------------------------------ series


def _merge(existing: TrendSeries, new: pd.Series) -> pd.Series:
    """New values win where given; stored values survive for dates the new file lacks or leaves empty."""
    old = pd.Series(existing.values, index=pd.DatetimeIndex(existing.dates()), dtype=float)
    merged = new.combine_first(old) if len(old) else new
    return merged.sort_index()


@transaction.atomic
def save_series(series: SeriesSet, source: str, kind: str = TrendSeries.Kind.SEARCH) -> list[TrendSeries]:
    """Store every column of ``series``, merging into what is already stored under the same name/source."""
    saved = []
    for name in series.names:
        col = series.frame[name]
        if col.notna().sum() == 0:
            continue
        obj = TrendSeries.objects.filter(name=name, source=source).first()
        if obj is not None:
            col = _merge(obj, col)
            regular = clean(col.to_frame(name)).frame[name]
        else:
            obj = TrendSeries(name=name, source=source)
            regular = col
        if len(regular) > MAX_SERIES_LENGTH:
            raise ValueError(f"{name}: {len(regular)} periods is more than the {MAX_SERIES_LENGTH} allowed")
        obj.kind = kind
        obj.frequency = series.frequency
        obj.start = regular.index[0].date()
        obj.values = [None if pd.isna(v) else float(v) for v in regular]
        obj.notes = [str(i) for i in series.issues if i.field in (name, "date") or i.row is None]
        obj.save()
        saved.append(obj)
    return saved


def import_series_file(data: bytes | Path, source: str, kind: str = TrendSeries.Kind.SEARCH) -> dict[str, Any]:
    s = read_series(data)
    saved = save_series(s, source, kind)
    return {"series": [o.as_dict() for o in saved], "notes": [str(i) for i in s.issues]}


def import_cases_file(path: Path, source: str) -> list[TrendSeries]:
    return save_series(read_cases(path), source, TrendSeries.Kind.CASES)


def import_events(path: Path) -> int:
    events = pd.read_csv(path, dtype=str).fillna("")
    n = 0
    for row in events.to_dict("records"):
        try:
            day = date.fromisoformat(str(row["date"])[:10])
        except ValueError:
            continue
        _, created = Event.objects.get_or_create(
            day=day,
            title=str(row.get("event", ""))[:300],
            defaults={"kind": str(row.get("kind", ""))[:40], "source": str(row.get("source", ""))[:300]},
        )
        n += created
    return n


def series_list() -> list[dict[str, Any]]:
    return [s.as_dict() for s in TrendSeries.objects.all()]


def analyse(series: TrendSeries, since: date | None = None, until: date | None = None) -> dict[str, Any]:
    """Consensus change points (labelled), every method's, bursts and issue timing of one stored series."""
    dates = series.dates()
    values = list(series.values)
    lo = 0 if since is None else next((i for i, d in enumerate(dates) if d >= since.isoformat()), len(dates))
    hi = len(dates) if until is None else next((i for i, d in enumerate(dates) if d > until.isoformat()), len(dates))
    dates, values = dates[lo:hi], values[lo:hi]
    found = cp.detect(values, dates=dates)
    bursts = kleinberg([v or 0.0 for v in values])
    events = Event.objects.filter(day__gte=dates[0], day__lte=dates[-1]) if dates else Event.objects.none()
    return {
        **series.as_dict(),
        "dates": dates,
        "values": values,
        "changepoints": [c.as_dict() for c in found],
        "methods": {m: [dates[i] for i in idx] for m, idx in cp.run_all(values).items()},
        "bursts": [{**b.as_dict(), "start_date": dates[b.start], "end_date": dates[b.end]} for b in bursts],
        "timing": issue_timing(values).as_dict(dates),
        "events": [{"date": e.day.isoformat(), "event": e.title, "kind": e.kind} for e in events],
        "notes": series.notes,
    }


def lead_lag_between(a: TrendSeries, b: TrendSeries, max_lag: int = 21) -> dict[str, Any]:
    """Lag by which ``a`` leads ``b``; a daily and a weekly series are compared week by week."""
    fa = pd.Series(a.values, index=pd.DatetimeIndex(a.dates()), dtype=float)
    fb = pd.Series(b.values, index=pd.DatetimeIndex(b.dates()), dtype=float)
    unit = "day"
    if a.frequency != b.frequency:
        fa, fb = fa.resample("W").mean(), fb.resample("W").mean()
        unit = "week"
    lo, hi = max(fa.index[0], fb.index[0]), min(fa.index[-1], fb.index[-1])
    if lo >= hi:
        return {"a": a.name, "b": b.name, "lag": None, "r": None, "unit": unit, "overlap_days": 0}
    result = lead_lag(fa[lo:hi].tolist(), fb[lo:hi].tolist(), max_lag)
    return {
        "a": a.name,
        "b": b.name,
        "lag": result["lag"],
        "r": result["r"],
        "unit": unit,
        "overlap_days": int((hi - lo).days),
    }


def series_set(objs: Sequence[TrendSeries]) -> SeriesSet:
    frames = [pd.Series(o.values, index=pd.DatetimeIndex(o.dates()), dtype=float, name=o.name) for o in objs]
    frame = pd.concat(frames, axis=1) if frames else pd.DataFrame()
    frame.index.name = "date"
    return SeriesSet(frame=frame, frequency=objs[0].frequency if objs else "D")


def report_result(objs: Sequence[TrendSeries], since: date | None = None) -> dict[str, Any]:
    """The engine's full analysis of the chosen series, with the stored events (for HTML/PDF/CSV)."""
    result = report.analyse(series_set(objs), since=since.isoformat() if since else None)
    if result["dates"]:
        events = Event.objects.filter(day__gte=result["dates"][0], day__lte=result["dates"][-1])
        result["events"] = [{"date": e.day.isoformat(), "event": e.title, "kind": e.kind} for e in events]
    return result


# ---------------------------------------------------------------------------------------- articles


def _article_id(outlet: str, url: str, title: str, day: date) -> str:
    return hashlib.sha1(f"{outlet}|{url}|{title}|{day}".encode(), usedforsecurity=False).hexdigest()[:24]


def tokens_for(texts: Sequence[str]) -> list[list[str]]:
    """Korean texts through kiwipiepy, Latin-only texts through the simple English tokeniser."""
    korean = [i for i, t in enumerate(texts) if any("가" <= ch <= "힣" for ch in t[:200])]
    out = [simple_tokens(t) for t in texts]
    if korean:
        for i, toks in zip(korean, tokeniser().tokenise_many([texts[i] for i in korean]), strict=True):
            out[i] = toks
    return out


@transaction.atomic
def save_articles(table: ArticleTable) -> int:
    """Store articles (title + body tokens); an article already stored keeps its identity and reads."""
    frame = table.frame
    tokens = tokens_for(table.texts)
    n = 0
    for row, toks in zip(frame.to_dict("records"), tokens, strict=True):
        day = pd.Timestamp(row["date"]).date()
        aid = row.get("article_id") or _article_id(row["outlet"], row["url"], row["title"], day)
        _, created = Article.objects.update_or_create(
            article_id=str(aid)[:120],
            defaults={
                "outlet": str(row["outlet"])[:120] or "(unknown)",
                "section": str(row["section"])[:60],
                "title": str(row["title"])[:500] or str(row.get("body", ""))[:80],
                "published": day,
                "url": str(row["url"])[:1000],
                "tokens": toks[:400],
            },
        )
        n += created
        views = row.get("views")
        if views is not None and not (isinstance(views, float) and math.isnan(views)):
            art = Article.objects.get(article_id=str(aid)[:120])
            ArticleReads.objects.update_or_create(article=art, day=day, defaults={"views": int(views)})
    return n


@transaction.atomic
def import_view_log(views: pd.DataFrame, articles: pd.DataFrame) -> dict[str, Any]:
    """Aggregate a view log to reads per article per day and store it with its articles."""
    clean_views, notes = viewlogs.validate_views(views)
    daily = viewlogs.daily_reads(clean_views)
    meta = articles.drop_duplicates("article_id")
    toks = tokens_for(meta["title"].fillna("").astype(str).tolist())
    existing = set(
        Article.objects.filter(article_id__in=meta["article_id"].tolist()).values_list("article_id", flat=True)
    )
    new = []
    for row, t in zip(meta.to_dict("records"), toks, strict=True):
        if row["article_id"] in existing:
            continue
        new.append(
            Article(
                article_id=str(row["article_id"])[:120],
                outlet=str(row["outlet"])[:120],
                section=str(row.get("section", ""))[:60],
                title=str(row["title"])[:500],
                published=pd.Timestamp(row["published"]).date(),
                url=str(row.get("url", ""))[:1000],
                tokens=t,
            )
        )
    Article.objects.bulk_create(new, batch_size=1000)
    ids = dict(
        Article.objects.filter(article_id__in=daily["article_id"].unique().tolist()).values_list("article_id", "pk")
    )
    unknown = daily[~daily["article_id"].isin(ids)]
    if len(unknown):
        notes.append(
            f"{unknown['article_id'].nunique()} article id(s) in the view log are not in the article "
            "table; their views were skipped"
        )
    daily = daily[daily["article_id"].isin(ids)]
    pks = [ids[a] for a in daily["article_id"]]
    ArticleReads.objects.filter(
        article_id__in=set(pks), day__in={date.fromisoformat(d) for d in daily["date"]}
    ).delete()
    ArticleReads.objects.bulk_create(
        [
            ArticleReads(article_id=pk, day=date.fromisoformat(d), views=int(v))
            for pk, d, v in zip(pks, daily["date"], daily["views"], strict=True)
        ],
        batch_size=2000,
    )
    return {"views": len(clean_views), "articles_added": len(new), "article_days": len(daily), "notes": notes}


def _articles(since: date | None, until: date | None) -> Any:
    qs = Article.objects.all()
    if since:
        qs = qs.filter(published__gte=since)
    if until:
        qs = qs.filter(published__lte=until)
    return qs


def related(term: str, since: date | None = None, until: date | None = None, top: int = 20) -> dict[str, Any]:
    """Related words of ``term`` (and its spelling variants) among the stored articles of a period."""
    variants = term_variants(term)
    docs = list(_articles(since, until).values_list("tokens", flat=True))
    rel = cooccur.related_words(docs, variants, top=top)
    return {"term": term, "variants": sorted(variants), "documents": len(docs), "related": [r.as_dict() for r in rel]}


def term_variants(term: str) -> set[str]:
    """The term, its spaceless form and its content tokens (what articles are matched on)."""
    term = term.strip().lower()
    if not term:
        raise ValueError("term is empty")
    toks = tokens_for([term])[0]
    return {term, term.replace(" ", ""), *toks}


def compare_around(term: str, day: date, window_days: int = 14, top: int = 15) -> dict[str, Any]:
    """Related words in the ``window_days`` before vs after ``day`` (e.g. a change point)."""
    variants = term_variants(term)
    before = list(
        _articles(day - timedelta(days=window_days), day - timedelta(days=1)).values_list("tokens", flat=True)
    )
    after = list(_articles(day, day + timedelta(days=window_days - 1)).values_list("tokens", flat=True))
    return {
        "term": term,
        "day": day.isoformat(),
        "window_days": window_days,
        "before_documents": len(before),
        "after_documents": len(after),
        **cooccur.compare_periods(before, after, variants, top=top),
    }


def network(since: date | None = None, until: date | None = None, top_words: int = 40) -> Any:
    docs = list(_articles(since, until).values_list("tokens", flat=True))
    return cooccur.cooccurrence_graph(docs, top_words=top_words)


def news_volume(terms: Iterable[str]) -> dict[str, Any]:
    """Articles per day mentioning any of ``terms``: the news series beside search and cases."""
    wanted = {t.lower() for t in terms}
    rows = Article.objects.values_list("published", "tokens")
    counts: dict[date, list[int]] = {}
    for day, toks in rows:
        c = counts.setdefault(day, [0, 0])
        c[0] += 1
        c[1] += bool(wanted & set(toks))
    days = sorted(counts)
    matching = [counts[d][1] for d in days]
    total = [counts[d][0] for d in days]
    bursts = kleinberg(matching, total) if days else []
    return {
        "dates": [d.isoformat() for d in days],
        "all": total,
        "matching": matching,
        "bursts": [
            {**b.as_dict(), "start_date": days[b.start].isoformat(), "end_date": days[b.end].isoformat()}
            for b in bursts
        ],
    }


def media(since: date | None = None, until: date | None = None, top: int = 5) -> dict[str, Any]:
    """Article share and reads per outlet/section and the top-read articles per day."""
    reads = ArticleReads.objects.all()
    if since:
        reads = reads.filter(day__gte=since)
    if until:
        reads = reads.filter(day__lte=until)
    rows = list(reads.values_list("article__article_id", "article__outlet", "day", "views"))
    if not rows:
        return {"outlets": [], "sections": [], "top_daily": {}, "reads_per_day": {}, "total_reads": 0, "articles": 0}
    frame = pd.DataFrame(rows, columns=["article_id", "outlet", "date", "views"])
    frame["date"] = frame["date"].map(lambda d: d.isoformat())
    meta = pd.DataFrame(
        list(_articles(since, until).values_list("article_id", "outlet", "section", "title")),
        columns=["article_id", "outlet", "section", "title"],
    )
    meta = pd.concat(
        [
            meta,
            pd.DataFrame(
                list(
                    Article.objects.filter(article_id__in=frame["article_id"].unique()).values_list(
                        "article_id", "outlet", "section", "title"
                    )
                ),
                columns=meta.columns,
            ),
        ]
    ).drop_duplicates("article_id")
    return viewlogs.media_view(frame, meta, top=top)


def changepoints_for(values: Sequence[float | None]) -> list[dict[str, Any]]:
    return [c.as_dict() for c in cp.detect(list(values))]


# --- what the API and the page call: each checks the role and writes the audit event ----------------

#: Staff who read trends: health staff (risk communication) and programme officers (planning).
TRENDS_ROLES = ("health_staff", "programme_officer")
MAX_VALUES = 100_000
MAX_UPLOAD = 20 * 1024 * 1024


def _staff(actor: Any, action: str, target: str, object_id: Any = None, **detail: Any) -> Any:
    from epiaid.core.access import require
    from epiaid.core.audit import event

    actor = require(actor, *TRENDS_ROLES, target=target, object_id=object_id)
    event(actor, action, target, object_id=object_id, detail=detail or None)
    return actor


def _allowed(actor: Any, target: str) -> Any:
    from epiaid.core.access import require

    return require(actor, *TRENDS_ROLES, target=target)


def _series(series_id: int) -> TrendSeries:
    from epiaid.core.errors import NotFound

    found = TrendSeries.objects.filter(pk=series_id).first()
    if found is None:
        raise NotFound(f"no series {series_id}", code="unknown_series")
    return found


def _unusable(exc: Exception) -> Exception:
    from epiaid.core.errors import BadInput

    return BadInput(str(exc), code="unusable_input", status=422)


def _too_large(size: int, limit: int, what: str) -> None:
    from epiaid.core.errors import TooLarge

    if size > limit:
        raise TooLarge(f"{what} is larger than {limit // 1024 // 1024} MB")


def list_series(actor: Any) -> list[dict[str, Any]]:
    _staff(actor, "list", "trends.series")
    return series_list()


def series_analysis(actor: Any, series_id: int, since: date | None = None, until: date | None = None) -> dict[str, Any]:
    series = _series(series_id)
    _staff(actor, "view", "trends.series", series_id)
    return analyse(series, since, until)


def upload_series(actor: Any, data: bytes, source: str, kind: str) -> dict[str, Any]:
    from epiaid.core.errors import BadInput
    from epiaid.trends.engine.series import IngestError

    actor = _allowed(actor, "trends.series")
    if kind not in TrendSeries.Kind.values:
        raise BadInput(f"kind must be one of {', '.join(TrendSeries.Kind.values)}", code="unknown_kind", status=422)
    _too_large(len(data), MAX_UPLOAD, "file")
    try:
        result = import_series_file(data, source[:200] or "upload", kind)
    except (IngestError, ValueError) as exc:
        raise _unusable(exc) from exc
    _staff(actor, "import", "trends.series", source=source, series=len(result["series"]))
    return result


def lead_lag_of(actor: Any, a: int, b: int, max_lag: int = 21) -> dict[str, Any]:
    sa, sb = _series(a), _series(b)
    _staff(actor, "view", "trends.lead_lag", a=a, b=b)
    return lead_lag_between(sa, sb, max_lag=min(max(max_lag, 1), 120))


def changepoints_of(actor: Any, values: Sequence[float | None]) -> dict[str, Any]:
    from epiaid.core.errors import TooLarge

    actor = _allowed(actor, "trends.changepoints")
    if len(values) > MAX_VALUES:
        raise TooLarge(f"at most {MAX_VALUES} values")
    _staff(actor, "analyse", "trends.changepoints", n=len(values))
    found = changepoints_for(values)
    return {"cps": [c["index"] for c in found], "detail": found}


def related_words(
    actor: Any, term: str, since: date | None = None, until: date | None = None, top: int = 20
) -> dict[str, Any]:
    _staff(actor, "view", "trends.related", term=term[:100])
    try:
        return related(term[:100], since, until, top=min(max(top, 1), 200))
    except ValueError as exc:
        raise _unusable(exc) from exc


def related_around(actor: Any, term: str, day: date, window_days: int = 14) -> dict[str, Any]:
    _staff(actor, "view", "trends.related", term=term[:100], day=day.isoformat())
    try:
        return compare_around(term[:100], day, window_days=min(max(window_days, 1), 365))
    except ValueError as exc:
        raise _unusable(exc) from exc


def news_volume_of(actor: Any, term: str) -> dict[str, Any]:
    _staff(actor, "view", "trends.news_volume", term=term[:100])
    try:
        variants = term_variants(term[:100])
    except ValueError as exc:
        raise _unusable(exc) from exc
    return {"term": term[:100], **news_volume(variants)}


def media_of(actor: Any, since: date | None = None, until: date | None = None) -> dict[str, Any]:
    _staff(actor, "view", "trends.media")
    return media(since, until)


def upload_view_log(actor: Any, views: bytes, articles: bytes) -> dict[str, Any]:
    """An article-view log (outlet, article_id, ts) with its article table, imported (audited)."""
    import io

    from epiaid.core.korean import TextError, decode_bytes

    actor = _allowed(actor, "trends.views")
    _too_large(len(views), MAX_UPLOAD * 10, "the view log")
    _too_large(len(articles), MAX_UPLOAD * 10, "the article table")
    try:
        view_frame = pd.read_csv(io.StringIO(decode_bytes(views)[0]), dtype=str)
        article_frame = pd.read_csv(io.StringIO(decode_bytes(articles)[0]), dtype=str).fillna("")
        missing = [c for c in ("article_id", "outlet", "title", "published") if c not in article_frame.columns]
        if missing:
            raise ValueError(f"article table lacks column(s) {', '.join(missing)}")
        result = import_view_log(view_frame, article_frame)
    except (TextError, ValueError, pd.errors.ParserError) as exc:
        raise _unusable(exc) from exc
    _staff(actor, "import", "trends.views", **{k: v for k, v in result.items() if k != "notes"})
    return result


def upload_articles(actor: Any, data: bytes, fallback_date: date | None = None) -> dict[str, Any]:
    from epiaid.core.korean import TextError
    from epiaid.trends.engine.articles import read_articles

    actor = _allowed(actor, "trends.articles")
    _too_large(len(data), MAX_UPLOAD * 10, "file")
    try:
        table = read_articles(data, fallback_date=fallback_date.isoformat() if fallback_date else None)
    except (TextError, ValueError) as exc:
        raise _unusable(exc) from exc
    added = save_articles(table)
    _staff(actor, "import", "trends.articles", rows=len(table.frame), added=added)
    return {"rows": len(table.frame), "added": added, "notes": [str(i) for i in table.issues]}


def page_opened(actor: Any, series: TrendSeries | None, term: str) -> None:
    """The trends page shows series, related words and media reads at once: one audit event for it."""
    _staff(actor, "view", "trends.page", series.pk if series else None, term=term)


def chosen_series(ids: Sequence[int]) -> list[TrendSeries]:
    """The series a report is about: those named, or every search series; 404 when there are none."""
    from epiaid.core.errors import NotFound

    qs = TrendSeries.objects.filter(pk__in=ids) if ids else TrendSeries.objects.filter(kind=TrendSeries.Kind.SEARCH)
    objs = list(qs)
    if not objs:
        raise NotFound("no series to report on", code="no_series")
    return objs


def request_report(actor: Any, ids: Sequence[int], since: date | None, fmt: str) -> Any:
    """Ask a worker for the HTML or PDF report of the chosen series (audited as an export)."""
    from epiaid.core.jobs.service import submit
    from epiaid.trends.jobs import REPORT

    actor = _allowed(actor, "trends.report")
    objs = chosen_series(ids)
    chosen = [o.pk for o in objs]
    job = submit(REPORT, chosen, since.isoformat() if since else "", fmt, actor=actor.user, ref="trends.report")
    _staff(actor, "export", "trends.report", job.pk, series=chosen, format=fmt)
    return job


def changepoints_table(actor: Any, ids: Sequence[int], since: date | None) -> str:
    """The change points of the chosen series as CSV (audited as an export)."""
    actor = _allowed(actor, "trends.report")
    objs = chosen_series(ids)
    result = report_result(objs, since=since)
    _staff(actor, "export", "trends.report", series=[o.pk for o in objs], format="csv")
    return str(report.changepoint_rows(result).to_csv(index=False))
