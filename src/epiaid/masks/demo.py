"""Demo data: the real 2020 outlet lists when ../shared/data exists (their union), else seeded outlets
around real district centres; plus stock drawn from the 2020 daily cycle at the current hour."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from epiaid.masks.engine import daycycle
from epiaid.masks.engine.importer import OutletRow, ParseResult, parse_outlets, union_outlets
from epiaid.masks.engine.timefmt import KST

#: The real outlet lists, oldest first: the later one wins where they disagree. The March list
#: misses ~1,110 outlets the 2020 API had (its scraper skipped two pages and two rows of each page);
#: the June list lacks outlets that had closed by then.
OUTLET_FILES: tuple[Path, ...] = (
    Path("map/mask_stores_2020-03-15_SOMJANG.csv"),
    Path("map/mask_stores_2020-06-29_michael-cho77.csv"),
)
#: Share of outlets that have a sales record at all (the rest show ``null``, as some did in 2020).
RECORDED_SHARE = 0.95
BUCKETS = ("empty", "few", "some", "plenty", "break")

#: (address prefix, lat, lng) of district offices: real places for generated outlets.
DISTRICTS: tuple[tuple[str, float, float], ...] = (
    ("서울특별시 용산구 보광동", 37.5270, 126.9995),
    ("서울특별시 중구 명동", 37.5636, 126.9850),
    ("서울특별시 강남구 역삼동", 37.5006, 127.0366),
    ("서울특별시 마포구 서교동", 37.5556, 126.9226),
    ("부산광역시 해운대구 우동", 35.1631, 129.1635),
    ("대구광역시 중구 동인동", 35.8694, 128.6062),
    ("인천광역시 남동구 구월동", 37.4475, 126.7313),
    ("광주광역시 서구 치평동", 35.1520, 126.8895),
    ("대전광역시 서구 둔산동", 36.3504, 127.3845),
    ("경기도 수원시 팔달구 인계동", 37.2636, 127.0286),
    ("제주특별자치도 제주시 연동", 33.4890, 126.4983),
)


def synthetic_outlets(n_per_district: int = 40, seed: int = 2020) -> ParseResult:
    rng = random.Random(seed)
    result = ParseResult()
    for d, (prefix, lat, lng) in enumerate(DISTRICTS):
        for i in range(n_per_district):
            outlet_type = "01" if i % 10 < 8 else ("02" if i % 10 == 8 else "03")
            code = f"{90000000 + d * 1000 + i}" if outlet_type == "01" else f"{9000000000 + d * 1000 + i}"
            kind = {"01": "약국", "02": "우체국", "03": "하나로마트"}[outlet_type]
            located = i % 25 != 24  # a few without coordinates, like the real list
            result.rows.append(
                OutletRow(
                    code=code,
                    name=f"데모{kind} {d}-{i}",
                    addr=f"{prefix} 데모로 {i + 1}",
                    type=outlet_type,
                    lat=round(lat + rng.uniform(-0.012, 0.012), 7) if located else None,
                    lng=round(lng + rng.uniform(-0.015, 0.015), 7) if located else None,
                )
            )
            result.read += 1
    return result


def synthetic_stock(outlets: list[OutletRow], now: datetime | None = None, seed: int = 2020) -> dict[str, int]:
    """Stock of every recorded outlet at ``now`` on the daily cycle, written in one transaction.

    Returns how many outlets are in each ``remain_stat`` bucket (``break`` for halted ones).
    """
    from epiaid.masks import services
    from epiaid.masks.engine.stock import remain_stat
    from epiaid.masks.models import Stock, StockEvent

    rng = random.Random(seed)
    now = now or timezone.now()
    chosen = [o for o in outlets if rng.random() < RECORDED_SHARE]
    buckets: dict[str, int] = {}
    with transaction.atomic():
        version = services.bump_version(now)
        Stock.objects.filter(outlet_id__in=[o.code for o in outlets]).delete()
        stocks = []
        for o in chosen:
            drawn = daycycle.stock_at(o.code, o.type, now, seed)
            stat = str(remain_stat(drawn.remain, halted=drawn.halted))
            buckets[stat] = buckets.get(stat, 0) + 1
            stocks.append(
                Stock(
                    outlet_id=o.code,
                    remain=drawn.remain,
                    halted=drawn.halted,
                    stock_at=drawn.stock_at,
                    created_at=now,
                    version=version,
                )
            )
        Stock.objects.bulk_create(stocks, batch_size=2000)
        StockEvent.objects.bulk_create(  # demo stock is history too
            [
                StockEvent(
                    outlet_id=s.outlet_id,
                    kind="set",
                    quantity=0,
                    remain_before=0,
                    remain_after=s.remain,
                    at=now,
                    stock_at=s.stock_at,
                    actor="demo",
                    version=version,
                )
                for s in stocks
            ],
            batch_size=2000,
        )
        transaction.on_commit(services.refresh_after_commit)
    return buckets


def real_outlets(shared: Path) -> tuple[ParseResult, str] | None:
    """The union of the real outlet lists present under ``shared`` and its counts (None if none is)."""
    present = [f for f in OUTLET_FILES if (shared / f).is_file()]
    if not present:
        return None
    union = union_outlets([(f.name, parse_outlets(shared / f)) for f in present])
    return union.parsed, union.summary()


def load_demo(shared: Path | None, log: Callable[[str], None], *, now: datetime | None = None) -> str:
    from epiaid.masks import services

    real = real_outlets(shared) if shared is not None else None
    if real is not None:
        parsed, source = real
    else:
        parsed, source = synthetic_outlets(), "seeded synthetic outlets"
    report = services.import_outlets(parsed)
    log(f"    masks outlets ({source}): {report.summary()}")
    now = now or timezone.now()
    buckets = synthetic_stock(parsed.rows, now)
    stocked = sum(buckets.values())
    shares = ", ".join(f"{k} {buckets.get(k, 0) / max(stocked, 1):.0%}" for k in BUCKETS)
    hour = now.astimezone(KST).strftime("%H:%M")
    return f"{len(parsed.rows)} outlets, stock for {stocked} on the 2020 daily cycle at {hour} KST ({shares})"
