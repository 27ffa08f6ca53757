"""Reading time series: keyword exports (Naver DataLab / Google Trends style) and case counts.

Real exports are messy: a byte-order mark, CP949 text, Google's two header lines, ``<1`` for tiny
values, duplicate dates, gaps, weekly rows mixed into daily files. Each problem becomes a readable
``Issue`` (row, field, what) and the valid part is still returned, so an analysis never dies on one
bad row.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from epiaid.core.korean import decode_bytes


@dataclass
class Issue:
    row: int | None  # 1-based data row in the file (None: whole file/column)
    field: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}"


@dataclass
class SeriesSet:
    """Daily (or weekly…) series on one shared date index; ``issues`` explains what was dropped."""

    frame: pd.DataFrame  # DatetimeIndex named "date", one float column per series
    frequency: str = "D"
    issues: list[Issue] = field(default_factory=list)
    source: str = ""

    @property
    def names(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def values(self, name: str) -> list[float | None]:
        return [None if pd.isna(v) else float(v) for v in self.frame[name].tolist()]

    def dates(self) -> list[str]:
        return [d.strftime("%Y-%m-%d") for d in self.frame.index]

    def to_json(self) -> dict[str, Any]:
        return {
            "dates": self.dates(),
            "series": {n: self.values(n) for n in self.names},
            "frequency": self.frequency,
            "issues": [str(i) for i in self.issues],
        }


class IngestError(ValueError):
    """Nothing usable in the input (the message says why)."""


_DATE_NAMES = ("date", "day", "period", "week", "날짜", "일자", "기간", "일", "주")


def _read_text(source: str | Path | bytes) -> str:
    if isinstance(source, bytes):
        return decode_bytes(source)[0]
    p = Path(source)
    return decode_bytes(p.read_bytes())[0]


def _find_header(lines: list[str]) -> int:
    """Google Trends puts 'Category: …' and a blank line above the header; DataLab a title block."""
    for i, line in enumerate(lines[:20]):
        first = line.split(",")[0].strip().strip('"').lower()
        if any(first.startswith(n) for n in _DATE_NAMES) and "," in line:
            return i
    return 0


def _parse_dates(col: pd.Series) -> pd.Series:
    text = col.astype(str).str.strip()
    compact = text.str.fullmatch(r"\d{8}")
    out = pd.to_datetime(text.where(~compact), errors="coerce", format="mixed")
    if compact.any():
        out = out.fillna(pd.to_datetime(text.where(compact), errors="coerce", format="%Y%m%d"))
    return out


def infer_frequency(index: pd.DatetimeIndex) -> str:
    if len(index) < 3:
        return "D"
    step = pd.Series(index).diff().dt.days.dropna()
    mode = float(step.mode().iloc[0]) if len(step) else 1.0
    if mode >= 28:
        return "MS"
    if mode >= 7:
        return "W"
    return "D"


def read_series(
    source: str | Path | bytes, *, date_column: str | None = None, columns: Sequence[str] | None = None
) -> SeriesSet:
    """A keyword/case table with one date column and numeric columns, cleaned, with issues listed."""
    text = _read_text(source)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise IngestError("the file is empty")
    header = _find_header(lines)
    frame = pd.read_csv(io.StringIO("\n".join(lines[header:])), dtype=str, keep_default_na=False)
    frame.columns = [str(c).strip() for c in frame.columns]
    dcol = date_column or next(
        (c for c in frame.columns if any(c.lower().startswith(n) for n in _DATE_NAMES)), frame.columns[0]
    )
    if dcol not in frame.columns:
        raise IngestError(f"date column {dcol!r} not found; columns are {', '.join(frame.columns)}")
    issues: list[Issue] = []
    dates = _parse_dates(frame[dcol])
    wanted = [c for c in (columns or frame.columns) if c != dcol]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise IngestError(f"column(s) not found: {', '.join(missing)}")
    data: dict[str, pd.Series] = {}
    for c in wanted:
        raw = frame[c].astype(str).str.strip().str.replace(",", "", regex=False)
        raw = raw.str.replace(r"^<\s*1$", "0.5", regex=True)  # Google Trends' "<1"
        num = pd.to_numeric(raw, errors="coerce")
        bad = num.isna() & (raw != "") & ~raw.str.lower().isin(["nan", "null", "none", "na", "-"])
        for i in np.flatnonzero(bad.to_numpy())[:20]:
            issues.append(Issue(int(i) + 1, c, f"not a number: {raw.iloc[i][:40]!r} (treated as missing)"))
        if bad.sum() > 20:
            issues.append(Issue(None, c, f"{int(bad.sum()) - 20} more non-numeric values treated as missing"))
        neg = num < 0
        if neg.any():
            issues.append(
                Issue(
                    int(np.flatnonzero(neg.to_numpy())[0]) + 1,
                    c,
                    f"{int(neg.sum())} negative value(s) treated as missing",
                )
            )
            num = num.mask(neg)
        data[c] = num
    if not data:
        raise IngestError("no value columns besides the date column")
    out = pd.DataFrame(data)
    out.index = pd.DatetimeIndex(dates, name="date")
    bad_dates = out.index.isna()
    for i in np.flatnonzero(bad_dates)[:20]:
        issues.append(Issue(int(i) + 1, dcol, f"unreadable date {str(frame[dcol].iloc[i])[:30]!r}; row skipped"))
    out = out[~bad_dates]
    if out.empty:
        raise IngestError(f"no row has a readable date in column {dcol!r}")
    return clean(out, issues, source=str(source) if not isinstance(source, bytes) else "upload")


def clean(frame: pd.DataFrame, issues: list[Issue] | None = None, source: str = "") -> SeriesSet:
    """Sort, merge duplicate dates (mean, reported), put gaps on a regular calendar as missing."""
    issues = list(issues or [])
    frame = frame.sort_index()
    dup = frame.index.duplicated(keep=False)
    if dup.any():
        days = sorted({d.strftime("%Y-%m-%d") for d in frame.index[dup]})
        issues.append(Issue(None, "date", f"{len(days)} duplicate date(s) averaged, e.g. {', '.join(days[:3])}"))
        frame = frame.groupby(level=0).mean()
    freq = infer_frequency(pd.DatetimeIndex(frame.index))
    if len(frame) > 1:
        full = pd.date_range(
            frame.index[0],
            frame.index[-1],
            freq=freq if freq != "W" else pd.offsets.Week(weekday=frame.index[0].weekday()),
        )
        off_grid = ~frame.index.isin(full)
        if off_grid.any():
            issues.append(Issue(None, "date", f"{int(off_grid.sum())} row(s) off the {freq} calendar resampled"))
            frame = frame.resample(freq if freq != "W" else "W").mean()
            full = frame.index
        gaps = len(full) - len(frame)
        if gaps > 0:
            issues.append(Issue(None, "date", f"{gaps} missing date(s) kept as gaps (not zero)"))
        frame = frame.reindex(full)
    frame.index.name = "date"
    for c in frame.columns:
        col = frame[c]
        if col.notna().sum() == 0:
            issues.append(Issue(None, str(c), "no numeric values"))
        elif float(col.max(skipna=True)) == float(col.min(skipna=True)):
            issues.append(Issue(None, str(c), "constant series: no change can be detected"))
    return SeriesSet(frame=frame.astype(float), frequency=freq, issues=issues, source=source)


def read_search_trend(path: str | Path) -> SeriesSet:
    """DS4C ``SearchTrend.csv``: Naver relative search volume (cold, flu, pneumonia, coronavirus)."""
    return read_series(path)


def read_cases(path: str | Path) -> SeriesSet:
    """Daily new confirmed cases from a cumulative table (DS4C ``Time.csv`` or Coronaboard ``kr_daily``)."""
    s = read_series(path, columns=None)
    keep = [c for c in s.names if c in ("confirmed", "death", "deceased", "released", "test", "tested")]
    frame = s.frame[keep] if keep else s.frame
    if "time" in s.frame.columns and "confirmed" in s.frame.columns:
        frame = s.frame[["confirmed"]]
    # Differences between observed days: an increase across a gap lands on the day after the gap
    # (the total stays right) instead of vanishing into a missing value.
    daily = frame.apply(lambda col: col.dropna().diff().reindex(col.index))
    for c in frame.columns:
        first = frame[c].first_valid_index()
        if first is not None:
            daily.loc[first, c] = frame.loc[first, c]
    neg = daily < 0
    if neg.to_numpy().any():
        s.issues.append(
            Issue(
                None,
                "confirmed",
                f"{int(neg.to_numpy().sum())} decrease(s) in a cumulative count (corrections) set to missing",
            )
        )
    daily = daily.mask(neg)
    daily.columns = [f"new_{c}" for c in daily.columns]
    return SeriesSet(frame=daily, frequency=s.frequency, issues=s.issues, source=s.source)


def read_json_values(text: str) -> list[float | None]:
    """``{"values": [...]}`` (or a bare list): numbers with null for missing."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    values = obj.get("values") if isinstance(obj, dict) else obj
    if values is None and isinstance(obj, dict):
        # tolerate {"series": [{"raw": [...]}]} style single-dimension files
        series = obj.get("series")
        if isinstance(series, list) and series and isinstance(series[0], dict):
            values = series[0].get("raw") or series[0].get("values")
    if not isinstance(values, list):
        raise IngestError('expected {"values": [numbers or null, ...]}')
    out: list[float | None] = []
    for v in values:
        if isinstance(v, bool) or v is None:
            out.append(None)
        elif isinstance(v, int | float):
            out.append(float(v))
        else:
            try:
                out.append(float(v))
            except (TypeError, ValueError):
                out.append(None)
    return out
