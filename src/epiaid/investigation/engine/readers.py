"""Readers that turn every delivered format into the ping schema (or exposure-site tables).

Each reader raises :class:`~epiaid.investigation.engine.schema.PingError` naming the row and field
of the first bad value, so a provider's broken upload is refused whole rather than half stored.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from epiaid.investigation.engine.schema import PING_COLUMNS, PingError, ValidationReport, normalise

#: Column aliases accepted in our documented CSV (Korean headers included for provider exports).
ALIASES: dict[str, str] = {
    "person_id": "pid",
    "user_id": "pid",
    "uid": "pid",
    "대상자": "pid",
    "timestamp": "time",
    "datetime": "time",
    "tracked_at": "time",
    "일시": "time",
    "latitude": "lat",
    "위도": "lat",
    "lng": "lon",
    "longitude": "lon",
    "경도": "lon",
    "accuracy": "accuracy_m",
    "정확도": "accuracy_m",
    "cell": "cell_id",
    "기지국": "cell_id",
}


def _rename(df: pd.DataFrame) -> pd.DataFrame:
    return df.rename(columns={c: ALIASES.get(c.strip(), c.strip()) for c in df.columns})


def read_ping_csv(
    path: Path | str,
    *,
    assume_tz: str | None = None,
    source: str | None = None,
    provider: str | None = None,
    report: ValidationReport | None = None,
) -> pd.DataFrame:
    """A CSV in our documented schema (``pid,time,lat,lon,cell_id,accuracy_m,source,provider``)."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PingError(f"{Path(path).name} is not UTF-8 text: {exc}") from exc
    return normalise(_rename(raw), source=source, provider=provider, assume_tz=assume_tz, report=report)


def read_ping_parquet(path: Path | str, *, assume_tz: str | None = None) -> pd.DataFrame:
    raw = pd.read_parquet(path)
    return normalise(_rename(raw), assume_tz=assume_tz)


def read_geolife_plt(path: Path | str, pid: str | None = None, *, provider: str = "geolife") -> pd.DataFrame:
    """One GeoLife ``.plt`` trajectory (6 header lines; lat, lon, 0, altitude ft, days, date, time in UTC)."""
    p = Path(path)
    person = pid if pid is not None else p.parent.parent.name
    raw = pd.read_csv(
        p,
        skiprows=6,
        header=None,
        names=["lat", "lon", "zero", "alt", "days", "date", "clock"],
        dtype={"date": str, "clock": str},
    )
    frame = pd.DataFrame(
        {
            "pid": person,
            "time": pd.to_datetime(raw["date"] + " " + raw["clock"], utc=True, format="%Y-%m-%d %H:%M:%S"),
            "lat": raw["lat"],
            "lon": raw["lon"],
        }
    )
    return normalise(frame, source="gps", provider=provider)


def read_geolife_dir(root: Path | str, *, provider: str = "geolife") -> pd.DataFrame:
    """Every ``<user>/Trajectory/*.plt`` under ``root`` (the GeoLife layout)."""
    files = sorted(Path(root).glob("*/Trajectory/*.plt"))
    if not files:
        raise PingError(f"no GeoLife .plt files under {root}")
    return pd.concat([read_geolife_plt(f, provider=provider) for f in files], ignore_index=True)


