"""Article-view logs: the schema a real news-traffic feed must deliver, a generator, and the media view.

No public news-traffic log exists, so tests and demos use :func:`generate`, which reproduces what such
logs look like: outlet popularity is Zipf-like (a few portals and dailies get most reads), reading
follows a diurnal cycle (morning commute, lunch, evening peaks, quiet nights), events trigger bursts
of articles on the issue, and each article's reads decay exponentially after publication.

Schema (CSV or Parquet, one row per view; extra columns are ignored):

=============  ===========================================================
``outlet``     outlet name (text)
``article_id`` the outlet's article identifier (text)
``ts``         view time, ISO 8601 with offset (e.g. 2020-02-18T08:15:02+09:00)
=============  ===========================================================

and an article table: ``article_id, outlet, section, title, published (ISO time), url``. Pre-counted
feeds (``article_id, date, views``) go straight to :func:`media_view` through ``daily_reads``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

VIEW_COLUMNS = ("outlet", "article_id", "ts")
ARTICLE_COLUMNS = ("article_id", "outlet", "section", "title", "published", "url")
SECTIONS = ("사회", "정치", "경제", "국제", "생활", "IT", "스포츠", "연예")
_DIURNAL = np.array(
    [
        0.25,
        0.15,
        0.1,
        0.08,
        0.1,
        0.2,
        0.5,
        0.9,
        1.3,
        1.2,
        1.0,
        1.0,
        1.3,
        1.1,
        0.9,
        0.9,
        0.9,
        1.0,
        1.1,
        1.2,
        1.3,
        1.3,
        1.0,
        0.6,
    ]
)

_TOPIC_HEADLINES: dict[str, tuple[str, ...]] = {
    "코로나19": (
        "코로나19 확진자 {n}명 추가…누적 {m}명",
        "신천지 교인 코로나19 집단감염 확산",
        "정부 코로나19 위기경보 심각 격상",
        "코로나19 선별진료소 검사 대기 줄 길어져",
        "대구 코로나19 확진자 급증에 병상 부족",
        "코로나19 무증상 감염 우려 커져",
    ),
    "마스크": (
        "공적 마스크 5부제 첫날 약국 앞 긴 줄",
        "마스크 품귀 현상 계속…가격 급등",
        "마스크 구매 요일 확인하세요",
        "약국 마스크 재고 앱 인기",
    ),
    "거리두기": ("사회적 거리두기 2주 연장", "거리두기 강화에 자영업자 한숨", "재택근무 확산 거리두기 동참"),
    "일상": (
        "주말 전국 대체로 맑음",
        "프로야구 개막 연기 검토",
        "부동산 시장 관망세",
        "신작 영화 흥행 1위",
        "수출 실적 발표",
        "국회 예산안 처리",
    ),
}


@dataclass
class GeneratorConfig:
    days: int = 14
    outlets: int = 60
    start: date = date(2020, 2, 10)
    articles_per_outlet_day: float = 3.0
    mean_reads: float = 300.0
    half_life_hours: float = 10.0
    events: list[tuple[int, str, float]] = field(  # (day offset, topic, strength)
        default_factory=lambda: [(8, "코로나19", 6.0), (9, "마스크", 3.0), (12, "거리두기", 2.5)]
    )
    seed: int = 7
    max_views: int = 300_000


@dataclass
class ViewLogs:
    views: pd.DataFrame  # VIEW_COLUMNS
    articles: pd.DataFrame  # ARTICLE_COLUMNS + topic


def generate(cfg: GeneratorConfig | None = None) -> ViewLogs:
    """A seeded, realistic view log (see the module docstring for what it models)."""
    cfg = cfg or GeneratorConfig()
    rng = np.random.default_rng(cfg.seed)
    outlets = [f"언론사{i + 1:03d}" for i in range(cfg.outlets)]
    popularity = 1.0 / np.arange(1, cfg.outlets + 1) ** 1.1
    popularity /= popularity.sum()
    topics = list(_TOPIC_HEADLINES)
    arts: list[dict[str, Any]] = []
    start = datetime(cfg.start.year, cfg.start.month, cfg.start.day)
    for day in range(cfg.days):
        boost = {t: 1.0 for t in topics}
        for ev_day, topic, strength in cfg.events:
            if day >= ev_day:
                boost[topic] = max(boost.get(topic, 1.0), 1.0 + strength * 0.6 ** (day - ev_day))
        weights = np.array([boost[t] * (3.0 if t == "일상" else 1.0) for t in topics])
        weights /= weights.sum()
        counts = rng.poisson(cfg.articles_per_outlet_day * (1 + 2 * popularity * cfg.outlets / 10))
        owner = np.repeat(np.arange(cfg.outlets), counts)
        k = len(owner)
        topic_idx = rng.choice(len(topics), size=k, p=weights)
        hours = rng.choice(24, size=k, p=_DIURNAL / _DIURNAL.sum())
        minutes = rng.integers(60, size=k)
        numbers = rng.integers(20, 900, size=k), rng.integers(1000, 9000, size=k)
        picks = rng.random(k)
        for i in range(k):
            o, topic = int(owner[i]), topics[int(topic_idx[i])]
            heads = _TOPIC_HEADLINES[topic]
            title = heads[int(picks[i] * len(heads))].format(n=int(numbers[0][i]), m=int(numbers[1][i]))
            published = start + timedelta(days=day, hours=int(hours[i]), minutes=int(minutes[i]))
            section = "사회" if topic != "일상" else SECTIONS[int(picks[i] * 997) % len(SECTIONS)]
            aid = f"{o + 1:03d}-{len(arts) + 1:07d}"
            arts.append(
                {
                    "article_id": aid,
                    "outlet": outlets[o],
                    "section": section,
                    "title": title,
                    "published": published.isoformat() + "+09:00",
                    "url": f"https://news.example.invalid/{outlets[o]}/{aid}",
                    "topic": topic,
                    "_pub": published,
                    "_reads": popularity[o] * cfg.outlets * boost[topic],
                }
            )
    articles = pd.DataFrame(arts)
    expected = articles["_reads"].to_numpy() * cfg.mean_reads * rng.lognormal(0, 0.8, len(articles))
    scale = min(1.0, cfg.max_views / max(expected.sum(), 1.0))
    n_reads = rng.poisson(expected * scale)
    rows_article = np.repeat(np.arange(len(articles)), n_reads)
    delay_h = rng.exponential(cfg.half_life_hours / np.log(2), len(rows_article))
    # Reading at night is suppressed: thin delays that land in quiet hours (accept–reject on the cycle).
    pub = articles["_pub"].to_numpy(dtype="datetime64[s]")[rows_article]
    ts = pub + (delay_h * 3600).astype("timedelta64[s]")
    hours = pd.DatetimeIndex(ts).hour.to_numpy()
    end = np.datetime64(start + timedelta(days=cfg.days), "s")
    keep = (rng.random(len(ts)) < _DIURNAL[hours] / _DIURNAL.max()) & (ts < end)
    views = (
        pd.DataFrame(
            {
                "outlet": articles["outlet"].to_numpy()[rows_article][keep],
                "article_id": articles["article_id"].to_numpy()[rows_article][keep],
                "ts": pd.DatetimeIndex(ts[keep]).tz_localize("Asia/Seoul"),
            }
        )
        .sort_values("ts", kind="stable")
        .reset_index(drop=True)
    )
    return ViewLogs(views=views, articles=articles.drop(columns=["_pub", "_reads"]))


class ViewLogError(ValueError):
    pass


def validate_views(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Check the schema; drop (and report) rows without outlet/article or with unreadable times."""
    missing = [c for c in VIEW_COLUMNS if c not in frame.columns]
    if missing:
        raise ViewLogError(f"view log lacks column(s) {', '.join(missing)}; expected {', '.join(VIEW_COLUMNS)}")
    issues = []
    ts = pd.to_datetime(frame["ts"], errors="coerce", utc=True)
    bad = ts.isna() | frame["outlet"].isna() | frame["article_id"].isna()
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        issues.append(f"{int(bad.sum())} view row(s) without outlet, article or readable ts skipped (first: {first})")
    out = frame.loc[~bad, list(VIEW_COLUMNS)].copy()
    out["ts"] = ts[~bad].dt.tz_convert("Asia/Seoul")
    return out, issues


