"""DS4C (Data Science for COVID-19, Kaggle): clusters, cases and routes of 2020, and a folder of them."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from epiaid.core.importing import (
    ImportFileError,
    ImportReport,
    RowError,
    bool_cell,
    coords_cell,
    date_cell,
    int_cell,
    read_csv,
    run_rows,
    text_cell,
)
from epiaid.core.korean import province_en
from epiaid.situation.models import Case, CaseStatus, Cluster, Source, Visit
from epiaid.situation.services.importers.base import keyed_by_source

# --------------------------------------------------------------------------- DS4C

DS4C_STATUS = {"isolated": CaseStatus.ISOLATED, "released": CaseStatus.RELEASED, "deceased": CaseStatus.DECEASED}
PLACE_TYPES_KO = {
    "hospital": "병원",
    "store": "상점",
    "restaurant": "식당",
    "public_transportation": "대중교통",
    "airport": "공항",
    "pharmacy": "약국",
    "church": "교회",
    "cafe": "카페",
    "pc_cafe": "PC방",
    "school": "학교",
    "gym": "체육시설",
    "karaoke": "노래방",
    "bar": "주점",
    "real_estate_agency": "부동산",
    "lodging": "숙박시설",
    "beauty_salon": "미용실",
    "bakery": "제과점",
    "bank": "은행",
    "academy": "학원",
    "post_office": "우체국",
    "gas_station": "주유소",
    "administrative_area_level_1": "행정구역",
    "university": "대학교",
    "etc": "기타 장소",
}


@transaction.atomic
def import_ds4c_clusters(source: str | Path | bytes) -> ImportReport:
    rows, encoding = read_csv(
        source, ["case_id", "province", "city", "group", "infection_case", "confirmed", "latitude", "longitude"]
    )
    report = ImportReport("ds4c clusters", encoding)
    upsert = keyed_by_source(
        Cluster, Source.DS4C, ["name", "province", "city", "lat", "lng", "case_count", "is_group"], report
    )

    def handle(number: int, row: dict[str, str]) -> None:
        lat = lng = None
        if (row["latitude"] or "-") != "-":
            lat, lng = coords_cell(row, "latitude", "longitude")
        upsert.add(
            number,
            text_cell(row, "case_id", required=True),
            {
                "name": text_cell(row, "infection_case", required=True),
                "province": province_en(row["province"]) or text_cell(row, "province"),
                "city": text_cell(row, "city"),
                "lat": lat,
                "lng": lng,
                "case_count": int_cell(row, "confirmed") or 0,
                "is_group": bool_cell(row, "group", True),
            },
        )

    run_rows(report, rows, handle)
    upsert.flush()
    return report


@transaction.atomic
def import_ds4c_cases(source: str | Path | bytes) -> ImportReport:
    rows, encoding = read_csv(
        source,
        [
            "patient_id",
            "sex",
            "age",
            "country",
            "province",
            "city",
            "infection_case",
            "infected_by",
            "contact_number",
            "symptom_onset_date",
            "confirmed_date",
            "released_date",
            "deceased_date",
            "state",
        ],
        aliases={"global_num": []},
    )
    report = ImportReport("ds4c cases", encoding)
    clusters = {c.name: c.id for c in Cluster.objects.all()}
    existing = {c.number: c for c in Case.objects.all()}
    seen: dict[str, int] = {}
    to_create: list[Case] = []
    to_update: list[Case] = []
    fields = [
        "global_num",
        "sex",
        "age_band",
        "nationality",
        "province",
        "city",
        "infection_case",
        "cluster_id",
        "infected_by",
        "contact_number",
        "symptom_onset_date",
        "confirmed_date",
        "released_date",
        "deceased_date",
        "status",
        "source",
    ]

    def handle(number: int, row: dict[str, str]) -> None:
        pid = text_cell(row, "patient_id", required=True)
        if not pid.isdigit():
            raise RowError("patient_id", f"is not a DS4C patient id: {pid!r}")
        if pid in seen:
            raise RowError("patient_id", f"duplicate of row {seen[pid]}")
        seen[pid] = number
        infection_case = text_cell(row, "infection_case")
        infected_by = text_cell(row, "infected_by").split(".")[0]
        values = {
            "global_num": int_cell(row, "global_num"),
            "sex": text_cell(row, "sex"),
            "age_band": text_cell(row, "age"),
            "nationality": text_cell(row, "country"),
            "province": province_en(row["province"]) or text_cell(row, "province"),
            "city": text_cell(row, "city"),
            "infection_case": infection_case,
            "cluster_id": clusters.get(infection_case),
            "infected_by": infected_by,
            "contact_number": int_cell(row, "contact_number"),
            "symptom_onset_date": date_cell(row, "symptom_onset_date"),
            "confirmed_date": date_cell(row, "confirmed_date"),
            "released_date": date_cell(row, "released_date"),
            "deceased_date": date_cell(row, "deceased_date"),
            "status": DS4C_STATUS.get(row["state"].strip().lower(), CaseStatus.UNKNOWN),
            "source": Source.DS4C,
        }
        current = existing.get(pid)
        if current is None:
            to_create.append(Case(number=pid, **values))
            report.created += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            to_update.append(current)
            report.updated += 1
        else:
            report.unchanged += 1

    run_rows(report, rows, handle)
    Case.objects.bulk_create(to_create, batch_size=1000)
    Case.objects.bulk_update(to_update, fields, batch_size=1000)
    return report


@transaction.atomic
def import_ds4c_routes(source: str | Path | bytes) -> ImportReport:
    rows, encoding = read_csv(source, ["patient_id", "date", "province", "city", "type", "latitude", "longitude"])
    report = ImportReport("ds4c routes", encoding)
    cases = dict(Case.objects.values_list("number", "id"))
    upsert = keyed_by_source(
        Visit,
        Source.DS4C,
        ["case_id", "date", "place_name", "place_name_en", "category", "address", "province", "lat", "lng"],
        report,
    )

    def handle(number: int, row: dict[str, str]) -> None:
        pid = text_cell(row, "patient_id", required=True)
        case_id = cases.get(pid)
        if case_id is None:
            raise RowError("patient_id", f"unknown case id {pid!r} (import PatientInfo.csv first)")
        day = date_cell(row, "date", required=True)
        lat, lng = coords_cell(row, "latitude", "longitude")
        kind = text_cell(row, "type") or "etc"
        city = text_cell(row, "city")
        province = province_en(row["province"]) or text_cell(row, "province")
        key = f"{pid}|{day}|{lat:.6f}|{lng:.6f}|{kind}"
        upsert.add(
            number,
            key,
            {
                "case_id": case_id,
                "date": day,
                "category": kind,
                "place_name": f"{city} {PLACE_TYPES_KO.get(kind, kind)}".strip(),
                "place_name_en": f"{kind.replace('_', ' ')}, {city}".strip(", "),
                "address": f"{province} {city}".strip(),
                "province": province,
                "lat": lat,
                "lng": lng,
            },
        )

    run_rows(report, rows, handle)
    upsert.flush()
    return report


def import_ds4c_dir(directory: str | Path) -> list[ImportReport]:
    """Clusters, then cases (linked to clusters), then routes (linked to cases)."""
    folder = Path(directory)
    for name in ("Case.csv", "PatientInfo.csv", "PatientRoute.csv"):
        if not (folder / name).is_file():
            raise ImportFileError(f"{folder} has no {name}")
    with transaction.atomic():
        return [
            import_ds4c_clusters(folder / "Case.csv"),
            import_ds4c_cases(folder / "PatientInfo.csv"),
            import_ds4c_routes(folder / "PatientRoute.csv"),
        ]
