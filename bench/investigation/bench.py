"""Investigation benchmarks; ``run.sh`` calls each part in its own process to measure peak memory.

Parts: ``gen`` (synthetic store), ``contacts`` (100 index cases, exact distance, DuckDB, 1 thread),
``path`` (one case's path from the store), ``staypoints`` (GeoLife sample, ours), ``spark``
(same contact query on DuckDB and Spark local, equality checked). Each prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _store(work: Path) -> Path:
    return work / "store"


def gen(work: Path, people: int) -> dict[str, object]:
    from epiaid.investigation.engine.synth import SynthConfig, write_population

    store = _store(work)
    marker = work / f"generated-{people}.json"
    if marker.exists():
        return json.loads(marker.read_text())
    t = time.perf_counter()
    n, truth = write_population(SynthConfig(n_people=people, n_index=100, contacts_per_index=5, seed=11), store)
    info = {
        "part": "gen",
        "pings": n,
        "people": people,
        "seconds": round(time.perf_counter() - t, 2),
        "index_pids": truth.index_pids,
        "day_start_ts": truth.day_start_ts[0],
        "contacts": {k: sorted(v) for k, v in truth.contacts.items()},
    }
    marker.write_text(json.dumps(info))
    return info


def contacts(work: Path, people: int, threads: int) -> dict[str, object]:
    from epiaid.investigation.engine.analytics import contacts as find
    from epiaid.investigation.engine.backends import DuckDBBackend

    info = gen(work, people)
    b = DuckDBBackend(threads=threads)
    b.register_store("pings", _store(work))
    t0 = int(info["day_start_ts"])  # type: ignore[call-overload]
    idx = list(info["index_pids"])  # type: ignore[call-overload]
    start = time.perf_counter()
    found = find(b, idx, t0, t0 + 86400, max_abs_lat=38.0)
    secs = time.perf_counter() - start
    truth = info["contacts"]
    recall = np.mean([set(truth[i]) <= set(found.loc[found.index_pid == i, "contact_pid"]) for i in idx])  # type: ignore[index]
    pings = int(info["pings"])  # type: ignore[call-overload]
    return {
        "part": "contacts",
        "pings": pings,
        "index_cases": len(idx),
        "threads": threads,
        "seconds": round(secs, 3),
        "pings_per_s_per_core": round(pings / secs / threads),
        "goal_pings_per_s_per_core": 5_000_000,
        "contacts": len(found),
        "planted_contacts_found": float(recall),
    }


def path(work: Path, people: int) -> dict[str, object]:
    from epiaid.investigation.engine.analytics import case_path
    from epiaid.investigation.engine.backends import DuckDBBackend

    info = gen(work, people)
    b = DuckDBBackend(threads=1)
    b.register_store("pings", _store(work))
    t0 = int(info["day_start_ts"])  # type: ignore[call-overload]
    pid = list(info["index_pids"])[len(info["index_pids"]) // 2]  # type: ignore[arg-type, call-overload]
    times = []
    for _ in range(7):
        s = time.perf_counter()
        out = case_path(b, pid, t0, t0 + 86400)
        times.append(time.perf_counter() - s)
    return {
        "part": "path",
        "pings": int(info["pings"]),
        "points": len(out),  # type: ignore[call-overload]
        "median_ms": round(1000 * float(np.median(times)), 1),
        "goal_ms": 100,
    }


def staypoints(sample: Path) -> dict[str, object]:
    from epiaid.investigation.engine.readers import read_skmob_sample
    from epiaid.investigation.engine.staypoints import StaypointParams
    from epiaid.investigation.engine.staypoints import staypoints as detect

    pings = read_skmob_sample(sample)
    detect(pings.head(1000), StaypointParams.trackintel())  # compile once, outside the timing
    times = []
    for _ in range(3):
        s = time.perf_counter()
        out = detect(pings, StaypointParams.trackintel())
        times.append(time.perf_counter() - s)
    secs = min(times)
    return {
        "part": "staypoints",
        "pings": len(pings),
        "staypoints": len(out),
        "seconds": round(secs, 4),
        "pings_per_s": round(len(pings) / secs),
        "per_user": out.groupby("pid").size().to_dict(),
    }


def spark(work: Path, people: int) -> dict[str, object]:
    from epiaid.investigation.engine.analytics import contacts as find
    from epiaid.investigation.engine.backends import DuckDBBackend, SparkBackend
    from epiaid.investigation.engine.synth import SynthConfig, write_population

    store = work / "spark-store"
    if not store.exists():
        write_population(SynthConfig(n_people=people, n_index=10, seed=5), store, progress=False)
    truth_cfg = SynthConfig(n_people=people, n_index=10, seed=5)
    from epiaid.investigation.engine.synth import Population

    truth = Population(truth_cfg).truth
    t0 = truth.day_start_ts[0]
    res = {}
    frames = {}
    for name, backend in (("duckdb", DuckDBBackend(threads=2)), ("spark", SparkBackend("local[2]"))):
        backend.register_store("pings", store)
        if name == "spark":
            find(backend, truth.index_pids[:1], t0, t0 + 86400)  # JVM warm-up
        s = time.perf_counter()
        frames[name] = find(backend, truth.index_pids, t0, t0 + 86400, max_abs_lat=38.0)
        res[name] = round(time.perf_counter() - s, 3)
    a = frames["duckdb"].reset_index(drop=True)
    b = (
        frames["spark"]
        .sort_values(["index_pid", "exposure_minutes", "contact_pid"], ascending=[True, False, True])
        .reset_index(drop=True)
    )
    same = a[["index_pid", "contact_pid", "exposure_minutes", "first_ts", "last_ts"]].equals(
        b[["index_pid", "contact_pid", "exposure_minutes", "first_ts", "last_ts"]]
    ) and np.allclose(a["min_distance_m"], b["min_distance_m"], rtol=1e-9, atol=1e-6)
    return {
        "part": "spark",
        "pings": people * 288,
        "contacts": len(a),
        "equal": bool(same),
        "duckdb_s": res["duckdb"],
        "spark_s": res["spark"],
        "spark_over_duckdb": round(res["spark"] / res["duckdb"], 2),
    }


if __name__ == "__main__":
    part, work = sys.argv[1], Path(sys.argv[2])
    work.mkdir(parents=True, exist_ok=True)
    people = int(os.environ.get("BENCH_PEOPLE", "100000"))
    if part == "gen":
        result = gen(work, people)
        result = {k: v for k, v in result.items() if k not in ("index_pids", "contacts")}
    elif part == "contacts":
        result = contacts(work, people, int(os.environ.get("BENCH_THREADS", "1")))
    elif part == "path":
        result = path(work, people)
    elif part == "staypoints":
        result = staypoints(Path(sys.argv[3]))
    elif part == "spark":
        result = spark(work, int(os.environ.get("BENCH_SPARK_PEOPLE", "5000")))
    else:
        raise SystemExit(f"unknown part {part}")
    print("RESULT " + json.dumps(result, default=str))
