"""Parse an outlet list (the 2020 ``/stores/json`` dump as CSV) into validated rows.

Parsing is separate from storing so that a bad file is reported completely (row and field) before
anything is written, and so the parser can be used without the web app.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from epiaid.core.korean import decode_bytes, normalise
from epiaid.masks.engine.stock import OUTLET_TYPES, valid_code

_LAT_COLUMNS = ("latitude", "lat")
_LNG_COLUMNS = ("longitude", "lng", "lon")
LAT_RANGE = (33.0, 43.0)
LNG_RANGE = (124.0, 132.0)


@dataclass(frozen=True)
class OutletRow:
    code: str
    name: str
    addr: str
    type: str
    lat: float | None
    lng: float | None


@dataclass
class ParseResult:
    rows: list[OutletRow] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # "row N, field: problem"
    warnings: list[str] = field(default_factory=list)
    read: int = 0

    @property
    def without_coordinates(self) -> list[OutletRow]:
        return [r for r in self.rows if r.lat is None]


def _column(header: list[str], names: tuple[str, ...], required: bool = True) -> str | None:
    for name in names:
        if name in header:
            return name
    if required:
        raise ValueError(f"missing column: one of {', '.join(names)} (found {', '.join(header)})")
    return None


def _coordinate(text: str, low: float, high: float) -> float | None:
    value = float(text)
    if math.isnan(value) or not low <= value <= high:
        raise ValueError(f"{value} is outside {low}–{high}")
    return value


def parse_outlets(data: bytes | str | Path) -> ParseResult:
    """Validate every row; an outlet with no coordinates is kept (listed, but not on the map)."""
    if isinstance(data, Path):
        data = data.read_bytes()
    text = decode_bytes(data)[0] if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    for name in ("code", "name", "addr", "type"):
        _column(header, (name,))
    lat_col, lng_col = _column(header, _LAT_COLUMNS), _column(header, _LNG_COLUMNS)
    result = ParseResult()
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):  # row 1 is the header
        result.read += 1
        code = normalise(raw.get("code"))
        outlet_type = normalise(raw.get("type")).zfill(2)
        where = f"row {number}"
        if outlet_type not in OUTLET_TYPES:
            result.rejected.append(f"{where}, type: {raw.get('type')!r} is not 01, 02 or 03")
            continue
        if not code.isascii() or not code.isdigit():
            result.rejected.append(f"{where}, code: {code!r} is not a string of digits")
            continue
        if code in seen:
            result.rejected.append(f"{where}, code: {code} appears twice in the file")
            continue
        if not valid_code(code, outlet_type):
            expected = 8 if outlet_type == "01" else 10
            result.warnings.append(f"{where}, code: {code} has {len(code)} digits, expected {expected} (kept)")
        name = normalise(raw.get("name"))
        if not name:
            result.rejected.append(f"{where}, name: empty")
            continue
        addr = (raw.get("addr") or "").strip().rstrip(",").strip()
        lat_text, lng_text = (raw.get(lat_col or "") or "").strip(), (raw.get(lng_col or "") or "").strip()
        lat: float | None = None
        lng: float | None = None
        if lat_text or lng_text:
            try:
                lat = _coordinate(lat_text, *LAT_RANGE)
                lng = _coordinate(lng_text, *LNG_RANGE)
            except ValueError as exc:
                result.rejected.append(f"{where}, latitude/longitude: {exc}")
                continue
        seen.add(code)
        result.rows.append(OutletRow(code=code, name=name, addr=addr, type=outlet_type, lat=lat, lng=lng))
    return result
