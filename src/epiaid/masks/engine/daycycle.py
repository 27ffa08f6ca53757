"""Demo stock drawn from a day of March 2020: a delivery in the morning, a queue, sold out by afternoon.

In March 2020 each outlet received one delivery a day — a pharmacy about 250 masks, in the morning;
post offices sold from 11:00 and Nonghyup marts from the early afternoon — and most sold it within a
few hours. The late-evening snapshot of the real API was about 82 % ``empty``; at mid-morning it was
half ``plenty`` (just delivered) and half ``empty`` (not yet delivered, or already sold). Evenly
drawn buckets (21 % each) look nothing like that, so the demo draws every outlet's day from this
cycle instead: the map at 10:00 looks like a 10:00 of 2020, and at 21:30 like its evening.

Each outlet's day is drawn from a random generator seeded by (seed, code, date), so a moment's stock
is reproducible and a later moment continues it (stock never grows between deliveries). Selling is
linear from the delivery until it is sold out or the outlet closes, and happens only on delivery
days (an outlet without a delivery is closed that day); what is left at closing stays on the shelf
until the next delivery, which joins what is left of the one delivery before it (older leftovers
are off the shelf by then).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from epiaid.masks.engine.timefmt import KST


@dataclass(frozen=True, slots=True)
class Profile:
    """How one type of outlet received and sold masks (hours are Korean clock hours)."""

    deliveries: tuple[int, ...]  # masks per delivery, one drawn per day
    arrival_mean_h: float
    arrival_sd_h: float
    arrival_range_h: tuple[float, float]
    closing_h: tuple[float, ...]  # one drawn per day


PROFILES: dict[str, Profile] = {
    "01": Profile((200, 250, 250, 300), 10.0, 1.2, (7.5, 15.0), (18.0, 19.0, 19.5, 20.0, 20.0, 21.0, 22.0)),
    "02": Profile((100, 150, 200), 11.0, 0.25, (10.5, 12.0), (18.0,)),
    "03": Profile((200, 300, 400), 13.5, 0.5, (12.0, 15.0), (19.0, 20.0, 21.0)),
}
#: Hours to sell a delivery: log-normal (median 2.5 h; a few rural outlets take more than a day).
SELL_OUT_MEDIAN_H = 2.5
SELL_OUT_SIGMA = 1.2
NO_DELIVERY_SHARE = 0.05  # outlets that got nothing on a given day
HALTED_SHARE = 0.015  # outlets that halted sales (``break``) on a given day
LOOKBACK_DAYS = 7  # a delivery older than this is off the shelf


@dataclass(frozen=True, slots=True)
class OutletDay:
    delivered: int
    arrival: datetime
    sell_out_h: float  # hours to sell ``delivered`` at that day's pace
    closing: datetime


@dataclass(frozen=True, slots=True)
class DemoStock:
    remain: int
    stock_at: datetime | None  # the delivery now on the shelf
    halted: bool


def outlet_day(code: str, outlet_type: str, day: date, seed: int = 2020) -> OutletDay | None:
    """One outlet's delivery on ``day`` (None when nothing was delivered), the same on every call."""
    rng = random.Random(f"{seed}:{code}:{day.isoformat()}")
    profile = PROFILES.get(outlet_type, PROFILES["01"])
    if rng.random() < NO_DELIVERY_SHARE:
        return None
    low, high = profile.arrival_range_h
    arrival_h = min(max(rng.gauss(profile.arrival_mean_h, profile.arrival_sd_h), low), high)
    midnight = datetime.combine(day, time(0), tzinfo=KST)
    return OutletDay(
        delivered=rng.choice(profile.deliveries),
        arrival=midnight + timedelta(hours=round(arrival_h * 60) / 60),
        sell_out_h=math.exp(math.log(SELL_OUT_MEDIAN_H) + SELL_OUT_SIGMA * rng.gauss(0.0, 1.0)),
        closing=midnight + timedelta(hours=rng.choice(profile.closing_h)),
    )


def halted_on(code: str, day: date, seed: int = 2020) -> bool:
    """Whether the outlet halted sales that day (``break``), independent of its delivery."""
    return random.Random(f"{seed}:{code}:{day.isoformat()}:halt").random() < HALTED_SHARE


def _remain(day: OutletDay, on_shelf: int, moment: datetime) -> int:
    """Masks left at ``moment`` (after the delivery): selling at the day's pace until closing."""
    selling_h = max(0.0, (min(moment, day.closing) - day.arrival).total_seconds() / 3600)
    sold = round(day.delivered * selling_h / day.sell_out_h)
    return max(0, on_shelf + day.delivered - sold)


def _deliveries_back(code: str, outlet_type: str, day: date, seed: int) -> Iterator[OutletDay]:
    """The outlet's deliveries on ``day`` and the days before it, newest first (a week at most)."""
    for back in range(LOOKBACK_DAYS):
        found = outlet_day(code, outlet_type, day - timedelta(days=back), seed)
        if found is not None:
            yield found


def stock_at(code: str, outlet_type: str, moment: datetime, seed: int = 2020) -> DemoStock:
    """An outlet's stock at ``moment`` (an aware time) on the daily cycle.

    On the shelf: the latest delivery that has arrived, less what it sold, plus what the delivery
    before it had left at its closing. Between two deliveries nothing here changes but the selling,
    so stock only falls (and last night's closing stock is this morning's).
    """
    local = moment.astimezone(KST)
    halted = halted_on(code, local.date(), seed)
    current = next((d for d in _deliveries_back(code, outlet_type, local.date(), seed) if d.arrival <= local), None)
    if current is None:
        return DemoStock(0, None, halted)
    day_before = current.arrival.date() - timedelta(days=1)
    previous = next(_deliveries_back(code, outlet_type, day_before, seed), None)
    carried = _remain(previous, 0, previous.closing) if previous is not None else 0
    return DemoStock(_remain(current, carried, local), current.arrival, halted)
