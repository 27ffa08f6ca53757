"""The one CSV reader and import report every capability's importer uses."""

from __future__ import annotations

import pytest

from epiaid.core.importing import (
    ImportFileError,
    ImportReport,
    Rejection,
    RowError,
    bool_cell,
    date_cell,
    read_csv,
    run_rows,
    text_cell,
)


def test_a_cp949_file_is_read_with_columns_found_by_alias_and_rows_numbered_as_in_an_editor() -> None:
    data = "이름,주 소\n보건소,성남시 분당구\n\n약국,수정구\n".encode("cp949")
    rows, encoding = read_csv(data, ["name"], aliases={"name": ["이름"], "address": ["주소"]})
    assert encoding == "cp949"
    assert list(rows) == [
        (2, {"name": "보건소", "address": "성남시 분당구"}),
        (4, {"name": "약국", "address": "수정구"}),
    ]


def test_a_file_without_a_required_column_is_refused_whole_naming_it() -> None:
    with pytest.raises(ImportFileError, match=r"missing column\(s\): lat") as refused:
        read_csv(b"name,lng\nx,127\n", ["name", "lat"])
    assert refused.value.status == 400


def test_cells_raise_a_row_error_naming_the_column() -> None:
    with pytest.raises(RowError, match="date: is not a date"):
        date_cell({"date": "3월 5일"}, "date")
    with pytest.raises(RowError, match="note"):
        text_cell({"note": "<script>alert(1)</script>"}, "note")
    assert bool_cell({"open": "가능"}, "open", default=False) is True


def test_a_bad_row_is_rejected_with_its_number_and_the_import_goes_on() -> None:
    report = ImportReport("test")
    seen: list[int] = []

    def handle(number: int, row: dict[str, str]) -> None:
        date_cell(row, "date", required=True)
        seen.append(number)

    run_rows(report, [(2, {"date": "2020-03-05"}), (3, {"date": ""}), (4, {"date": "2020-03-06"})], handle)
    assert seen == [2, 4] and report.read == 3
    assert report.as_dict()["rejected"] == [{"row": 3, "field": "date", "reason": "is empty"}]
    assert str(Rejection(5, "code", "appears twice", file="june.csv")) == "june.csv: row 5, code: appears twice"
