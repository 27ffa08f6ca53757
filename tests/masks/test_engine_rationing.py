"""The 5-day rotation, weekend rule, weekly cap and proxy purchase rules (no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epiaid.masks.engine.rationing import (
    ProxyReason,
    RationingError,
    RationingRules,
    can_buy_summary,
    decide,
    rotation_weekday,
    week_start,
)

MONDAY = date(2020, 3, 9)  # the first week of the rotation


@pytest.mark.parametrize(
    ("digit", "weekday"), [(1, 0), (6, 0), (2, 1), (7, 1), (3, 2), (8, 2), (4, 3), (9, 3), (5, 4), (0, 4)]
)
def test_last_digit_of_birth_year_picks_the_weekday(digit: int, weekday: int) -> None:
    assert rotation_weekday(1980 + digit) == weekday


@given(st.integers(min_value=1900, max_value=2020), st.integers(min_value=0, max_value=4))
def test_weekday_purchase_allowed_only_on_own_day(year: int, weekday: int) -> None:
    day = MONDAY + timedelta(days=weekday)
    decision = decide(birth_year=year, day=day, bought_this_week=0, bought_on_weekday_this_week=False)
    assert decision.allowed is (weekday == rotation_weekday(year))


@given(st.integers(min_value=1900, max_value=2020), st.sampled_from([5, 6]))
def test_weekend_is_open_to_anyone_who_did_not_buy_on_a_weekday(year: int, offset: int) -> None:
    day = MONDAY + timedelta(days=offset)
    assert decide(birth_year=year, day=day, bought_this_week=0, bought_on_weekday_this_week=False).allowed
    refused = decide(birth_year=year, day=day, bought_this_week=2, bought_on_weekday_this_week=True)
    assert not refused.allowed and "weekend" in refused.reason


def test_weekly_cap_is_configurable() -> None:
    day = MONDAY  # 1981 buys on Monday
    assert not decide(birth_year=1981, day=day, bought_this_week=2, bought_on_weekday_this_week=False).allowed
    assert decide(
        birth_year=1981,
        day=day,
        bought_this_week=2,
        bought_on_weekday_this_week=False,
        rules=RationingRules(weekly_cap=3),
    ).allowed
    refused = decide(birth_year=1981, day=day, bought_this_week=1, bought_on_weekday_this_week=False, quantity=2)
    assert "weekly cap of 2" in refused.reason


@pytest.mark.parametrize(
    ("reason", "year", "ok"),
    [
        (ProxyReason.CHILD, 2010, True),
        (ProxyReason.CHILD, 2009, False),
        (ProxyReason.ELDERLY, 1940, True),
        (ProxyReason.ELDERLY, 1941, False),
        (ProxyReason.LONG_TERM_CARE, 1975, True),
        (ProxyReason.DISABLED, 1990, True),
    ],
)
def test_proxy_purchase_only_for_eligible_people(reason: ProxyReason, year: int, ok: bool) -> None:
    day = MONDAY + timedelta(days=rotation_weekday(year))
    decision = decide(birth_year=year, day=day, bought_this_week=0, bought_on_weekday_this_week=False, proxy=reason)
    assert decision.allowed is ok


def test_week_starts_on_monday() -> None:
    assert {week_start(MONDAY + timedelta(days=i)) for i in range(7)} == {MONDAY}


def test_birth_year_in_the_future_is_refused_with_the_range() -> None:
    with pytest.raises(RationingError, match="1900–2020"):
        can_buy_summary(2031, MONDAY)


def test_can_i_buy_today_answers_with_days() -> None:
    summary = can_buy_summary(1986, MONDAY)
    assert summary["weekday"] == "Mon" and summary["today_allowed"] is True
    assert summary["allowed_days"] == ["Mon", "Sat", "Sun"]
    assert can_buy_summary(1987, MONDAY)["today_allowed"] is False
