"""Queue throughput and enqueue→start latency on one database, with 1 and 2 worker processes.

    python bench/jobs/bench.py --database-url URL [--jobs 500] [--latency-jobs 100] [--interval 0.1]

Peers in the same run: the same no-op jobs run *inline* (django-tasks' ImmediateBackend: the same Job
bookkeeping, no queue hop, no worker) and the bare function call. Prints one JSON line per setting.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def setup(url: str) -> None:
    os.environ["EPIAID_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiaid.core.settings")
    sys.path.insert(0, str(HERE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def clear() -> None:
    from django_tasks_db.models import DBTaskResult

    from epiaid.core.jobs.models import Job, WorkerBeat

    Job.objects.all().delete()
    DBTaskResult.objects.all().delete()
    WorkerBeat.objects.all().delete()


def spawn(n: int, url: str, interval: float) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "EPIAID_DATABASE_URL": url, "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO / "src")])}
    cmd = [sys.executable, "-m", "epiaid", "worker", "--queues", "*", "--interval", str(interval)]
    return [subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL) for _ in range(n)]


def wait_workers(n: int) -> None:
    from epiaid.core.jobs.models import WorkerBeat

    deadline = time.monotonic() + 60
    while WorkerBeat.objects.count() < n:
        if time.monotonic() > deadline:
            raise SystemExit("workers did not start")
        time.sleep(0.05)


def wait_done(ids: list[int], timeout: float = 600) -> None:
    from epiaid.core.jobs.models import Job

    deadline = time.monotonic() + timeout
    while Job.objects.filter(pk__in=ids, status__in=Job.ACTIVE).exists():
        if time.monotonic() > deadline:
            raise SystemExit("jobs did not finish")
        time.sleep(0.05)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)


def throughput(n_workers: int, n_jobs: int, url: str, interval: float) -> dict[str, float]:
    """Queue n_jobs first, then start the workers: jobs per second from first start to last finish."""
    from bench_handlers import NOOP
    from django.db.models import Max, Min

    from epiaid.core.jobs.models import Job
    from epiaid.core.jobs.service import submit

    clear()
    ids = [submit(NOOP, actor="system:bench").pk for _ in range(n_jobs)]
    procs = spawn(n_workers, url, interval)
    try:
        wait_done(ids)
    finally:
        stop(procs)
    span = Job.objects.filter(pk__in=ids).aggregate(a=Min("started_at"), b=Max("finished_at"))
    seconds = (span["b"] - span["a"]).total_seconds()
    assert Job.objects.filter(pk__in=ids, status="succeeded", attempts=1).count() == n_jobs
    return {"jobs_per_s": n_jobs / seconds}


def latency(n_workers: int, n_jobs: int, url: str, interval: float) -> dict[str, float]:
    """Workers idle and waiting; jobs submitted one by one, 50 ms apart: created → started."""
    from bench_handlers import NOOP

    from epiaid.core.jobs.models import Job
    from epiaid.core.jobs.service import submit

    clear()
    procs = spawn(n_workers, url, interval)
    try:
        wait_workers(n_workers)
        ids = []
        for _ in range(n_jobs):
            ids.append(submit(NOOP, actor="system:bench").pk)
            time.sleep(0.05)
        wait_done(ids)
    finally:
        stop(procs)
    waits = sorted((j.started_at - j.created_at).total_seconds() for j in Job.objects.filter(pk__in=ids))
    return {"p50_s": statistics.median(waits), "p95_s": waits[int(0.95 * (len(waits) - 1))]}


def inline(n_jobs: int) -> dict[str, float]:
    """The same jobs through submit() on the immediate backend (no worker), and the bare call."""
    from bench_handlers import NOOP, noop
    from django.test.utils import override_settings

    from epiaid.core.jobs.service import submit

    clear()
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}
    with override_settings(TASKS=immediate, JOBS_HEARTBEAT_S=3600.0):
        t0 = time.perf_counter()
        for _ in range(n_jobs):
            submit(NOOP, actor="system:bench")
        seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(n_jobs):
        noop(None)  # type: ignore[arg-type]
    bare = time.perf_counter() - t0
    return {"inline_jobs_per_s": n_jobs / seconds, "bare_calls_per_s": n_jobs / max(bare, 1e-9)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", default="")
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--latency-jobs", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.1)
    args = parser.parse_args()
    setup(args.database_url)
    base = inline(args.jobs)
    print(json.dumps({"db": args.label, "setting": "inline", **{k: round(v, 1) for k, v in base.items()}}))
    for n in (1, 2):
        t = throughput(n, args.jobs, args.database_url, args.interval)
        lat = latency(n, args.latency_jobs, args.database_url, args.interval)
        row = {
            "db": args.label,
            "setting": f"{n} worker{'s' if n > 1 else ''}",
            "jobs_per_s": round(t["jobs_per_s"], 1),
            "vs_inline": round(t["jobs_per_s"] / base["inline_jobs_per_s"], 3),
            "latency_p50_ms": round(lat["p50_s"] * 1000, 1),
            "latency_p95_ms": round(lat["p95_s"] * 1000, 1),
            "poll_interval_s": args.interval,
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
