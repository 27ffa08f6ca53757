"""Bad input is refused with the row and field named; good input becomes the one ping schema."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from epiaid.investigation.engine import readers
from epiaid.investigation.engine.schema import PING_COLUMNS, PingError, ValidationReport, normalise


def frame(**cols: list[object]) -> pd.DataFrame:
    base: dict[str, list[object]] = {
        "pid": ["a", "a"],
        "time": ["2020-03-01T10:00:00+09:00", "2020-03-01T10:05:00+09:00"],
        "lat": [37.5, 37.5],
        "lon": [127.0, 127.0],
        "source": ["gps", "gps"],
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_unparseable_timestamp_names_row_and_field() -> None:
    with pytest.raises(PingError, match=r"row 2, field 'time': unparseable timestamp 'yesterday'"):
        normalise(frame(time=["2020-03-01T10:00:00+09:00", "yesterday"]))


def test_naive_timestamps_are_refused_without_a_zone_and_converted_with_one() -> None:
    naive = frame(time=["2020-03-01 10:00:00", "2020-03-01 10:05:00"])
    with pytest.raises(PingError, match="no time zone"):
        normalise(naive)
    out = normalise(naive, assume_tz="Asia/Seoul")
    assert out["time"].iloc[0] == pd.Timestamp("2020-03-01 01:00:00", tz="UTC")
    assert out["ts"].iloc[0] == int(pd.Timestamp("2020-03-01 01:00:00", tz="UTC").timestamp())


def test_explicit_offsets_are_honoured() -> None:
    out = normalise(frame(time=["2020-03-01T10:00:00+09:00", "2020-03-01T01:05:00Z"]))
    assert list(out["time"].dt.hour) == [1, 1]


def test_swapped_coordinates_are_named() -> None:
    with pytest.raises(PingError, match="row 1, field 'lat': lat/lon look swapped"):
        normalise(frame(lat=[127.0, 37.5], lon=[37.5, 127.0]))


def test_out_of_range_longitude_is_refused() -> None:
    with pytest.raises(PingError, match="row 2, field 'lon'"):
        normalise(frame(lon=[127.0, 200.0]))


def test_missing_accuracy_gets_the_source_default_and_is_counted() -> None:
    rep = ValidationReport()
    out = normalise(frame(source=["gps", "cell"], cell_id=["x", "y"]), report=rep)
    assert list(out["accuracy_m"]) == [30.0, 1000.0]
    assert rep.accuracy_defaulted == 2


def test_duplicate_pings_are_dropped_and_counted() -> None:
    rep = ValidationReport()
    out = normalise(frame(time=["2020-03-01T10:00:00+09:00"] * 2), report=rep)
    assert len(out) == 1 and rep.duplicates_dropped == 1
    assert list(out.columns) == list(PING_COLUMNS)


def test_unknown_source_and_empty_person_are_refused() -> None:
    with pytest.raises(PingError, match="row 2, field 'source'"):
        normalise(frame(source=["gps", "wifi"]))
    with pytest.raises(PingError, match="row 1, field 'pid'"):
        normalise(frame(pid=["", "a"]))


def test_korean_headers_are_understood(tmp_path: Path) -> None:
    path = tmp_path / "pings.csv"
    path.write_text(
        "대상자,일시,위도,경도,정확도,source\n확진자1,2020-03-01T10:00:00+09:00,37.5,127.0,15,gps\n", encoding="utf-8"
    )
    out = readers.read_ping_csv(path)
    assert out["pid"].iloc[0] == "확진자1" and out["accuracy_m"].iloc[0] == 15.0


def test_geolife_plt_is_read_as_utc_gps(tmp_path: Path) -> None:
    folder = tmp_path / "042" / "Trajectory"
    folder.mkdir(parents=True)
    header = "Geolife trajectory\nWGS 84\nAltitude is in Feet\nReserved 3\n0,2,255,My Track,0,0,2,8421376\n0\n"
    (folder / "a.plt").write_text(
        header + "39.98,116.31,0,492,39744.12,2008-10-23,02:53:04\n39.99,116.32,0,492,39744.12,2008-10-23,02:53:10\n"
    )
    out = readers.read_geolife_dir(tmp_path)
    assert list(out["pid"].unique()) == ["042"] and set(out["source"]) == {"gps"}
    assert out["time"].iloc[0] == pd.Timestamp("2008-10-23 02:53:04", tz="UTC")


def test_card_csv_becomes_card_pings_in_korean_time(tmp_path: Path) -> None:
    path = tmp_path / "card.csv"
    path.write_text(
        "pid,time,merchant,address,lat,lon\nS1,2020-03-01 12:30,김밥천국,서울 중구 세종대로 110,37.5663,126.9779\n",
        encoding="utf-8",
    )
    out = readers.read_card_csv(path, provider="ShinhanCard")
    assert out["source"].iloc[0] == "card" and out["time"].iloc[0].hour == 3


def test_qr_checkin_expands_to_pings_and_refuses_reversed_times(tmp_path: Path) -> None:
    path = tmp_path / "qr.csv"
    path.write_text("pid,venue,time_in,time_out,lat,lon\nS1,노래방,2020-03-01 20:00,2020-03-01 20:30,37.5,127.0\n")
    out = readers.read_qr_csv(path, provider="KI-Pass")
    assert len(out) == 7 and set(out["source"]) == {"qr"}
    path.write_text("pid,venue,time_in,time_out,lat,lon\nS1,노래방,2020-03-01 20:30,2020-03-01 20:00,37.5,127.0\n")
    with pytest.raises(PingError, match="row 1, field 'time_out'"):
        readers.read_qr_csv(path, provider="KI-Pass")


def test_singapore_exposure_sites_parse_with_time_windows(shared_data: Path) -> None:
    sites = readers.read_sg_exposure_sites(shared_data / "trace" / "sg_public_places_visited_2021.csv")
    assert sites["site_id"].nunique() == 511 and len(sites) > 511  # multi-day entries repeat daily
    assert (sites["end_ts"] > sites["start_ts"]).all()
    first = sites.iloc[0]
    assert (
        pd.Timestamp(first["start_ts"], unit="s", tz="UTC").tz_convert("Asia/Singapore").strftime("%m-%d %H:%M")
        == "06-01 07:35"
    )


def test_a_qr_check_in_spanning_decades_is_refused_before_it_becomes_pings(tmp_path: Path) -> None:
    """1970 to 2100 at a 5-minute step would be half a billion pings (hours of work and all the memory):
    refused from the intervals alone, before a ping is made."""
    path = tmp_path / "qr.csv"
    path.write_text(
        "pid,venue,time_in,time_out,lat,lon\n"
        "S1,cafe,2020-03-04T10:00+09:00,2020-03-04T11:00+09:00,37.5,127.0\n"
        "S1,cafe,1970-01-01T00:00+09:00,2100-01-01T00:00+09:00,37.5,127.0\n"
    )
    with pytest.raises(PingError, match=r"row 2.*longer than 24 h"):
        readers.read_qr_csv(path, provider="KT")
