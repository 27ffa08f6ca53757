"""Demo stock follows the 2020 day: deliveries in the morning, sold out through the day, ~82 % empty at night."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from epiaid.masks.engine import daycycle
from epiaid.masks.engine.stock import remain_stat
from epiaid.masks.engine.timefmt import KST

#: A made-up outlet mix in the real proportions (89 % pharmacies, 5 % post offices, 6 % marts).
OUTLETS = [
    (
        f"{20000000 + i}" if i % 100 < 89 else f"{2000000000 + i}",
        "01" if i % 100 < 89 else "02" if i % 100 < 94 else "03",
    )
    for i in range(4000)
]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=KST)


def shares(moment: datetime) -> dict[str, float]:
    counted = Counter(
        str(remain_stat(s.remain, halted=s.halted))
        for s in (daycycle.stock_at(code, kind, moment) for code, kind in OUTLETS)
    )
    return {k: counted[k] / len(OUTLETS) for k in ("empty", "few", "some", "plenty", "break")}


def test_late_evening_looks_like_the_real_2020_snapshot_about_82_percent_empty() -> None:
    evening = shares(at("2020-03-10 21:30"))
    assert 0.79 <= evening["empty"] <= 0.86
    assert evening["plenty"] < 0.12 and evening["some"] < 0.10 and evening["few"] < 0.06
    assert 0.005 <= evening["break"] <= 0.03


def test_mid_morning_is_split_between_just_delivered_and_not_yet_delivered() -> None:
    morning = shares(at("2020-03-10 10:30"))
    assert 0.35 <= morning["plenty"] <= 0.50
    assert 0.40 <= morning["empty"] <= 0.55


def test_early_morning_shelves_hold_only_what_was_left_last_night() -> None:
    early, night = shares(at("2020-03-11 07:00")), shares(at("2020-03-10 23:00"))
    assert early["empty"] >= 0.75
    for code, kind in OUTLETS[:500]:
        before = daycycle.stock_at(code, kind, at("2020-03-11 07:00"))
        assert before.stock_at is None or before.stock_at < at("2020-03-11 00:00")  # no delivery yet today
        assert before.remain == daycycle.stock_at(code, kind, at("2020-03-10 23:00")).remain
    assert abs(early["empty"] - night["empty"]) < 0.02


def test_stock_only_falls_between_deliveries_and_deliveries_come_in_the_morning() -> None:
    for code, kind in OUTLETS[:400]:
        day = daycycle.outlet_day(code, kind, at("2020-03-10 00:00").date())
        if day is None:
            continue
        low, high = daycycle.PROFILES[kind].arrival_range_h
        hour = day.arrival.hour + day.arrival.minute / 60
        assert low <= hour <= high and hour < 15.5
        remains = [daycycle.stock_at(code, kind, day.arrival + timedelta(minutes=m)).remain for m in range(0, 900, 30)]
        assert remains == sorted(remains, reverse=True)
        assert remains[0] >= day.delivered  # the whole delivery is on the shelf when it arrives


def test_the_same_outlet_and_moment_always_give_the_same_stock() -> None:
    moment = at("2020-03-12 14:05")
    assert [daycycle.stock_at(c, k, moment) for c, k in OUTLETS[:50]] == [
        daycycle.stock_at(c, k, moment) for c, k in OUTLETS[:50]
    ]
    other_seed = [daycycle.stock_at(c, k, moment, seed=7) for c, k in OUTLETS[:50]]
    assert other_seed != [daycycle.stock_at(c, k, moment) for c, k in OUTLETS[:50]]


@pytest.mark.parametrize("hour", ["10:30", "21:30"])
def test_a_moment_in_another_time_zone_is_read_as_korean_clock_time(hour: str) -> None:
    korean = at(f"2020-03-10 {hour}")
    utc = korean.astimezone(datetime.now().astimezone().tzinfo)
    assert [daycycle.stock_at(c, k, utc) for c, k in OUTLETS[:50]] == [
        daycycle.stock_at(c, k, korean) for c, k in OUTLETS[:50]
    ]
