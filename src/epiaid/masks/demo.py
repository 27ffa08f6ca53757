"""Demo data: the real 2020 outlet list when ../shared/data exists, else seeded outlets around real
district centres; plus synthetic stock so the map shows every colour."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from epiaid.masks.engine.importer import OutletRow, ParseResult, parse_outlets

OUTLETS_FILE = Path("map/mask_stores_2020-03-15_SOMJANG.csv")

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


def synthetic_stock(codes: list[str], seed: int = 2020) -> int:
    """Counts spread over every bucket (and a few halted outlets), written in one transaction."""
    from epiaid.masks import services
    from epiaid.masks.models import Stock, StockEvent

    rng = random.Random(seed)
    now = timezone.now()
    chosen = [c for c in codes if rng.random() < 0.85]
    with transaction.atomic():
        version = services.bump_version(now)
        Stock.objects.filter(outlet_id__in=chosen).delete()
        stocks = [
            Stock(
                outlet_id=c,
                remain=rng.choice([0, 1, 5, 20, 45, 80, 150, 300]),
                halted=rng.random() < 0.03,
                stock_at=now - timedelta(hours=rng.randint(1, 9)),
                created_at=now,
                version=version,
            )
            for c in chosen
        ]
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
    return len(chosen)


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    from epiaid.masks import services

    if shared is not None and (shared / OUTLETS_FILE).is_file():
        parsed = parse_outlets(shared / OUTLETS_FILE)
        source = str(OUTLETS_FILE)
    else:
        parsed = synthetic_outlets()
        source = "seeded synthetic outlets"
    report = services.import_outlets(parsed)
    log(f"    masks outlets ({source}): {report.summary()}")
    stocked = synthetic_stock([r.code for r in parsed.rows])
    return f"{len(parsed.rows)} outlets, synthetic stock for {stocked}"
