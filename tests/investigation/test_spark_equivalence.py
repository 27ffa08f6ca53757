"""The same SQL gives identical answers on DuckDB and on Spark local[2].

One test on purpose: starting Spark's JVM costs most of a minute on a busy 2-core machine, and
pytest-xdist would start one per worker if the checks were split into several tests.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from epiaid.investigation.engine.analytics import case_path, contacts, hotspots, match_exposure_sites
from epiaid.investigation.engine.backends import DuckDBBackend, SparkBackend
from epiaid.investigation.engine.staypoints import staypoints
from epiaid.investigation.engine.store import write_pings
from epiaid.investigation.engine.synth import SynthConfig, population_frame

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark not installed (epiaid[spark])"),
]


def _same(a: pd.DataFrame, b: pd.DataFrame, float_cols: tuple[str, ...] = ()) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    other = [c for c in a.columns if c not in float_cols]
    pd.testing.assert_frame_equal(
        a[other].reset_index(drop=True).astype(str), b[other].reset_index(drop=True).astype(str)
    )
    for c in float_cols:
        assert np.allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-9, atol=1e-6)


def test_duckdb_and_spark_give_identical_results(tmp_path: Path) -> None:
    df, truth = population_frame(SynthConfig(n_people=120, n_index=2, contacts_per_index=3, seed=5))
    write_pings(df, tmp_path)
    duck, spark = DuckDBBackend(threads=1), SparkBackend("local[2]")
    for b in (duck, spark):
        b.register_store("pings", tmp_path)
    t0 = truth.day_start_ts[0]

    assert int(spark.query("SELECT COUNT(*) AS n FROM pings")["n"].iloc[0]) == len(df)

    a, b = (contacts(e, truth.index_pids, t0, t0 + 86400) for e in (duck, spark))
    assert len(a) > 0
    _same(a, b, ("min_distance_m",))

    a, b = (case_path(e, truth.index_pids[0], t0, t0 + 86400, gap_s=600) for e in (duck, spark))
    assert len(a) == 288
    _same(a, b, ("lat", "lon", "accuracy_m"))

    stays = staypoints(df[df["accuracy_m"] <= 100])
    venues = list(truth.venue.values())
    sites = pd.DataFrame(
        {
            "site_id": [1, 2],
            "lat": [v[0] for v in venues],
            "lon": [v[1] for v in venues],
            "start_ts": [t0 + 19 * 3600] * 2,
            "end_ts": [t0 + 21 * 3600] * 2,
        }
    )
    a, b = (match_exposure_sites(e, stays, sites, radius_m=100) for e in (duck, spark))
    assert len(a) >= 5
    _same(a, b, ("distance_m",))

    people = set(truth.index_pids).union(*truth.contacts.values())
    case_stays = stays[stays["pid"].isin(people)]
    h1, h2 = (hotspots(e, case_stays, cell_m=200) for e in (duck, spark))
    assert len(h1) > 0
    _same(h1, h2, ("lat", "lon", "overlap_min", "expected", "score"))

    # A provider's pseudonym is bound as a parameter on both engines: one ending in a backslash or
    # carrying a quote matches itself only (on Spark, a backslash escaped the closing quote of a literal).
    hostile = df[df["pid"] == truth.index_pids[0]].head(3).assign(pid="x' OR '1'='1\\")
    for e in (duck, spark):
        e.register_frame("hostile", pd.concat([hostile, df.head(5)]))
        found = case_path(e, "x' OR '1'='1\\", t0, t0 + 86400, pings="hostile")
        assert len(found) == 3 and set(found["pid"]) == {"x' OR '1'='1\\"}
        assert case_path(e, "x", t0, t0 + 86400, pings="hostile").empty
    duck.close()
