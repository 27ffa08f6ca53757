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


@dataclass
class OutletUnion:
    """Several outlet lists as one: every code once, a later list's row replacing an earlier one's.

    The 2020 dumps each miss outlets (one skipped pages and rows while scraping; a later one lacks
    outlets that closed), so the union is the best list we have; the counts say what came from where.
    """

    parsed: ParseResult
    sources: list[tuple[str, int]]  # (name, valid rows) in the order given
    in_several: int = 0  # codes found in more than one list
    replaced: int = 0  # of those, codes whose row a later list changed (name, address, type or coordinates)

    def summary(self) -> str:
        listed = ", ".join(f"{name} {rows:,} rows" for name, rows in self.sources)
        return (
            f"{listed}: union {len(self.parsed.rows):,} outlets, {self.in_several:,} in more than one list, "
            f"{self.replaced:,} of them differing (the later list wins)"
        )


def union_outlets(lists: list[tuple[str, ParseResult]]) -> OutletUnion:
    """Merge parsed lists given oldest first; rejected rows and warnings keep their file's name."""
    merged: dict[str, OutletRow] = {}
    seen_in: dict[str, int] = {}
    differing: set[str] = set()
    result = ParseResult()
    union = OutletUnion(parsed=result, sources=[])
    for name, parsed in lists:
        union.sources.append((name, len(parsed.rows)))
        result.read += parsed.read
        result.rejected.extend(f"{name}: {line}" for line in parsed.rejected)
        result.warnings.extend(f"{name}: {line}" for line in parsed.warnings)
        for row in parsed.rows:
            earlier = merged.get(row.code)
            if earlier is not None:
                if seen_in[row.code] == 1:
                    union.in_several += 1
                if earlier != row:
                    differing.add(row.code)
            seen_in[row.code] = seen_in.get(row.code, 0) + 1
            merged[row.code] = row
    result.rows = list(merged.values())
    union.replaced = len(differing)
    return union
