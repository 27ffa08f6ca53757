"""Two engines behind one interface: DuckDB (embedded, default) and Spark (distributed, optional).

Both register the same named tables (a ping store folder or an in-memory frame) and run the same
SQL text from :mod:`.sql`. Spark is imported only when asked for (``pip install epiaid[spark]``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from epiaid.investigation.engine.sql import Query


def _split(sql: str | Query, params: Sequence[Any]) -> tuple[str, list[Any]]:
    return (sql.text, list(sql.params)) if isinstance(sql, Query) else (sql, list(params))


class Backend(Protocol):
    name: str

    def register_frame(self, name: str, frame: pd.DataFrame) -> None: ...

    def register_store(self, name: str, root: Path | str) -> None: ...

    def query(self, sql: str | Query, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run SQL with ``?`` placeholders bound to ``params`` (or a :class:`Query` carrying both)."""
        ...

    def close(self) -> None: ...


class DuckDBBackend:
    """Embedded DuckDB; ``threads`` bounds CPU use on shared machines.

    ``confine_to`` (the ping store's folder): the connection may read files there and nowhere else,
    and can write none, so no query over a provider's data can reach the rest of the file system or
    the network, whatever a value in it holds. DuckDB cannot lift this once set on a connection.
    """

    name = "duckdb"

    def __init__(
        self, threads: int | None = None, memory_limit: str | None = None, confine_to: Sequence[Path | str] = ()
    ) -> None:
        import duckdb

        self.con = duckdb.connect()
        if threads:
            self.con.execute("SET threads = ?", [int(threads)])
        if memory_limit:
            self.con.execute("SET memory_limit = ?", [str(memory_limit)])
        if confine_to:
            self.con.execute("SET allowed_directories = ?", [[str(Path(p).resolve()) for p in confine_to]])
            self.con.execute("SET enable_external_access = false")
        self._frames: dict[str, pd.DataFrame] = {}

    def register_frame(self, name: str, frame: pd.DataFrame) -> None:
        self._frames[name] = frame
        self.con.register(name, frame)

    def register_store(self, name: str, root: Path | str) -> None:
        # A view's definition cannot take a bound parameter: the folder is ours (DATA_DIR/…/<id>), the
        # name an identifier of ours, and the quote doubling below is DuckDB's literal escape.
        pattern = str(Path(root).resolve() / "*" / "*.parquet").replace("'", "''")
        if not name.isidentifier():
            raise ValueError(f"table name {name!r} is not an identifier")
        self.con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{pattern}', hive_partitioning = true)"  # noqa: S608
        )

    def query(self, sql: str | Query, params: Sequence[Any] = ()) -> pd.DataFrame:
        text, values = _split(sql, params)
        return self.con.execute(text, values).df()

    def close(self) -> None:
        self.con.close()


_SPARK: Any = None


def spark_session(master: str = "local[2]") -> Any:
    """One local SparkSession per process (starting a JVM costs seconds; tests share it)."""
    global _SPARK
    if _SPARK is not None:
        return _SPARK
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise RuntimeError("Spark support needs the optional extra: pip install 'epiaid[spark]'") from exc
    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
    _SPARK = (
        SparkSession.builder.master(master)
        .appName("epiaid-investigation")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


class SparkBackend:
    """Spark SQL over the same tables; used for stores too large for one machine."""

    name = "spark"

    def __init__(self, master: str = "local[2]") -> None:
        self.spark = spark_session(master)

    def register_frame(self, name: str, frame: pd.DataFrame) -> None:
        data = frame.copy()
        for col in data.columns:
            if isinstance(data[col].dtype, pd.DatetimeTZDtype):
                data[col] = data[col].dt.tz_convert("UTC").dt.tz_localize(None)
        if data.empty:
            raise ValueError(f"table {name} is empty; Spark cannot infer its schema")
        self.spark.createDataFrame(data).createOrReplaceTempView(name)

    def register_store(self, name: str, root: Path | str) -> None:
        self.spark.read.option("basePath", str(root)).parquet(str(Path(root) / "date=*")).createOrReplaceTempView(name)

    def query(self, sql: str | Query, params: Sequence[Any] = ()) -> pd.DataFrame:
        text, values = _split(sql, params)
        return (self.spark.sql(text, args=values) if values else self.spark.sql(text)).toPandas()

    def close(self) -> None:
        """The session is shared for the process; nothing to release per query."""


def make_backend(name: str = "duckdb", **kwargs: Any) -> Backend:
    if name == "duckdb":
        return DuckDBBackend(**kwargs)
    if name == "spark":
        return SparkBackend(**kwargs)
    raise ValueError(f"unknown engine {name!r}: use 'duckdb' or 'spark'")
