"""The 2020 rationing rules ("마스크 5부제"): who may buy on which day, how many, and for whom.

Pure functions so the same rules drive the seller intake, the public "can I buy today?" helper and
the tests. The cross-outlet weekly cap itself is enforced in the database (see ``services``); this
module decides the rules that need no shared state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

WEEKDAY_NAMES_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES_KO = ("월", "화", "수", "목", "금", "토", "일")


class ProxyReason(StrEnum):
    """Who a proxy may buy for (2020: household members of these people)."""

    CHILD = "child"  # born in or after ``child_from``
    ELDERLY = "elderly"  # born in or before ``elderly_until``
    LONG_TERM_CARE = "long_term_care"  # long-term-care insurance recipient
    DISABLED = "disabled"  # registered disabled person


@dataclass(frozen=True)
class RationingRules:
    weekly_cap: int = 2
    child_from: int = 2010
    elderly_until: int = 1940
    min_birth_year: int = 1900

    def __post_init__(self) -> None:
        if self.weekly_cap < 1:
            raise ValueError(f"weekly_cap must be at least 1, got {self.weekly_cap}")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


class RationingError(ValueError):
    """Input that the rules cannot judge (e.g. a birth year in the future)."""


def check_birth_year(birth_year: int, today: date, rules: RationingRules = RationingRules()) -> int:
    if not isinstance(birth_year, int) or isinstance(birth_year, bool):
        raise RationingError(f"birth_year must be an integer year, got {birth_year!r}")
    if not rules.min_birth_year <= birth_year <= today.year:
        raise RationingError(f"birth_year {birth_year} is outside {rules.min_birth_year}–{today.year}")
    return birth_year


def rotation_weekday(birth_year: int) -> int:
    """The weekday (0 = Monday … 4 = Friday) for a birth year's last digit: 1/6 Mon … 5/0 Fri."""
    return (birth_year % 10 - 1) % 5


def allowed_weekdays(birth_year: int) -> tuple[int, ...]:
    """Weekdays on which this birth year may buy: its rotation day, plus the weekend if unused."""
    return (rotation_weekday(birth_year), 5, 6)


def week_start(day: date) -> date:
    """Monday of the (KST) week: the key of the weekly cap."""
    return day - timedelta(days=day.weekday())


def proxy_eligible(reason: ProxyReason, beneficiary_birth_year: int, rules: RationingRules) -> bool:
    """Children and the very old qualify by birth year; care recipients and disabled people by status."""
    if reason is ProxyReason.CHILD:
        return beneficiary_birth_year >= rules.child_from
    if reason is ProxyReason.ELDERLY:
        return beneficiary_birth_year <= rules.elderly_until
    return True


def decide(
    *,
    birth_year: int,
    day: date,
    bought_this_week: int,
    bought_on_weekday_this_week: bool,
    quantity: int = 1,
    proxy: ProxyReason | None = None,
    rules: RationingRules = RationingRules(),
) -> Decision:
    """Whether a purchase for a person born in ``birth_year`` may go ahead on ``day``.

    ``birth_year`` is the beneficiary's (the person the masks are for), also for a proxy purchase.
    """
    check_birth_year(birth_year, day, rules)
    if quantity < 1:
        return Decision(False, f"quantity must be at least 1, got {quantity}")
    if proxy is not None and not proxy_eligible(proxy, birth_year, rules):
        return Decision(False, f"proxy purchase '{proxy}' is not allowed for someone born in {birth_year}")
    weekday = day.weekday()
    if weekday < 5 and weekday != rotation_weekday(birth_year):
        own = WEEKDAY_NAMES_EN[rotation_weekday(birth_year)]
        return Decision(False, f"birth year ending in {birth_year % 10} buys on {own} (or the weekend)")
    if weekday >= 5 and bought_on_weekday_this_week:
        return Decision(False, "the weekend is for people who did not buy on their weekday this week")
    if bought_this_week + quantity > rules.weekly_cap:
        return Decision(False, f"weekly cap of {rules.weekly_cap} reached ({bought_this_week} already bought)")
    return Decision(True, "allowed")


def can_buy_summary(birth_year: int, today: date, rules: RationingRules = RationingRules()) -> dict[str, object]:
    """The public "can I buy today?" answer: days, and whether today is one of them (before any purchase)."""
    check_birth_year(birth_year, today, rules)
    days = allowed_weekdays(birth_year)
    return {
        "birth_year": birth_year,
        "weekday": WEEKDAY_NAMES_EN[rotation_weekday(birth_year)],
        "weekday_ko": WEEKDAY_NAMES_KO[rotation_weekday(birth_year)],
        "allowed_days": [WEEKDAY_NAMES_EN[d] for d in days],
        "today": today.isoformat(),
        "today_allowed": today.weekday() in days,
        "weekend_rule": "Sat/Sun only if you did not buy on your weekday this week",
        "weekly_cap": rules.weekly_cap,
        "proxy_for_child": birth_year >= rules.child_from,
        "proxy_for_elderly": birth_year <= rules.elderly_until,
    }
