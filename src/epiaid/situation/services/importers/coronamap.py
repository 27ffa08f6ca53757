"""coronamap.site route exports (JSON): confirmed cases' disclosed visits as scraped in 2020."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from epiaid.core.importing import (
    ImportFileError,
    ImportReport,
    RowError,
    coords_cell,
    date_cell,
    read_text,
    run_rows,
)
from epiaid.core.korean import TextError, normalise, province_en, strip_markup
from epiaid.situation.models import Case, Source, Visit
from epiaid.situation.services.importers.base import keyed_by_source

# --------------------------------------------------------------------------- coronamap.site


def _coronamap_records(data: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """Flatten both published shapes: the site's flat list and the live per-patient dict."""
    if isinstance(data, list):
        for number, item in enumerate(data, start=1):
            yield number, item if isinstance(item, dict) else {"_invalid": item}
        return
    if isinstance(data, dict):
        number = 0
        for key, patient in data.items():
            info = (patient or {}).get("data") if isinstance(patient, dict) else None
            if not isinstance(info, dict):
                number += 1
                yield number, {"_invalid": key}
                continue
            label = str(info.get("name") or key)
            for visit in info.get("data") or []:
                number += 1
                when = str((visit or {}).get("date") or "")
                latlng = (visit or {}).get("latlng") or {}
                place = (visit or {}).get("place") or {}
                address = (visit or {}).get("address") or {}
                yield (
                    number,
                    {
                        "patient": label,
                        "profile": f"({info.get('age', '-')}.{info.get('gender', '-')}.{info.get('nationality', '-')})",
                        "date": when[:10],
                        "place": place.get("kr") or address.get("kr") or "",
                        "place_en": place.get("en") or "",
                        "address": address.get("kr") or "",
                        "lat": latlng.get("y"),
                        "lng": latlng.get("x"),
                    },
                )
        return
    raise ImportFileError("coronamap JSON must be a list of visits or an object of patients")


def _markup_text(report: ImportReport, number: int, row: dict[str, str], name: str, *, max_length: int = 200) -> str:
    try:
        text, stripped = strip_markup(row.get(name), name, max_length=max_length)
    except TextError as exc:
        raise RowError(name, str(exc).removeprefix(f"{name} ")) from exc
    if stripped:
        report.warn(number, name, "presentation markup removed")
    return text


def _coronamap_case_number(label: str) -> str:
    label = normalise(label).replace("확진자", "").replace("번째", "").strip().strip("#")
    return f"CM-{label}" if label else ""


@transaction.atomic
def import_coronamap(source: str | Path | bytes, *, year: int = 2020) -> ImportReport:
    text, encoding = read_text(source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    report = ImportReport("coronamap routes", encoding)
    cases = dict(Case.objects.values_list("number", "id"))
    upsert = keyed_by_source(
        Visit,
        Source.CORONAMAP,
        ["case_id", "date", "place_name", "place_name_en", "address", "province", "lat", "lng"],
        report,
    )

    def handle(number: int, item: dict[str, Any]) -> None:
        if "_invalid" in item:
            raise RowError("record", "is not a visit object")
        row = {k: "" if v is None else str(v) for k, v in item.items()}
        case_number = _coronamap_case_number(row.get("patient", ""))
        if not case_number:
            raise RowError("patient", "is empty")
        if row.get("date"):
            day = date_cell(row, "date", required=True)
        else:
            try:
                day = date(year, int(row.get("month", "")), int(row.get("day", "")))
            except ValueError as exc:
                raise RowError("month/day", f"is not a date: {row.get('month')!r}/{row.get('day')!r}") from exc
        lat, lng = coords_cell(row, "lat", "lng")
        place = _markup_text(report, number, row, "place")
        if not place:
            raise RowError("place", "is empty")
        address = _markup_text(report, number, row, "address", max_length=300)
        case_id = cases.get(case_number)
        if case_id is None:
            profile = normalise(row.get("profile", "")).strip("()").split(".")
            case = Case.objects.create(
                number=case_number,
                source=Source.CORONAMAP,
                age_band=(profile[0] if profile and profile[0] != "-" else ""),
                sex=(profile[1] if len(profile) > 1 and profile[1] != "-" else ""),
                nationality=(profile[2] if len(profile) > 2 and profile[2] != "-" else ""),
                global_num=int(case_number[3:]) if case_number[3:].isdigit() else None,
            )
            case_id = cases[case_number] = case.id
        key = f"{case_number}|{day}|{place}|{lat:.6f}|{lng:.6f}"
        upsert.add(
            number,
            key,
            {
                "case_id": case_id,
                "date": day,
                "place_name": place,
                "place_name_en": _markup_text(report, number, row, "place_en"),
                "address": address,
                "province": province_en(address.split(" ")[0] if address else "") or "",
                "lat": lat,
                "lng": lng,
            },
        )

    run_rows(report, _coronamap_records(data), handle)
    upsert.flush()
    return report
