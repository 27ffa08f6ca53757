"""Reading keyword and case series: messy exports still give an analysable series and clear notes."""

from __future__ import annotations

import pandas as pd
import pytest

from epiaid.trends.engine.series import IngestError, read_cases, read_json_values, read_series


def test_gaps_and_duplicate_dates_are_reported_and_put_on_a_daily_calendar() -> None:
    data = "date,코로나\n2020-01-01,1\n2020-01-02,2\n2020-01-02,4\n2020-01-05,5\n".encode()
    s = read_series(data)
    assert s.dates() == ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04", "2020-01-05"]
    assert s.values("코로나") == [1.0, 3.0, None, None, 5.0]
    notes = " ".join(map(str, s.issues))
    assert "duplicate date" in notes and "missing date" in notes


def test_cp949_google_trends_export_with_header_block_and_less_than_one() -> None:
    text = "범주: 모든 카테고리\n\n주,마스크: (대한민국)\n2020-01-05,<1\n2020-01-12,3\n2020-01-19,100\n"
    s = read_series(text.encode("cp949"))
    assert s.frequency == "W"
    assert s.values("마스크: (대한민국)") == [0.5, 3.0, 100.0]


def test_non_numeric_cells_are_named_by_row_and_column_and_the_rest_is_kept() -> None:
    s = read_series(b"date,flu\n2020-01-01,1\n2020-01-02,abc\n2020-01-03,2\n")
    assert s.values("flu") == [1.0, None, 2.0]
    assert any(str(i).startswith("row 2, flu: not a number") for i in s.issues)


def test_unreadable_dates_are_skipped_with_a_note() -> None:
    s = read_series(b"date,x\n2020-01-01,1\nyesterday,2\n2020-01-02,3\n")
    assert s.values("x") == [1.0, 3.0]
    assert any("unreadable date" in str(i) for i in s.issues)


def test_constant_series_is_flagged() -> None:
    s = read_series(b"date,x\n2020-01-01,0\n2020-01-02,0\n2020-01-03,0\n")
    assert any("constant series" in str(i) for i in s.issues)


def test_empty_file_is_refused_clearly() -> None:
    with pytest.raises(IngestError, match="empty"):
        read_series(b"   \n")


def test_cumulative_cases_become_daily_counts_and_corrections_are_gaps(tmp_path: pd.DataFrame) -> None:
    path = tmp_path / "kr_daily.csv"  # type: ignore[operator]
    path.write_text("date,confirmed,death\n20200121,1,0\n20200122,3,0\n20200123,2,0\n20200124,6,1\n")
    s = read_cases(path)
    assert s.values("new_confirmed") == [1.0, 2.0, None, 4.0]
    assert any("decrease" in str(i) for i in s.issues)


def test_json_values_accept_nulls_and_bare_lists() -> None:
    assert read_json_values('{"values": [1, null, "2", "x"]}') == [1.0, None, 2.0, None]
    assert read_json_values("[3, 4]") == [3.0, 4.0]
    with pytest.raises(ValueError, match="expected"):
        read_json_values('{"other": 1}')
