"""Seeded synthetic situation data for a fresh clone: plausible routes around real district centres.

Centres are real district offices (구청/시청) so that points fall on land and addresses read right;
everything else (cases, times, places) is generated and labelled as demo data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

DISTRICTS: list[tuple[str, str, float, float]] = [
    ("서울특별시", "종로구", 37.5735, 126.9790),
    ("서울특별시", "중구", 37.5638, 126.9976),
    ("서울특별시", "강남구", 37.5172, 127.0473),
    ("서울특별시", "송파구", 37.5145, 127.1059),
    ("서울특별시", "구로구", 37.4954, 126.8874),
    ("서울특별시", "마포구", 37.5663, 126.9019),
    ("서울특별시", "동대문구", 37.5744, 127.0396),
    ("서울특별시", "관악구", 37.4784, 126.9516),
    ("부산광역시", "부산진구", 35.1631, 129.0532),
    ("부산광역시", "해운대구", 35.1631, 129.1636),
    ("대구광역시", "남구", 35.8460, 128.5974),
    ("대구광역시", "수성구", 35.8582, 128.6306),
    ("인천광역시", "남동구", 37.4473, 126.7314),
    ("광주광역시", "서구", 35.1520, 126.8895),
    ("대전광역시", "서구", 36.3554, 127.3838),
    ("울산광역시", "남구", 35.5439, 129.3300),
    ("경기도", "수원시", 37.2636, 127.0286),
    ("경기도", "성남시", 37.4200, 127.1265),
    ("경상북도", "경산시", 35.8251, 128.7414),
    ("충청남도", "천안시", 36.8151, 127.1139),
]
PLACES: list[tuple[str, str]] = [
    ("restaurant", "식당"),
    ("cafe", "카페"),
    ("pharmacy", "약국"),
    ("hospital", "의원"),
    ("store", "마트"),
    ("church", "교회"),
    ("gym", "체육관"),
    ("pc_cafe", "PC방"),
    ("public_transportation", "지하철역"),
    ("karaoke", "노래연습장"),
]
NAMES = ["행복", "우리", "새봄", "한빛", "푸른", "중앙", "대성", "미소", "온누리", "하나"]


@dataclass
class DemoVisit:
    date: date
    start: time
    end: time
    place_name: str
    category: str
    address: str
    lat: float
    lng: float
    disclosed: bool


@dataclass
class DemoCase:
    number: str
    confirmed: date
    province: str
    city: str
    infection_case: str
    infected_by: str
    visits: list[DemoVisit]


@dataclass
class DemoClinic:
    name: str
    address: str
    phone: str
    specimen: bool
    lat: float
    lng: float


def generate(
    seed: int = 20200301,
    cases: int = 120,
    end: date | None = None,
) -> tuple[list[DemoCase], list[DemoClinic], list[tuple[str, str, float, float, int]]]:
    rng = random.Random(seed)
    end = end or date.today()
    clusters = [
        (
            f"{DISTRICTS[i][1]} {name}",
            DISTRICTS[i][0],
            DISTRICTS[i][2] + rng.uniform(-0.01, 0.01),
            DISTRICTS[i][3] + rng.uniform(-0.01, 0.01),
            0,
        )
        for i, name in zip(
            rng.sample(range(len(DISTRICTS)), 6),
            ["교회", "콜센터", "요양병원", "체육시설", "물류센터", "학원"],
            strict=False,
        )
    ]
    out: list[DemoCase] = []
    for n in range(1, cases + 1):
        province, city, clat, clng = rng.choice(DISTRICTS)
        confirmed = end - timedelta(days=rng.randint(0, 30))
        visits = []
        for k in range(rng.randint(2, 7)):
            kind, label = rng.choice(PLACES)
            day = confirmed - timedelta(days=rng.randint(1, 6))
            hour = rng.randint(8, 20)
            lat, lng = clat + rng.gauss(0, 0.012), clng + rng.gauss(0, 0.015)
            visits.append(
                DemoVisit(
                    date=day,
                    start=time(hour, rng.choice([0, 15, 30, 45])),
                    end=time(min(hour + 1, 23), rng.randint(0, 59)),
                    place_name=f"{rng.choice(NAMES)}{label}",
                    category=kind,
                    address=f"{province} {city} {rng.randint(1, 300)}번길 {rng.randint(1, 80)}",
                    lat=round(lat, 6),
                    lng=round(lng, 6),
                    disclosed=rng.random() > 0.1 or k == 0,
                )
            )
        infection = rng.choice([c[0] for c in clusters] + ["contact with patient"] * 3 + ["overseas inflow"])
        infected_by = f"DEMO-{rng.randint(1, n - 1):04d}" if infection == "contact with patient" and n > 1 else ""
        out.append(
            DemoCase(
                number=f"DEMO-{n:04d}",
                confirmed=confirmed,
                province=province,
                city=city,
                infection_case=infection,
                infected_by=infected_by,
                visits=visits,
            )
        )
    clinics = []
    for province, city, clat, clng in DISTRICTS:
        for j, kind in enumerate(["보건소", "의료원", "병원"]):
            clinics.append(
                DemoClinic(
                    name=f"{city}{kind}" if j == 0 else f"{city} {rng.choice(NAMES)}{kind}",
                    address=f"{province} {city} {rng.randint(1, 200)}",
                    phone=f"0{rng.randint(2, 64)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
                    specimen=j != 2 or rng.random() > 0.5,
                    lat=round(clat + rng.gauss(0, 0.01), 6),
                    lng=round(clng + rng.gauss(0, 0.01), 6),
                )
            )
    counts = {c[0]: 0 for c in clusters}
    for case in out:
        if case.infection_case in counts:
            counts[case.infection_case] += 1
    return out, clinics, [(name, prov, lat, lng, counts[name]) for name, prov, lat, lng, _ in clusters]
