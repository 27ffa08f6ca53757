"""Our own CSV template for health staff: cases and visits typed in a spreadsheet."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.db import transaction

from epiaid.core.importing import (
    ImportReport,
    RowError,
    bool_cell,
    coords_cell,
    date_cell,
    read_csv,
    run_rows,
    text_cell,
    time_cell,
)
from epiaid.core.korean import province_en
from epiaid.situation.models import Case, Source, Visit
from epiaid.situation.services.importers.base import keyed_by_source

# --------------------------------------------------------------------------- our template

TEMPLATE_COLUMNS = [
    "case_number",
    "confirmed_date",
    "date",
    "start_time",
    "end_time",
    "place_name",
    "place_name_en",
    "category",
    "address",
    "lat",
    "lng",
    "disclosed",
]
TEMPLATE_EXAMPLE = [
    "2020-0001",
    "2020-03-01",
    "2020-02-27",
    "12:10",
    "13:05",
    "명동교자 본점",
    "Myeongdong Kyoja",
    "restaurant",
    "서울특별시 중구 명동10길 29",
    "37.5626",
    "126.9856",
    "yes",
]


def template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return buffer.getvalue()


@transaction.atomic
def import_template(source: str | Path | bytes) -> ImportReport:
    rows, encoding = read_csv(
        source, ["case_number", "date", "place_name", "lat", "lng"], aliases={c: [] for c in TEMPLATE_COLUMNS}
    )
    report = ImportReport("template visits", encoding)
    cases = dict(Case.objects.values_list("number", "id"))
    upsert = keyed_by_source(
        Visit,
        Source.TEMPLATE,
        [
            "case_id",
            "date",
            "start_time",
            "end_time",
            "place_name",
            "place_name_en",
            "category",
            "address",
            "province",
            "lat",
            "lng",
            "disclosed",
        ],
        report,
    )

    def handle(number: int, row: dict[str, str]) -> None:
        case_number = text_cell(row, "case_number", required=True, max_length=40)
        day = date_cell(row, "date", required=True)
        start, end = time_cell(row, "start_time"), time_cell(row, "end_time")
        if start and end and end < start:
            raise RowError("end_time", "is before start_time")
        lat, lng = coords_cell(row, "lat", "lng")
        place = text_cell(row, "place_name", required=True)
        address = text_cell(row, "address", max_length=300)
        case_id = cases.get(case_number)
        if case_id is None:
            case = Case.objects.create(
                number=case_number, source=Source.TEMPLATE, confirmed_date=date_cell(row, "confirmed_date")
            )
            case_id = cases[case_number] = case.id
        upsert.add(
            number,
            f"{case_number}|{day}|{start}|{place}|{lat:.6f}|{lng:.6f}",
            {
                "case_id": case_id,
                "date": day,
                "start_time": start,
                "end_time": end,
                "place_name": place,
                "place_name_en": text_cell(row, "place_name_en"),
                "category": text_cell(row, "category", max_length=40),
                "address": address,
                "province": province_en(address.split(" ")[0] if address else "") or "",
                "lat": lat,
                "lng": lng,
                "disclosed": bool_cell(row, "disclosed", True),
            },
        )

    run_rows(report, rows, handle)
    upsert.flush()
    return report
