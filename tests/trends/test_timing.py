"""Bursts, issue timing, lead–lag, the view-log generator and article tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from epiaid.trends.engine import viewlogs
from epiaid.trends.engine.articles import read_articles
from epiaid.trends.engine.bursts import kleinberg
from epiaid.trends.engine.timing import issue_timing, lead_lag


def test_a_burst_of_mentions_is_found_where_it_happened() -> None:
    rng = np.random.default_rng(0)
    total = np.full(100, 200)
    relevant = rng.binomial(total, 0.02)
    relevant[40:50] = rng.binomial(200, 0.15, 10)
    bursts = kleinberg(relevant, total)
    assert len(bursts) == 1 and 38 <= bursts[0].start <= 41 and 48 <= bursts[0].end <= 51


def test_no_mentions_and_steady_mentions_have_no_bursts() -> None:
    assert kleinberg([0] * 30, [10] * 30) == []
    assert kleinberg([5] * 60, [100] * 60) == []


def test_issue_timing_finds_onset_peak_and_decay() -> None:
    days = np.arange(120)
    y = 1 + 50 * np.exp(-((days - 60) ** 2) / 50.0) * (days >= 50)
    t = issue_timing(y.tolist())
    assert t.onset is not None and 48 <= t.onset <= 52
    assert t.peak == 60 and t.half_decay is not None and 63 <= t.half_decay <= 68


def test_flat_series_has_no_timing() -> None:
    assert issue_timing([3.0] * 40).peak is None


def test_lead_lag_recovers_a_known_delay() -> None:
    rng = np.random.default_rng(2)
    news = np.exp(np.cumsum(rng.normal(0, 0.3, 200)))
    cases = np.roll(news, 7) * rng.lognormal(0, 0.05, 200)
    assert lead_lag(news.tolist(), cases.tolist())["lag"] == 7


def test_generated_view_logs_follow_the_diurnal_cycle_and_outlet_popularity() -> None:
    logs = viewlogs.generate(viewlogs.GeneratorConfig(days=5, outlets=20, seed=1, max_views=50_000))
    assert list(logs.views.columns) == list(viewlogs.VIEW_COLUMNS)
    hours = logs.views["ts"].dt.hour.value_counts()
    assert hours.get(20, 0) > 3 * hours.get(4, 0)
    by_outlet = logs.views["outlet"].value_counts()
    assert by_outlet.index[0] == "언론사001" and by_outlet.iloc[0] > 3 * by_outlet.iloc[-1]


def test_event_days_bring_a_burst_of_articles_on_the_issue() -> None:
    cfg = viewlogs.GeneratorConfig(days=10, outlets=20, seed=2, events=[(5, "마스크", 6.0)])
    arts = viewlogs.generate(cfg).articles
    day = pd.to_datetime(arts["published"].str[:10])
    share = (arts["topic"] == "마스크").groupby(day).mean()
    assert share.iloc[5] > 2 * share.iloc[:5].mean()


def test_view_log_schema_problems_are_named() -> None:
    with pytest.raises(ValueError, match="lacks column"):
        viewlogs.validate_views(pd.DataFrame({"outlet": ["a"], "ts": ["2020-01-01"]}))
    frame = pd.DataFrame({"outlet": ["a", "b"], "article_id": ["1", None], "ts": ["2020-01-01T10:00+09:00", "x"]})
    clean, notes = viewlogs.validate_views(frame)
    assert len(clean) == 1 and "first: 2" in notes[0]


def test_article_tables_in_cp949_with_empty_and_undated_rows_keep_the_valid_rows() -> None:
    text = (
        "제목,본문,날짜,언론사,조회수\n마스크 대란,약국 앞 줄,2020-03-09,가나일보,120\n,,2020-03-09,가나일보,\n"
        "백신 개발,임상 시작,,다라신문,5\n"
    )
    table = read_articles(text.encode("cp949"))
    assert table.frame["title"].tolist() == ["마스크 대란"]
    assert table.frame["views"].tolist() == [120.0]
    notes = " ".join(map(str, table.issues))
    assert "empty article" in notes and "without a readable date" in notes
