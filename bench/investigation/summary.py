"""Print the benchmark ratios against the goals of issue 4 from run.sh's JSON lines."""

import json
import sys

with open(sys.argv[1]) as fh:
    rows = {r["part"]: r for r in (json.loads(line) for line in fh if line.strip())}
print("\n== investigation benchmark summary")
if "contacts" in rows:
    c = rows["contacts"]
    print(
        f"contacts: {c['pings']:,} pings, {c['index_cases']} index cases, "
        f"{c['seconds']} s on {c['threads']} thread(s): "
        f"{c['pings_per_s_per_core']:,} pings/s/core = {c['pings_per_s_per_core'] / 5e6:.2f}× the 5 M goal; "
        f"planted contacts found {c['planted_contacts_found']:.0%}; peak {c['peak_rss_mb']} MB"
    )
if "path" in rows:
    p = rows["path"]
    print(
        f"path: {p['median_ms']} ms from {p['pings']:,} pings "
        f"(goal ≤ 100 ms: {100 / p['median_ms']:.1f}× headroom); "
        f"peak {p['peak_rss_mb']} MB"
    )
if "staypoints" in rows:
    s = rows["staypoints"]
    line = (
        f"staypoints: {s['pings']:,} GeoLife fixes in {s['seconds']} s ({s['pings_per_s']:,}/s), "
        f"peak {s['peak_rss_mb']} MB"
    )
    if "trackintel" in rows:
        t = rows["trackintel"]
        same = s["staypoints"] == t["staypoints"]
        line += (
            f"; trackintel {t['seconds']} s, peak {t['peak_rss_mb']} MB → {t['seconds'] / s['seconds']:.0f}× faster "
            f"(goal ≥ 25×); staypoints {s['staypoints']} vs {t['staypoints']} ({'equal' if same else 'differ'})"
        )
    print(line)
if "spark" in rows:
    k = rows["spark"]
    print(
        f"duckdb vs spark: {k['pings']:,} pings, {k['contacts']} contacts, equal={k['equal']}; "
        f"DuckDB {k['duckdb_s']} s, Spark local[2] {k['spark_s']} s ({k['spark_over_duckdb']}× slower); "
        f"peak {k['peak_rss_mb']} MB"
    )