def daily_reads(views: pd.DataFrame) -> pd.DataFrame:
    """Reads per article per (Korean) day: the compact form the database and API keep."""
    day = views["ts"].dt.strftime("%Y-%m-%d")
    return (
        views.assign(date=day).groupby(["article_id", "outlet", "date"], sort=True).size().rename("views").reset_index()
    )


def media_view(reads: pd.DataFrame, articles: pd.DataFrame, top: int = 5) -> dict[str, Any]:
    """Share of articles and of reads per outlet and section, and the most-read articles per day."""
    meta = articles.drop_duplicates("article_id").set_index("article_id")
    r = reads.join(meta[["section", "title"]], on="article_id")
    r["section"] = r["section"].fillna("(unknown)")
    total_reads = max(int(r["views"].sum()), 1)
    total_articles = max(len(meta), 1)
    by_outlet = r.groupby("outlet")["views"].sum().sort_values(ascending=False).rename("reads").reset_index()
    arts_per_outlet = meta.groupby("outlet").size()
    by_outlet["articles"] = by_outlet["outlet"].map(arts_per_outlet).fillna(0).astype(int)
    by_outlet["read_share"] = (by_outlet["reads"] / total_reads).round(4)
    by_outlet["article_share"] = (by_outlet["articles"] / total_articles).round(4)
    by_section = r.groupby("section")["views"].sum().sort_values(ascending=False).rename("reads").reset_index()
    arts_per_section = meta.groupby("section").size()
    by_section["articles"] = by_section["section"].map(arts_per_section).fillna(0).astype(int)
    by_section["read_share"] = (by_section["reads"] / total_reads).round(4)
    by_section["article_share"] = (by_section["articles"] / total_articles).round(4)
    top_daily: dict[str, list[dict[str, Any]]] = {}
    for day, grp in r.groupby("date"):
        best = grp.nlargest(top, "views")
        top_daily[str(day)] = [
            {"article_id": a, "outlet": o, "title": t, "views": int(v)}
            for a, o, t, v in zip(best["article_id"], best["outlet"], best["title"], best["views"], strict=True)
        ]
    per_day = r.groupby("date")["views"].sum()
    return {
        "outlets": by_outlet.to_dict("records"),
        "sections": by_section.to_dict("records"),
        "top_daily": top_daily,
        "reads_per_day": {str(k): int(v) for k, v in per_day.items()},
        "total_reads": int(r["views"].sum()),
        "articles": len(meta),
    }
