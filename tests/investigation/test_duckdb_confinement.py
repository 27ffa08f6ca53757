"""DuckDB over a provider's data is confined to the case's own store (issue 17: no external file access)."""

from __future__ import annotations

from pathlib import Path

import pytest

from epiaid.investigation.engine.backends import DuckDBBackend
from epiaid.investigation.engine.store import write_pings
from epiaid.investigation.engine.synth import SynthConfig, population_frame


def test_a_query_over_a_case_store_cannot_reach_other_files(tmp_path: Path) -> None:
    """DuckDB over provider data reads the case's own store and nothing else on the machine."""
    import duckdb

    df, _ = population_frame(SynthConfig(n_people=5, n_index=1, contacts_per_index=1, seed=1))
    write_pings(df, tmp_path / "case")
    duck = DuckDBBackend(threads=1, confine_to=[tmp_path / "case"])
    duck.register_store("pings", tmp_path / "case")
    assert int(duck.query("SELECT COUNT(*) AS n FROM pings")["n"].iloc[0]) == len(df)
    (tmp_path / "other.csv").write_text("secret\n1\n")
    with pytest.raises(duckdb.PermissionException):
        duck.query("SELECT * FROM read_csv(?)", [str(tmp_path / "other.csv")])
    with pytest.raises(duckdb.Error):
        duck.query("SET enable_external_access = true")
