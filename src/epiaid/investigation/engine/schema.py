"""The one ping schema every source is normalised into, and its validation.

A ping is one observation of one pseudonymous person: a GPS fix, a base-station registration, a
card payment geocoded to the merchant, or a QR venue check-in. Keeping all four in one table is
what lets one query rebuild a path "with every point tagged by its source".

Columns (Parquet / DuckDB / Spark types):

- ``pid`` VARCHAR: pseudonymous person id (never a phone number or card number).
- ``time`` TIMESTAMP (UTC, microseconds).
- ``ts`` BIGINT: the same instant in epoch seconds. Derived, but stored so that the analytic SQL
  needs no dialect-specific time functions and stays portable between DuckDB and Spark.
- ``lat``/``lon`` DOUBLE: WGS84, may be null for a pure cell-id ping not yet resolved.
- ``cell_id`` VARCHAR: base-station id when known.
- ``accuracy_m`` DOUBLE: radius of uncertainty (GPS error, cell coverage, a merchant's footprint).
- ``source`` VARCHAR: ``cell`` | ``gps`` | ``card`` | ``qr``.
- ``provider`` VARCHAR: who delivered the data (carrier, card company, QR operator).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

SOURCES: tuple[str, ...] = ("cell", "gps", "card", "qr")

#: Accuracy assumed when a source does not state one (metres); documented defaults, not guesses
#: per row: a macro cell in a city covers ~0.5–2 km, a smartphone GPS fix ~10–30 m.
DEFAULT_ACCURACY_M: dict[str, float] = {"cell": 1000.0, "gps": 30.0, "card": 50.0, "qr": 30.0}

PING_COLUMNS: tuple[str, ...] = ("pid", "time", "ts", "lat", "lon", "cell_id", "accuracy_m", "source", "provider")

PING_SCHEMA = pa.schema(
    [
        ("pid", pa.string()),
        ("time", pa.timestamp("us", tz="UTC")),
        ("ts", pa.int64()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("cell_id", pa.string()),
        ("accuracy_m", pa.float64()),
        ("source", pa.string()),
        ("provider", pa.string()),
    ]
)


class PingError(ValueError):
    """Input that cannot become a ping; the message names the row and the field."""

    def __init__(self, message: str, *, row: int | None = None, field: str | None = None) -> None:
        where = []
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.row = row
        self.field = field


@dataclass
class ValidationReport:
    """What normalisation did: how many rows were kept and every problem found, by row."""

    rows_in: int = 0
    rows_out: int = 0
    duplicates_dropped: int = 0
    accuracy_defaulted: int = 0
    problems: list[str] = field(default_factory=list)


def parse_times(values: pd.Series, *, assume_tz: str | None, field_name: str = "time") -> pd.Series:
    """Parse timestamps to UTC; naive values need an explicit zone, ambiguity is an error.

    A naive timestamp silently read as UTC shifts a Korean path by nine hours, which is exactly
    the kind of error that puts a case at the wrong venue, so it is refused unless ``assume_tz``
    says what the zone is.
    """
    text = values.astype("string").str.strip()
    for i in np.flatnonzero((text.isna() | text.eq("")).to_numpy()):
        raise PingError("timestamp is missing", row=int(i) + 1, field=field_name)
    probe = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    for i in np.flatnonzero(probe.isna().to_numpy()):
        raise PingError(f"unparseable timestamp {values.iloc[i]!r}", row=int(i) + 1, field=field_name)
    has_zone = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).to_numpy()
    if has_zone.any() and not has_zone.all():
        first = int(np.flatnonzero(~has_zone)[0])
        raise PingError(
            f"timestamp {values.iloc[first]!r} has no time zone while others do", row=first + 1, field=field_name
        )
    if not has_zone.any() and assume_tz is None:
        raise PingError(
            "timestamps carry no time zone; pass the zone they were recorded in (e.g. Asia/Seoul)",
            row=1,
            field=field_name,
        )
    parsed = pd.to_datetime(text, errors="coerce", utc=bool(has_zone.all()), format="mixed")
    for i in np.flatnonzero(parsed.isna().to_numpy()):
        raise PingError(f"unparseable timestamp {values.iloc[i]!r}", row=int(i) + 1, field=field_name)
    if has_zone.all():
        return parsed
    return parsed.dt.tz_localize(assume_tz, ambiguous="raise", nonexistent="raise").dt.tz_convert("UTC")


def normalise(
    frame: pd.DataFrame,
    *,
    source: str | None = None,
    provider: str | None = None,
    assume_tz: str | None = None,
    report: ValidationReport | None = None,
) -> pd.DataFrame:
    """Validate a frame with at least ``pid``, ``time`` and a position into the ping schema.

    Raises :class:`PingError` naming the first bad row and field; never drops a bad row silently
    (except exact duplicates, which are counted in ``report``).
    """
    rep = report if report is not None else ValidationReport()
    rep.rows_in = len(frame)
    df = frame.copy()
    for col in ("pid", "time"):
        if col not in df.columns:
            raise PingError(f"missing column {col!r} (have {', '.join(map(str, df.columns))})", field=col)
    if source is not None:
        df["source"] = source
    if provider is not None:
        df["provider"] = provider
    for col in ("source", "provider", "cell_id"):
        if col not in df.columns:
            df[col] = None
    for col in ("lat", "lon", "accuracy_m"):
        if col not in df.columns:
            df[col] = np.nan
    pid = df["pid"].astype("string").str.strip()
    for i in np.flatnonzero((pid.isna() | pid.eq("")).to_numpy()):
        raise PingError("person id is empty", row=int(i) + 1, field="pid")
    df["pid"] = pid
    bad_source = ~df["source"].isin(SOURCES)
    for i in np.flatnonzero(bad_source.to_numpy()):
        raise PingError(
            f"source must be one of {', '.join(SOURCES)}, got {df['source'].iloc[i]!r}", row=int(i) + 1, field="source"
        )
    if pd.api.types.is_datetime64_any_dtype(df["time"]):
        t = df["time"]
        if getattr(t.dtype, "tz", None) is None:
            if assume_tz is None:
                raise PingError("timestamps carry no time zone; pass assume_tz", row=1, field="time")
            t = t.dt.tz_localize(assume_tz)
        df["time"] = t.dt.tz_convert("UTC")
    else:
        df["time"] = parse_times(df["time"], assume_tz=assume_tz)
    df["time"] = df["time"].astype("datetime64[us, UTC]")
    for col in ("lat", "lon", "accuracy_m"):
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna() & df[col].notna() & df[col].astype("string").str.strip().ne("")
        for i in np.flatnonzero(bad.to_numpy()):
            raise PingError(f"not a number: {df[col].iloc[i]!r}", row=int(i) + 1, field=col)
        df[col] = num.astype("float64")
    lat, lon = df["lat"].to_numpy(), df["lon"].to_numpy()
    has_pos = ~np.isnan(lat) & ~np.isnan(lon)
    no_pos = ~has_pos & df["cell_id"].isna().to_numpy()
    for i in np.flatnonzero(no_pos):
        raise PingError("neither lat/lon nor cell_id given", row=int(i) + 1, field="lat")
    lat_bad = has_pos & (np.abs(lat) > 90)
    for i in np.flatnonzero(lat_bad):
        if abs(lon[i]) <= 90 and abs(lat[i]) <= 180:
            raise PingError(f"lat/lon look swapped: lat={lat[i]}, lon={lon[i]}", row=int(i) + 1, field="lat")
        raise PingError(f"latitude {lat[i]} is outside -90..90", row=int(i) + 1, field="lat")
    for i in np.flatnonzero(has_pos & (np.abs(lon) > 180)):
        raise PingError(f"longitude {lon[i]} is outside -180..180", row=int(i) + 1, field="lon")
    acc = df["accuracy_m"].to_numpy()
    for i in np.flatnonzero(acc < 0):
        raise PingError(f"accuracy must be ≥ 0 m, got {acc[i]}", row=int(i) + 1, field="accuracy_m")
    missing_acc = np.isnan(acc)
    rep.accuracy_defaulted = int(missing_acc.sum())
    if missing_acc.any():
        defaults = df["source"].map(DEFAULT_ACCURACY_M).to_numpy(dtype="float64")
        df["accuracy_m"] = np.where(missing_acc, defaults, acc)
    df["ts"] = df["time"].astype("int64") // 1_000_000
    df = df.loc[:, list(PING_COLUMNS)]
    before = len(df)
    df = df.drop_duplicates(subset=["pid", "ts", "lat", "lon", "cell_id", "source"]).reset_index(drop=True)
    rep.duplicates_dropped = before - len(df)
    rep.rows_out = len(df)
    return df


def to_arrow(df: pd.DataFrame) -> pa.Table:
    """The validated frame as an Arrow table with exactly :data:`PING_SCHEMA`."""
    return pa.Table.from_pandas(df.loc[:, list(PING_COLUMNS)], schema=PING_SCHEMA, preserve_index=False)


def empty_pings() -> pd.DataFrame:
    return PING_SCHEMA.empty_table().to_pandas()
