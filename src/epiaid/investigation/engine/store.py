"""Parquet ping store: one folder per investigation, partitioned by date.

Deleting an investigation's data is deleting one folder, which is what makes the retention purge
provable (nothing lives in a shared file). Within a partition rows are sorted by ``pid, ts`` so
that Parquet row-group statistics let DuckDB skip everything but one person's rows for a path.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from epiaid.investigation.engine.schema import PING_COLUMNS, to_arrow

ROW_GROUP_ROWS = 64_000


def write_pings(df: pd.DataFrame, root: Path | str, *, batch: str | None = None) -> list[Path]:
    """Append validated pings under ``root/date=YYYY-MM-DD/<batch>.parquet``; returns files written.

    Appending never rewrites an existing file: an upload that fails half-way leaves earlier
    deliveries untouched.
    """
    root = Path(root)
    if df.empty:
        return []
    tag = batch or uuid.uuid4().hex[:12]
    dates = df["time"].dt.strftime("%Y-%m-%d")
    written: list[Path] = []
    for day, part in df.groupby(dates, sort=True):
        folder = root / f"date={day}"
        folder.mkdir(parents=True, exist_ok=True)
        part = part.sort_values(["pid", "ts"], kind="stable")
        path = folder / f"{tag}.parquet"
        tmp = folder / f".{tag}.parquet.tmp"
        pq.write_table(to_arrow(part), tmp, row_group_size=ROW_GROUP_ROWS, compression="zstd")
        tmp.replace(path)
        written.append(path)
    return written


def write_arrow_partition(table: pa.Table, root: Path | str, day: str, name: str) -> Path:
    """Write one already-sorted Arrow table as a file of a date partition (used by the generator)."""
    folder = Path(root) / f"date={day}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    pq.write_table(table, path, row_group_size=ROW_GROUP_ROWS, compression="zstd")
    return path


def parquet_glob(root: Path | str) -> str:
    return str(Path(root) / "*" / "*.parquet")


def has_data(root: Path | str) -> bool:
    return any(Path(root).glob("date=*/*.parquet"))


def read_all(root: Path | str) -> pd.DataFrame:
    """Every ping in the store as a frame in the ping schema (small stores: tests, exports)."""
    import duckdb

    if not has_data(root):
        from epiaid.investigation.engine.schema import empty_pings

        return empty_pings()
    cols = ", ".join(PING_COLUMNS)
    con = duckdb.connect()
    try:
        return con.execute(
            f"SELECT {cols} FROM read_parquet(?, hive_partitioning = false) ORDER BY pid, ts",  # noqa: S608 - our column list
            [parquet_glob(root)],
        ).df()
    finally:
        con.close()


def delete_store(root: Path | str) -> int:
    """Remove the whole store; returns how many Parquet files were deleted."""
    root = Path(root)
    if not root.exists():
        return 0
    count = sum(1 for _ in root.rglob("*.parquet"))
    shutil.rmtree(root)
    return count
