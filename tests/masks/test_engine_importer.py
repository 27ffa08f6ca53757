"""Parsing an outlet list: every bad row is reported by row and field; rows without coordinates kept."""

from __future__ import annotations

from epiaid.masks.engine.importer import parse_outlets

HEADER = "addr,code,latitude,longitude,name,type\n"


def test_good_rows_are_parsed_and_rows_without_coordinates_are_kept() -> None:
    result = parse_outlets(
        HEADER + '"서울특별시 용산구 보광로 18 (보광동),",11888512,37.52,127.0,동오약국,01\n'
        "경북 고령군 쌍림면 대가야로 608 ,5038300744,,,고령쌍림우체국,02\n"
    )
    assert result.read == 2 and not result.rejected
    assert result.rows[0].addr == "서울특별시 용산구 보광로 18 (보광동)"  # the dump's trailing comma dropped
    assert [r.code for r in result.without_coordinates] == ["5038300744"]


def test_bad_rows_are_rejected_with_row_and_field() -> None:
    result = parse_outlets(
        HEADER
        + "a,1234567x,37,127,x,01\n"
        + "a,12345678,37,127,x,04\n"
        + "a,12345679,91,127,x,01\n"
        + "a,12345670,37,127,,01\n"
        + "a,11111111,37,127,x,01\n"
        + "a,11111111,37,127,y,01\n"
    )
    assert result.rejected == [
        "row 2, code: '1234567x' is not a string of digits",
        "row 3, type: '04' is not 01, 02 or 03",
        "row 4, latitude/longitude: 91.0 is outside 33.0–43.0",
        "row 5, name: empty",
        "row 7, code: 11111111 appears twice in the file",
    ]
    assert [r.code for r in result.rows] == ["11111111"]


def test_short_code_is_kept_with_a_warning() -> None:
    result = parse_outlets(HEADER + "a,658303480,37,127,우체국,02\n")
    assert result.rows and result.warnings == ["row 2, code: 658303480 has 9 digits, expected 10 (kept)"]


def test_cp949_file_is_decoded() -> None:
    data = (HEADER + "서울특별시 중구 명동길 1,11000005,37.56,126.98,명동약국,01\n").encode("cp949")
    assert parse_outlets(data).rows[0].name == "명동약국"


def test_missing_column_is_named() -> None:
    import pytest

    with pytest.raises(ValueError, match="missing column: one of latitude, lat"):
        parse_outlets("addr,code,name,type\n")
