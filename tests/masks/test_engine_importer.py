"""Parsing an outlet list: every bad row is reported by row and field; rows without coordinates kept."""

from __future__ import annotations

from epiaid.masks.engine.importer import parse_outlets, union_outlets

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


MARCH = parse_outlets(
    HEADER
    + "서울특별시 동작구 노량진로 1 (노량진동),11000101,37.5130,126.9400,갑약국,01\n"  # closed by June
    + "서울특별시 동작구 노량진로 2 (노량진동),11000102,37.5131,126.9401,을약국,01\n"  # the same in both
    + '"충북 진천군 문백면 봉죽길 14,",3018303280,36.78521,127.4339502,문백우체국,02\n'  # renamed province later
    + "서울특별시 동작구 노량진로 4 (노량진동),11000104,,,좌표없는약국,01\n"  # coordinates only in June
)
JUNE = parse_outlets(
    HEADER
    + "서울특별시 동작구 노량진로 2 (노량진동),11000102,37.5131,126.9401,을약국,01\n"
    + "충청북도 진천군 문백면 봉죽길 14,3018303280,36.78521,127.4339502,문백우체국,02\n"
    + "서울특별시 동작구 노량진로 4 (노량진동),11000104,37.5133,126.9403,좌표없는약국,01\n"
    # 온누리송학대약국 is one of the outlets the March list missed
    + "서울특별시 동작구 장승배기로 119 (노량진동),11824280,37.5082692,126.9398854,온누리송학대약국,01\n"
)


def test_union_of_outlet_lists_keeps_every_code_once_and_the_later_list_wins() -> None:
    union = union_outlets([("march.csv", MARCH), ("june.csv", JUNE)])
    rows = {r.code: r for r in union.parsed.rows}
    assert set(rows) == {"11000101", "11000102", "3018303280", "11000104", "11824280"}
    assert rows["3018303280"].addr == "충청북도 진천군 문백면 봉죽길 14"  # June's spelling
    assert (rows["11000104"].lat, rows["11000104"].lng) == (37.5133, 126.9403)
    assert rows["11824280"].name == "온누리송학대약국"
    assert union.sources == [("march.csv", 4), ("june.csv", 4)]
    assert (union.in_several, union.replaced) == (3, 2)
    assert union.summary() == (
        "march.csv 4 rows, june.csv 4 rows: union 5 outlets, 3 in more than one list, "
        "2 of them differing (the later list wins)"
    )


def test_union_order_decides_which_list_wins_and_keeps_each_files_problems_by_name() -> None:
    bad = parse_outlets(HEADER + "a,1234567x,37,127,x,01\n")
    union = union_outlets([("june.csv", JUNE), ("march.csv", MARCH), ("bad.csv", bad)])
    rows = {r.code: r for r in union.parsed.rows}
    assert rows["3018303280"].addr == "충북 진천군 문백면 봉죽길 14"  # March given last: March wins
    assert rows["11000104"].lat is None
    assert union.parsed.rejected == ["bad.csv: row 2, code: '1234567x' is not a string of digits"]
    assert union.parsed.read == 9