def read_skmob_sample(path: Path | str) -> pd.DataFrame:
    """scikit-mobility's GeoLife sample (``lat,lng,datetime,uid``, times in UTC, may be gzipped)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as fh:  # type: ignore[operator]
        raw = pd.read_csv(fh, dtype={"uid": str})
    frame = pd.DataFrame(
        {"pid": raw["uid"], "time": pd.to_datetime(raw["datetime"], utc=True), "lat": raw["lat"], "lon": raw["lng"]}
    )
    return normalise(frame, source="gps", provider="geolife")


def read_card_csv(
    path: Path | str, *, provider: str, assume_tz: str = "Asia/Seoul", accuracy_m: float = 50.0
) -> pd.DataFrame:
    """Card transactions (``pid,time,merchant,address,lat,lon``) as pings at the merchant.

    Card companies report local time; merchant name and address are kept out of the ping table
    (they are venue metadata, looked up again when a visit is published).
    """
    raw = _rename(pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"))
    for col in ("pid", "time", "lat", "lon"):
        if col not in raw.columns:
            raise PingError(f"card file lacks column {col!r}", field=col)
    if "accuracy_m" not in raw.columns:
        raw["accuracy_m"] = accuracy_m
    return normalise(raw, source="card", provider=provider, assume_tz=assume_tz)


#: The longest venue stay a QR check-in may describe, and the most pings one file may expand to: both
#: are checked on the intervals before a single ping is made, so a check-in from 1970 to 2100 (half a
#: billion pings) is refused at once instead of filling the memory.
MAX_CHECKIN_HOURS = 24
MAX_EXPANDED_PINGS = 2_000_000


def read_qr_csv(
    path: Path | str, *, provider: str, assume_tz: str = "Asia/Seoul", step_s: int = 300, accuracy_m: float = 30.0
) -> pd.DataFrame:
    """QR check-ins (``pid,venue,time_in,time_out,lat,lon``) expanded to pings every ``step_s``.

    A check-in is an interval, not a point; expanding it at the same cadence as other sources lets
    the one contact query treat a venue stay like any other co-location. Stays longer than
    :data:`MAX_CHECKIN_HOURS`, or files that would expand past :data:`MAX_EXPANDED_PINGS`, are refused
    before expansion.
    """
    raw = _rename(pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"))
    for col in ("pid", "time_in", "time_out", "lat", "lon"):
        if col not in raw.columns:
            raise PingError(f"QR file lacks column {col!r}", field=col)
    rows: list[dict[str, object]] = []
    t_in = pd.to_datetime(raw["time_in"], errors="coerce")
    t_out = pd.to_datetime(raw["time_out"], errors="coerce")
    expanded = 0
    for i in range(len(raw)):
        if pd.isna(t_in.iloc[i]) or pd.isna(t_out.iloc[i]):
            continue  # named below, row by row
        stay_s = (t_out.iloc[i] - t_in.iloc[i]).total_seconds()
        if stay_s > MAX_CHECKIN_HOURS * 3600:
            raise PingError(
                f"a check-in of {stay_s / 3600:.0f} h is longer than {MAX_CHECKIN_HOURS} h", row=i + 1, field="time_out"
            )
        expanded += max(0, int(stay_s // step_s) + 1)
        if expanded > MAX_EXPANDED_PINGS:
            raise PingError(f"the check-ins would expand to more than {MAX_EXPANDED_PINGS} pings", row=i + 1)
    for i in range(len(raw)):
        if pd.isna(t_in.iloc[i]):
            raise PingError(f"unparseable timestamp {raw['time_in'].iloc[i]!r}", row=i + 1, field="time_in")
        if pd.isna(t_out.iloc[i]):
            raise PingError(f"unparseable timestamp {raw['time_out'].iloc[i]!r}", row=i + 1, field="time_out")
        if t_out.iloc[i] < t_in.iloc[i]:
            raise PingError("time_out is before time_in", row=i + 1, field="time_out")
        for t in pd.date_range(t_in.iloc[i], t_out.iloc[i], freq=f"{step_s}s"):
            rows.append(
                {
                    "pid": raw["pid"].iloc[i],
                    "time": t,
                    "lat": raw["lat"].iloc[i],
                    "lon": raw["lon"].iloc[i],
                    "accuracy_m": accuracy_m,
                }
            )
    frame = pd.DataFrame(rows, columns=["pid", "time", "lat", "lon", "accuracy_m"])
    return normalise(frame, source="qr", provider=provider, assume_tz=assume_tz)


_SG_TIME = re.compile(r"^\s*(\d{3,4})h\s*to\s*(\d{3,4})h\s*$")


def read_sg_exposure_sites(path: Path | str, *, year: int = 2021, tz: str = "Asia/Singapore") -> pd.DataFrame:
    """Singapore MOH "public places visited" (``Date,Time,Location,Store,Address,lon,lat``).

    Returns ``site_id, name, address, lat, lon, start_ts, end_ts`` (epoch seconds, UTC). Rows whose
    time window cannot be parsed raise with their row number rather than being skipped.
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    out: list[dict[str, object]] = []
    for i, row in raw.iterrows():
        n = int(str(i)) + 1
        m = _SG_TIME.match(row["Time"])
        if not m:
            raise PingError(f"time window {row['Time']!r} is not 'HHMMh to HHMMh'", row=n, field="Time")
        days = _sg_days(row["Date"], year)
        if days is None:
            raise PingError(f"date {row['Date']!r} is not like '1 Jun' or '27 to 31 May'", row=n, field="Date")
        name = row["Location"] + (f" ({row['Store']})" if row["Store"] else "")
        for day in days:  # a multi-day entry repeats the same daily window
            start = day + pd.Timedelta(hours=int(m.group(1)[:-2]), minutes=int(m.group(1)[-2:]))
            end = day + pd.Timedelta(hours=int(m.group(2)[:-2]), minutes=int(m.group(2)[-2:]))
            if end < start:  # window across midnight
                end += pd.Timedelta(days=1)
            out.append(
                {
                    "site_id": n,
                    "name": name,
                    "address": row["Address"],
                    "lat": float(row["lat"]),
                    "lon": float(row["lon"]),
                    "start_ts": int(pd.Timestamp(start).tz_localize(tz).timestamp()),
                    "end_ts": int(pd.Timestamp(end).tz_localize(tz).timestamp()),
                }
            )
    return pd.DataFrame(out)


_SG_RANGE = re.compile(r"^\s*(\d{1,2})\s*(?:([A-Z][a-z]{2})\s*)?(?:to\s*(\d{1,2})\s*)?([A-Z][a-z]{2})\s*$")


def _sg_days(text: str, year: int) -> list[pd.Timestamp] | None:
    """'1 Jun' → [1 Jun]; '27 to 31 May' → 27..31 May; '30 May to 2 Jun' is not in the data but parses."""
    m = _SG_RANGE.match(text)
    if not m:
        return None
    first_month = m.group(2) or m.group(4)
    start = pd.to_datetime(f"{m.group(1)} {first_month} {year}", format="%d %b %Y", errors="coerce")
    end = pd.to_datetime(f"{m.group(3) or m.group(1)} {m.group(4)} {year}", format="%d %b %Y", errors="coerce")
    if pd.isna(start) or pd.isna(end) or end < start:
        return None
    return list(pd.date_range(start, end, freq="D"))


def concat_pings(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [f.loc[:, list(PING_COLUMNS)] for f in frames if len(f)]
    if not parts:
        from epiaid.investigation.engine.schema import empty_pings

        return empty_pings()
    return pd.concat(parts, ignore_index=True)


def describe(df: pd.DataFrame) -> dict[str, object]:
    """A small summary (counts by source, time span) shown after an upload."""
    if df.empty:
        return {"rows": 0}
    return {
        "rows": len(df),
        "people": int(df["pid"].nunique()),
        "by_source": {k: int(v) for k, v in df["source"].value_counts().items()},
        "first": df["time"].min().isoformat(),
        "last": df["time"].max().isoformat(),
        "accuracy_median_m": float(np.nanmedian(df["accuracy_m"])),
    }
