"""The same SQL gives identical answers on DuckDB and on Spark local[2] (one session for all)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from epiaid.investigation.engine.analytics import case_path, contacts, hotspots, match_exposure_sites
from epiaid.investigation.engine.backends import DuckDBBackend, SparkBackend
from epiaid.investigation.engine.staypoints import staypoints
from epiaid.investigation.engine.store import write_pings
from epiaid.investigation.engine.synth import PlantedTruth, SynthConfig, population_frame

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark not installed (epiaid[spark])"),
]


@pytest.fixture(scope="module")
def spark_population() -> tuple[pd.DataFrame, PlantedTruth]:
    """Smaller than the other tests' population: Spark local pays per row in JVM time."""
    return population_frame(SynthConfig(n_people=120, n_index=2, contacts_per_index=3, seed=5))


@pytest.fixture(scope="module")
def engines(
    spark_population: tuple[pd.DataFrame, PlantedTruth], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DuckDBBackend, SparkBackend]]:
    df, _ = spark_population
    root = tmp_path_factory.mktemp("store")
    write_pings(df, root)
    duck, spark = DuckDBBackend(threads=1), SparkBackend("local[2]")
    for b in (duck, spark):
        b.register_store("pings", root)
    yield duck, spark
    duck.close()


def _same(a: pd.DataFrame, b: pd.DataFrame, float_cols: tuple[str, ...] = ()) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    other = [c for c in a.columns if c not in float_cols]
    pd.testing.assert_frame_equal(
        a[other].reset_index(drop=True).astype(str), b[other].reset_index(drop=True).astype(str)
    )
    for c in float_cols:
        assert np.allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-9, atol=1e-6)


def test_contacts_are_identical(
    engines: tuple[DuckDBBackend, SparkBackend], spark_population: tuple[pd.DataFrame, PlantedTruth]
) -> None:
    _, truth = spark_population
    t0 = truth.day_start_ts[0]
    a, b = (contacts(e, truth.index_pids, t0, t0 + 86400) for e in engines)
    assert len(a) > 0
    _same(a, b, ("min_distance_m",))


def test_path_is_identical(
    engines: tuple[DuckDBBackend, SparkBackend], spark_population: tuple[pd.DataFrame, PlantedTruth]
) -> None:
    _, truth = spark_population
    t0 = truth.day_start_ts[0]
    a, b = (case_path(e, truth.index_pids[0], t0, t0 + 86400, gap_s=600) for e in engines)
    assert len(a) == 288
    _same(a, b, ("lat", "lon", "accuracy_m"))


def test_exposure_sites_and_hotspots_are_identical(
    engines: tuple[DuckDBBackend, SparkBackend], spark_population: tuple[pd.DataFrame, PlantedTruth]
) -> None:
    df, truth = spark_population
    stays = staypoints(df[df["accuracy_m"] <= 100])
    sites = pd.DataFrame(
        {
            "site_id": [1, 2],
            "lat": [v[0] for v in list(truth.venue.values())[:2]],
            "lon": [v[1] for v in list(truth.venue.values())[:2]],
            "start_ts": [truth.day_start_ts[0] + 19 * 3600] * 2,
            "end_ts": [truth.day_start_ts[0] + 21 * 3600] * 2,
        }
    )
    a, b = (match_exposure_sites(e, stays, sites, radius_m=100) for e in engines)
    assert len(a) >= 5
    _same(a, b, ("distance_m",))
    case_stays = stays[stays["pid"].isin(truth.index_pids) | stays["pid"].isin(set().union(*truth.contacts.values()))]
    h1, h2 = (hotspots(e, case_stays, cell_m=200) for e in engines)
    _same(h1, h2, ("lat", "lon", "overlap_min", "expected", "score"))


def test_spark_reads_the_partitioned_store(tmp_path: Path, spark_population: tuple[pd.DataFrame, PlantedTruth]) -> None:
    df, _ = spark_population
    write_pings(df.head(500), tmp_path)
    spark = SparkBackend("local[2]")
    spark.register_store("few", tmp_path)
    assert int(spark.query("SELECT COUNT(*) AS n FROM few")["n"].iloc[0]) == 500
