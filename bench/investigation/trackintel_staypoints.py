"""Run in trackintel's own venv: time its sliding staypoints on the same GeoLife sample."""

import gzip
import json
import sys
import time

import geopandas as gpd
import pandas as pd
import trackintel as ti

with gzip.open(sys.argv[1], "rt") as fh:
    raw = pd.read_csv(fh, dtype={"uid": str})
df = pd.DataFrame(
    {
        "user_id": raw["uid"],
        "tracked_at": pd.to_datetime(raw["datetime"], utc=True),
        "geometry": gpd.points_from_xy(raw["lng"], raw["lat"]),
    }
)
pfs = ti.Positionfixes(gpd.GeoDataFrame(df, geometry="geometry", crs="EPSG:4326"))
start = time.perf_counter()
_, sp = pfs.generate_staypoints(method="sliding", dist_threshold=25, time_threshold=5, gap_threshold=1e6)
secs = time.perf_counter() - start
print(
    "RESULT "
    + json.dumps(
        {
            "part": "trackintel",
            "pings": len(pfs),
            "staypoints": len(sp),
            "seconds": round(secs, 3),
            "per_user": sp.groupby("user_id").size().to_dict(),
        },
        default=str,
    )
)
