"""MOHW screening-clinic lists (선별진료소 목록): names, addresses, phones, coordinates."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from epiaid.core.importing import (
    ImportReport,
    bool_cell,
    coords_cell,
    read_csv,
    run_rows,
    text_cell,
)
from epiaid.core.korean import province_en
from epiaid.situation.models import Clinic, Source
from epiaid.situation.services.importers.base import keyed_by_source

# --------------------------------------------------------------------------- MOHW screening clinics

CLINIC_ALIASES = {
    "name": ["의료기관명", "centername", "기관명"],
    "address": ["주소", "address"],
    "province": ["sido", "시도"],
    "district": ["singungu", "sigungu", "시군구"],
    "specimen": ["검체채취가능여부", "screentest", "검체채취"],
    "lat": ["lat", "위도"],
    "lng": ["lon", "lng", "경도"],
    "phone": ["telephone", "전화번호", "대표전화"],
}


@transaction.atomic
def import_clinics(source: str | Path | bytes) -> ImportReport:
    rows, encoding = read_csv(source, ["name", "address", "lat", "lng"], aliases=CLINIC_ALIASES)
    report = ImportReport("screening clinics", encoding)
    upsert = keyed_by_source(
        Clinic,
        Source.MOHW,
        ["name", "address", "province", "district", "phone", "specimen_collection", "lat", "lng"],
        report,
    )

    def handle(number: int, row: dict[str, str]) -> None:
        name = text_cell(row, "name", required=True)
        address = text_cell(row, "address", required=True, max_length=300)
        lat: float | None
        lng: float | None
        if not (row.get("lat") or "").strip() and not (row.get("lng") or "").strip():
            lat = lng = None
            report.warn(number, "lat/lng", "no coordinates: kept, but left off the map and nearest-clinic answers")
        else:
            lat, lng = coords_cell(row, "lat", "lng")
        phone = text_cell(row, "phone", max_length=40)
        upsert.add(
            number,
            f"{name}|{address}",
            {
                "name": name,
                "address": address,
                "province": province_en(row.get("province") or address.split(" ")[0]) or text_cell(row, "province"),
                "district": text_cell(row, "district"),
                "phone": phone,
                "specimen_collection": bool_cell(row, "specimen", False),
                "lat": lat,
                "lng": lng,
            },
        )

    run_rows(report, rows, handle)
    upsert.flush()
    return report
