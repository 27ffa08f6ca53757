"""Staypoints agree with trackintel's own outputs on the GeoLife sample (trackintel settings)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from epiaid.investigation.engine.readers import read_geolife_dir
from epiaid.investigation.engine.staypoints import StaypointParams, staypoints


def test_trackintel_compatible_staypoints_match_its_outputs_exactly(shared_data: Path) -> None:
    root = shared_data / "trace" / "geolife_long"
    ours = staypoints(read_geolife_dir(root), StaypointParams.trackintel())
    ref = pd.read_csv(root / "sp_tpls.csv")
    ref = ref[ref["type"] == "staypoint"]
    per_user_ours = ours.groupby("pid").size().rename(lambda u: int(u)).to_dict()
    per_user_ref = ref.groupby("user_id").size().to_dict()
    assert all(abs(per_user_ours[u] - n) <= 1 for u, n in per_user_ref.items())
    started = pd.to_datetime(ours["started_ts"], unit="s", utc=True).astype(str).tolist()
    finished = pd.to_datetime(ours["finished_ts"], unit="s", utc=True).astype(str).tolist()
    assert started == ref["started_at"].tolist()
    assert finished == ref["finished_at"].tolist()


def test_default_settings_see_through_cell_tower_jitter() -> None:
    t0 = pd.Timestamp("2020-03-01T00:00:00Z")
    times = pd.date_range(t0, periods=24, freq="5min")
    lat = [37.5 + (0.003 if i % 3 == 1 else 0.0) for i in range(24)]  # every third ping a tower 330 m away
    acc = [500.0 if i % 3 == 1 else 20.0 for i in range(24)]
    df = pd.DataFrame(
        {
            "pid": "p",
            "time": times,
            "lat": lat,
            "lon": 127.0,
            "accuracy_m": acc,
            "source": ["cell" if i % 3 == 1 else "gps" for i in range(24)],
            "cell_id": "c",
        }
    )
    from epiaid.investigation.engine.schema import normalise

    pings = normalise(df)
    assert len(staypoints(pings)) == 1
    assert len(staypoints(pings, StaypointParams.trackintel(dist_threshold_m=100))) > 1
