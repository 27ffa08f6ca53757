"""Evidence on the real public data beside the checkout (skipped on a fresh clone)."""

from __future__ import annotations

from pathlib import Path

from epiaid.trends.engine.articles import read_coaid
from epiaid.trends.engine.evaluation import evaluate_against_events
from epiaid.trends.engine.series import read_cases, read_search_trend


def test_search_trend_change_points_match_the_early_2020_events_better_than_both_baselines(
    shared_data: Path,
) -> None:
    s = read_search_trend(shared_data / "ds4c" / "SearchTrend.csv")
    table = evaluate_against_events(s, "coronavirus", shared_data / "trends" / "events_kr_2020.csv", since="2019-12-01")
    assert table["ours"]["n"] <= 8
    assert all(table["ours"]["required_found"].values())
    assert table["ours"]["precision"] > table["largest_jumps"]["precision"]
    assert table["ours"]["precision"] > table["random"]["expected_precision"]


def test_case_tables_from_both_sources_become_daily_new_cases(shared_data: Path) -> None:
    ds4c = read_cases(shared_data / "ds4c" / "Time.csv")
    board = read_cases(shared_data / "trends" / "coronaboard_kr" / "kr_daily.csv")
    # The sources cut the day at different hours, so daily values differ; totals must agree.
    total_ds4c = ds4c.frame.loc[:"2020-04-30", "new_confirmed"].sum()  # DS4C ends on 2020-04-30
    total_board = board.frame.loc[:"2020-04-30", "new_confirmed"].sum()
    assert abs(total_ds4c - total_board) / total_board < 0.02


def test_coaid_articles_load_with_snapshot_dates_for_undated_rows(shared_data: Path) -> None:
    table = read_coaid(shared_data / "trends" / "coaid")
    assert len(table.frame) > 4000
    assert any("undated article" in str(i) for i in table.issues)
