"""Shared geography and Korean-text rules every capability relies on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epiaid.core.geo import BBox, CoordinateError, check_korea, haversine_m, haversine_m_array, metres_to_degree_box
from epiaid.core.korean import TextError, decode_bytes, is_province_only, plain_text, province_en, strip_markup


def test_seoul_city_hall_to_busan_city_hall_is_about_325_km() -> None:
    assert haversine_m(37.5663, 126.9779, 35.1798, 129.0750) == pytest.approx(325_000, rel=0.01)


def test_scalar_and_vector_distances_agree() -> None:
    assert haversine_m_array(37.5, 127.0, 37.6, 127.1)[()] == pytest.approx(haversine_m(37.5, 127.0, 37.6, 127.1))


@given(st.floats(33.5, 38.5), st.floats(124.5, 131.5), st.floats(1, 5000))
def test_the_degree_box_contains_every_point_within_the_radius(lat: float, lng: float, metres: float) -> None:
    box = metres_to_degree_box(lat, lng, metres)
    for bearing_lat, bearing_lng in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        # walk outwards until just inside the radius along each axis
        step_lat, step_lng = bearing_lat * (box.north - lat), bearing_lng * (box.east - lng)
        point = (lat + step_lat * 0.999, lng + step_lng * 0.999)
        assert box.around(*point)


def test_swapped_coordinates_are_named_as_swapped() -> None:
    with pytest.raises(CoordinateError, match="swapped"):
        check_korea(127.0, 37.5)


def test_coordinates_outside_korea_are_refused_with_the_range() -> None:
    with pytest.raises(CoordinateError, match="outside Korea"):
        check_korea(51.5, -0.12)


def test_non_numeric_coordinates_name_the_field() -> None:
    with pytest.raises(CoordinateError, match="latitude is not a number"):
        check_korea("north", 127.0)


def test_bbox_parsing_rejects_nonsense() -> None:
    assert BBox.parse("126,37,127,38").north == 38
    with pytest.raises(CoordinateError):
        BBox.parse("127,38,126,37")


def test_cp949_files_are_decoded_not_garbled() -> None:
    text, encoding = decode_bytes("선별진료소,서울특별시".encode("cp949"))
    assert text == "선별진료소,서울특별시" and encoding == "cp949"


def test_script_in_text_is_refused() -> None:
    with pytest.raises(TextError, match="HTML or script"):
        plain_text("<script>alert(1)</script>식당", "place_name")


def test_presentation_markup_is_stripped_but_script_is_still_refused() -> None:
    assert strip_markup("포항의료원 <span style='color:red;'>격리</span>", "place") == ("포항의료원 격리", True)
    with pytest.raises(TextError):
        strip_markup('<img src=x onerror="alert(1)">', "place")


def test_province_names_map_between_korean_and_english() -> None:
    assert province_en("서울특별시") == province_en("서울") == province_en("Seoul") == "Seoul"
    assert province_en("경북") == "Gyeongsangbuk-do"
    assert is_province_only("경기도") and not is_province_only("경기도 수원시 팔달구")
