"""Importers for the situation map: DS4C, coronamap.site routes, MOHW clinic lists, our own template.

Each import is one transaction: a malformed file (missing columns, wrong format) changes nothing;
a bad row is rejected with its row number, field and reason while good rows go in. Rows are keyed
by (source, source_key) so re-importing a file updates in place and never duplicates.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.db import models, transaction

from epiaid.core.geo import CoordinateError, check_korea
from epiaid.core.korean import TextError, decode_bytes, normalise, plain_text, province_en, strip_markup
from epiaid.situation.models import Case, CaseStatus, Clinic, Cluster, Source, Visit


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (nothing was written)."""


class RowError(ValueError):
    """One row is rejected; ``field`` names the offending column."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class Rejection:
    row: int
    field: str
    reason: str


@dataclass
class ImportReport:
    kind: str
    encoding: str = "utf-8"
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)

    def warn(self, row: int, field: str, reason: str) -> None:
        self.warnings.append(Rejection(row=row, field=field, reason=reason))

    def reject(self, row: int, error: RowError) -> None:
        self.rejected.append(Rejection(row=row, field=error.field, reason=error.reason))

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "encoding": self.encoding,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [r.__dict__ for r in self.rejected],
            "warnings": [w.__dict__ for w in self.warnings],
        }

    def summary(self) -> str:
        return (
            f"{self.kind}: read {self.read}, created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {len(self.rejected)}"
            + (f", warnings {len(self.warnings)}" if self.warnings else "")
        )


# --------------------------------------------------------------------------- reading


def read_text(source: str | Path | bytes) -> tuple[str, str]:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        return decode_bytes(data)
    except TextError as exc:
        raise ImportFileError(str(exc)) from exc


def _header_key(name: str) -> str:
    """Header cells may span lines or carry stray spaces (the MOHW list does): compare them squeezed."""
    return "".join(normalise(name).split()).lower()


def read_csv(
    source: str | Path | bytes,
    required: Iterable[str],
    aliases: Mapping[str, Iterable[str]] | None = None,
) -> tuple[Iterator[tuple[int, dict[str, str]]], str]:
    """Rows as dicts keyed by canonical column names, with 1-based file row numbers (header = row 1)."""
    text, encoding = read_text(source)
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ImportFileError("file is empty") from exc
    except csv.Error as exc:
        raise ImportFileError(f"not a CSV file: {exc}") from exc
    index: dict[str, int] = {}
    squeezed = [_header_key(h) for h in header]
    wanted = {**{r: [r] for r in required}, **{k: list(v) for k, v in (aliases or {}).items()}}
    for canonical, names in wanted.items():
        for name in [canonical, *names]:
            key = _header_key(name)
            if key in squeezed:
                index[canonical] = squeezed.index(key)
                break
    missing = [r for r in required if r not in index]
    if missing:
        raise ImportFileError(f"missing column(s): {', '.join(missing)} (found: {', '.join(header)})")

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                # Physical line where the record ends: what a person sees in an editor, even when a
                # quoted header or cell spans several lines.
                yield reader.line_num, {k: (cells[i].strip() if i < len(cells) else "") for k, i in index.items()}
        except csv.Error as exc:
            raise ImportFileError(f"malformed CSV near row {reader.line_num}: {exc}") from exc

    return rows(), encoding


# --------------------------------------------------------------------------- field parsing


def _text(row: dict[str, str], name: str, *, required: bool = False, max_length: int = 200) -> str:
    try:
        value = plain_text(row.get(name, ""), name, max_length=max_length)
    except TextError as exc:
        raise RowError(name, str(exc).removeprefix(f"{name} ")) from exc
    if required and not value:
        raise RowError(name, "is empty")
    return value


def _strptime_any(value: str, formats: tuple[str, ...]) -> datetime | None:
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def _date(row: dict[str, str], name: str, *, required: bool = False) -> date | None:
    value = (row.get(name) or "").strip()
    if not value or value == "-":
        if required:
            raise RowError(name, "is empty")
        return None
    parsed = _strptime_any(value, ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"))
    if parsed is None:
        raise RowError(name, f"is not a date (YYYY-MM-DD): {value!r}")
    return parsed.date()


def _time(row: dict[str, str], name: str) -> time | None:
    value = (row.get(name) or "").strip()
    if not value:
        return None
    parsed = _strptime_any(value, ("%H:%M", "%H:%M:%S"))
    if parsed is None:
        raise RowError(name, f"is not a time (HH:MM): {value!r}")
    return parsed.time()


def _int(row: dict[str, str], name: str) -> int | None:
    value = (row.get(name) or "").strip()
    if not value or value == "-":
        return None
    try:
        number = int(float(value))
    except ValueError as exc:
        raise RowError(name, f"is not a number: {value!r}") from exc
    if number < 0:
        raise RowError(name, f"is negative: {value!r}")
    return number


def _coords(row: dict[str, str], lat: str, lng: str) -> tuple[float, float]:
    try:
        return check_korea(row.get(lat), row.get(lng), lat_field=lat, lng_field=lng)
    except CoordinateError as exc:
        raise RowError(f"{lat}/{lng}", str(exc)) from exc


def _bool(row: dict[str, str], name: str, default: bool) -> bool:
    value = (row.get(name) or "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "y", "o", "예", "가능", "t"}:
        return True
    if value in {"0", "false", "no", "n", "x", "아니오", "불가", "f"}:
        return False
    raise RowError(name, f"is not yes/no: {value!r}")


# --------------------------------------------------------------------------- upsert


class Upserter:
    """Collects model instances keyed by (source, source_key) and writes creates/updates in bulk."""

    def __init__(self, model: type[models.Model], source: str, fields: list[str], report: ImportReport) -> None:
        self.model, self.source, self.fields, self.report = model, source, fields, report
        self.existing: dict[str, Any] = {
            obj.source_key: obj
            for obj in model.objects.filter(source=source)  # type: ignore[attr-defined]
        }
        self.seen: dict[str, int] = {}
        self.to_create: list[Any] = []
        self.to_update: list[Any] = []

    def add(self, row_number: int, key: str, values: dict[str, Any]) -> None:
        if key in self.seen:
            raise RowError("row", f"duplicate of row {self.seen[key]}")
        self.seen[key] = row_number
        current = self.existing.get(key)
        if current is None:
            self.to_create.append(self.model(source=self.source, source_key=key, **values))
            self.report.created += 1
            return
        changed = [f for f in self.fields if getattr(current, f) != values.get(f, getattr(current, f))]
        if changed:
            for name in self.fields:
                if name in values:
                    setattr(current, name, values[name])
            self.to_update.append(current)
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def flush(self) -> None:
        self.model._default_manager.bulk_create(self.to_create, batch_size=1000)
        if self.to_update:
            self.model._default_manager.bulk_update(self.to_update, self.fields, batch_size=1000)
        self.to_create, self.to_update = [], []


def _run_rows(
    report: ImportReport, rows: Iterable[tuple[int, dict[str, Any]]], handle: Callable[[int, dict[str, Any]], None]
) -> None:
    for number, row in rows:
        report.read += 1
        try:
            handle(number, row)
        except RowError as exc:
            report.reject(number, exc)


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
    upsert = Upserter(
        Cluster, Source.DS4C, ["name", "province", "city", "lat", "lng", "case_count", "is_group"], report
    )

    def handle(number: int, row: dict[str, str]) -> None:
        lat = lng = None
        if (row["latitude"] or "-") != "-":
            lat, lng = _coords(row, "latitude", "longitude")
        upsert.add(
            number,
            _text(row, "case_id", required=True),
            {
                "name": _text(row, "infection_case", required=True),
                "province": province_en(row["province"]) or _text(row, "province"),
                "city": _text(row, "city"),
                "lat": lat,
                "lng": lng,
                "case_count": _int(row, "confirmed") or 0,
                "is_group": _bool(row, "group", True),
            },
        )

    _run_rows(report, rows, handle)
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
        pid = _text(row, "patient_id", required=True)
        if not pid.isdigit():
            raise RowError("patient_id", f"is not a DS4C patient id: {pid!r}")
        if pid in seen:
            raise RowError("patient_id", f"duplicate of row {seen[pid]}")
        seen[pid] = number
        infection_case = _text(row, "infection_case")
        infected_by = _text(row, "infected_by").split(".")[0]
        values = {
            "global_num": _int(row, "global_num"),
            "sex": _text(row, "sex"),
            "age_band": _text(row, "age"),
            "nationality": _text(row, "country"),
            "province": province_en(row["province"]) or _text(row, "province"),
            "city": _text(row, "city"),
            "infection_case": infection_case,
            "cluster_id": clusters.get(infection_case),
            "infected_by": infected_by,
            "contact_number": _int(row, "contact_number"),
            "symptom_onset_date": _date(row, "symptom_onset_date"),
            "confirmed_date": _date(row, "confirmed_date"),
            "released_date": _date(row, "released_date"),
            "deceased_date": _date(row, "deceased_date"),
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

    _run_rows(report, rows, handle)
    Case.objects.bulk_create(to_create, batch_size=1000)
    Case.objects.bulk_update(to_update, fields, batch_size=1000)
    return report


@transaction.atomic
def import_ds4c_routes(source: str | Path | bytes) -> ImportReport:
    rows, encoding = read_csv(source, ["patient_id", "date", "province", "city", "type", "latitude", "longitude"])
    report = ImportReport("ds4c routes", encoding)
    cases = dict(Case.objects.values_list("number", "id"))
    upsert = Upserter(
        Visit,
        Source.DS4C,
        ["case_id", "date", "place_name", "place_name_en", "category", "address", "province", "lat", "lng"],
        report,
    )

    def handle(number: int, row: dict[str, str]) -> None:
        pid = _text(row, "patient_id", required=True)
        case_id = cases.get(pid)
        if case_id is None:
            raise RowError("patient_id", f"unknown case id {pid!r} (import PatientInfo.csv first)")
        day = _date(row, "date", required=True)
        lat, lng = _coords(row, "latitude", "longitude")
        kind = _text(row, "type") or "etc"
        city = _text(row, "city")
        province = province_en(row["province"]) or _text(row, "province")
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

    _run_rows(report, rows, handle)
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
    upsert = Upserter(
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
            day = _date(row, "date", required=True)
        else:
            try:
                day = date(year, int(row.get("month", "")), int(row.get("day", "")))
            except ValueError as exc:
                raise RowError("month/day", f"is not a date: {row.get('month')!r}/{row.get('day')!r}") from exc
        lat, lng = _coords(row, "lat", "lng")
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

    _run_rows(report, _coronamap_records(data), handle)
    upsert.flush()
    return report


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
    upsert = Upserter(
        Clinic,
        Source.MOHW,
        ["name", "address", "province", "district", "phone", "specimen_collection", "lat", "lng"],
        report,
    )

    def handle(number: int, row: dict[str, str]) -> None:
        name = _text(row, "name", required=True)
        address = _text(row, "address", required=True, max_length=300)
        lat: float | None
        lng: float | None
        if not (row.get("lat") or "").strip() and not (row.get("lng") or "").strip():
            lat = lng = None
            report.warn(number, "lat/lng", "no coordinates: kept, but left off the map and nearest-clinic answers")
        else:
            lat, lng = _coords(row, "lat", "lng")
        phone = _text(row, "phone", max_length=40)
        upsert.add(
            number,
            f"{name}|{address}",
            {
                "name": name,
                "address": address,
                "province": province_en(row.get("province") or address.split(" ")[0]) or _text(row, "province"),
                "district": _text(row, "district"),
                "phone": phone,
                "specimen_collection": _bool(row, "specimen", False),
                "lat": lat,
                "lng": lng,
            },
        )

    _run_rows(report, rows, handle)
    upsert.flush()
    return report


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
    upsert = Upserter(
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
        case_number = _text(row, "case_number", required=True, max_length=40)
        day = _date(row, "date", required=True)
        start, end = _time(row, "start_time"), _time(row, "end_time")
        if start and end and end < start:
            raise RowError("end_time", "is before start_time")
        lat, lng = _coords(row, "lat", "lng")
        place = _text(row, "place_name", required=True)
        address = _text(row, "address", max_length=300)
        case_id = cases.get(case_number)
        if case_id is None:
            case = Case.objects.create(
                number=case_number, source=Source.TEMPLATE, confirmed_date=_date(row, "confirmed_date")
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
                "place_name_en": _text(row, "place_name_en"),
                "category": _text(row, "category", max_length=40),
                "address": address,
                "province": province_en(address.split(" ")[0] if address else "") or "",
                "lat": lat,
                "lng": lng,
                "disclosed": _bool(row, "disclosed", True),
            },
        )

    _run_rows(report, rows, handle)
    upsert.flush()
    return report


IMPORTERS: dict[str, Callable[[Any], ImportReport]] = {
    "ds4c-clusters": import_ds4c_clusters,
    "ds4c-cases": import_ds4c_cases,
    "ds4c-routes": import_ds4c_routes,
    "coronamap": import_coronamap,
    "clinics": import_clinics,
    "template": import_template,
}
