"""Demo data: real search trends, cases, events and CoAID news when ../shared/data exists; else seeded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from epiaid.trends import services
from epiaid.trends.engine.series import clean
from epiaid.trends.engine.viewlogs import GeneratorConfig, generate
from epiaid.trends.models import Event, TrendSeries

SYNTHETIC_EVENTS = (
    (date(2020, 1, 20), "첫 확진자 (demo)", "epi"),
    (date(2020, 2, 18), "대규모 집단감염 (demo)", "epi"),
    (date(2020, 3, 9), "마스크 5부제 (demo)", "policy"),
)


def synthetic_series(seed: int = 11) -> pd.DataFrame:
    """Search-like series with known shifts on the demo event days (for a fresh clone)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2019-12-01", "2020-04-30", freq="D")
    base = np.full(len(days), 1.0)
    for i, d in enumerate(days):
        if d >= pd.Timestamp("2020-01-20"):
            base[i] = 30.0
        if d >= pd.Timestamp("2020-02-18"):
            base[i] = 70.0 * 0.985 ** (d - pd.Timestamp("2020-02-18")).days
    corona = np.clip(base * rng.lognormal(0, 0.12, len(days)), 0, None)
    mask = np.clip(np.where(days >= pd.Timestamp("2020-02-20"), 40.0, 3.0) * rng.lognormal(0, 0.15, len(days)), 0, None)
    frame = pd.DataFrame({"코로나": corona, "마스크": mask}, index=days)
    frame.index.name = "date"
    return frame


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    if shared is not None and (shared / "ds4c" / "SearchTrend.csv").exists():
        services.import_series_file(shared / "ds4c" / "SearchTrend.csv", "DS4C SearchTrend (Naver)")
        services.import_cases_file(shared / "ds4c" / "Time.csv", "DS4C Time")
        board = shared / "trends" / "coronaboard_kr" / "kr_daily.csv"
        if board.exists():
            services.import_cases_file(board, "Coronaboard")
        events = services.import_events(shared / "trends" / "events_kr_2020.csv")
        log("  trends: search trends, cases and events loaded")
    else:
        services.save_series(clean(synthetic_series()), "demo (generated)", TrendSeries.Kind.SEARCH)
        for day, title, kind in SYNTHETIC_EVENTS:
            Event.objects.get_or_create(day=day, title=title, defaults={"kind": kind, "source": "demo"})
        events = len(SYNTHETIC_EVENTS)
    logs = generate(GeneratorConfig(days=14, outlets=30, seed=7, max_views=120_000))
    summary = services.import_view_log(logs.views, logs.articles)
    return (
        f"{TrendSeries.objects.count()} series, {events} events, {summary['articles_added']} articles, "
        f"{summary['views']} generated views"
    )
