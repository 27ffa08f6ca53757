"""Review deadlines in Korean business days (weekends and Korean public holidays do not count).

The rule, used for every track's review SLA: an application submitted at any moment of day *D* is due
at the close of business (18:00 Asia/Seoul) of the *N*-th business day after *D* (*D* itself never
counts, whether or not it is a business day). Holidays come from the ``holidays`` package (MIT), which
carries the lunar holidays, substitute holidays and one-off days such as the 2020-04-15 election and
the 2020-08-17 temporary holiday.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

SEOUL = ZoneInfo("Asia/Seoul")
CLOSE_OF_BUSINESS = dt.time(18, 0)


@lru_cache(maxsize=64)
def _korean_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("KR", years=year).keys())


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _korean_holidays(day.year)


def add_business_days(day: dt.date, n: int) -> dt.date:
    """The ``n``-th business day after ``day`` (``day`` itself excluded); ``n`` ≥ 1."""
    if n < 1:
        raise ValueError("n must be at least 1 business day")
    current, left = day, n
    while left:
        current += dt.timedelta(days=1)
        if is_business_day(current):
            left -= 1
    return current


def review_deadline(submitted_at: dt.datetime, business_days: int) -> dt.datetime:
    """Close of business in Seoul on the ``business_days``-th business day after the submission day."""
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware")
    local_day = submitted_at.astimezone(SEOUL).date()
    due_day = add_business_days(local_day, business_days)
    return dt.datetime.combine(due_day, CLOSE_OF_BUSINESS, tzinfo=SEOUL)


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Business days in (start, end]."""
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        count += is_business_day(current)
    return count
