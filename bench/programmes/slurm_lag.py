"""Portal/Slurm agreement lag: how long after a job ends its usage is visible through the adapter.

Starts a real single-node Slurm (munged, MariaDB, slurmdbd, slurmctld, slurmd; see
``epiaid.programmes.engine.slurm_harness``) in a temporary folder — or uses the one ``--slurm-conf``
names — provisions an account with ``SlurmCLI.ensure_account``, runs jobs under it with ``sbatch``, and
measures for each job the time from its last instruction (a timestamp the job itself writes) to the
moment ``SlurmCLI`` (``sacct``) reports the job finished with its full elapsed time, i.e. to the moment
``usage()`` returns its final TRES-minutes. Prints p50/p95/max and the cost of one ``usage()`` call.

``--enforced`` also measures how long Slurm's own enforcement counter (the QOS ``GrpTRESMins`` used
minutes in ``scontrol show assoc_mgr``) takes to count a finished job: it is updated once per
``PriorityCalcPeriod`` (1 minute in the harness, 5 minutes by default), so this takes up to ~90 s.

    .venv/bin/python bench/programmes/slurm_lag.py --jobs 10
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from epiaid.programmes.engine.slurm import SlurmCLI, wait_for
from epiaid.programmes.engine.slurm_harness import SlurmHarness, missing_binaries


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_job(cluster: SlurmHarness, backend: SlurmCLI, account: str, *, cpus: int, seconds: float) -> float:
    end_file = cluster.root / f"end-{uuid.uuid4().hex}"
    job_id = cluster.sbatch(
        f"--account={account}", f"--ntasks={cpus}", "--time=2",
        "--wrap", f"sleep {seconds}; date +%s.%N > {end_file}",
    ).stdout.strip().split(";")[0]  # fmt: skip

    def finished() -> bool:
        return any(j.job_id == job_id and j.finished for j in backend.jobs([account]))

    if not wait_for(finished, timeout=seconds + 120, interval=0.05):
        raise SystemExit(f"job {job_id} never showed as finished in sacct")
    visible = time.time()
    return visible - float(end_file.read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=10, help="jobs run one after another (default 10)")
    ap.add_argument("--seconds", type=float, default=1.0, help="how long each job sleeps")
    ap.add_argument("--slurm-conf", type=Path, help="use this running cluster instead of starting one")
    ap.add_argument("--enforced", action="store_true", help="also time Slurm's own GrpTRESMins counter (slow)")
    ap.add_argument("--history", type=int, default=0, help="then run N more jobs (an array) and time usage() over them")
    args = ap.parse_args()

    root = None
    if args.slurm_conf:
        backend = SlurmCLI(conf=args.slurm_conf)
        cluster = SlurmHarness(Path(tempfile.mkdtemp(prefix="epiaid-slurm-lag-")))
        cluster.env["SLURM_CONF"] = str(args.slurm_conf)
        cluster.log.mkdir(parents=True)  # job output and end stamps
    else:
        missing = missing_binaries()
        if missing:
            print(f"slurm_lag: skipped, missing {', '.join(missing)} (make system-test-deps installs them)")
            return 0
        root = Path(tempfile.mkdtemp(prefix="epiaid-slurm-"))
        cluster = SlurmHarness(root)
        cluster.start()
        print(f"cluster started in {cluster.timings['total']:.1f} s ({cluster.cpus} CPUs)")
        backend = SlurmCLI(conf=cluster.conf, env=cluster.env)
    try:
        account = f"lag{uuid.uuid4().hex[:8]}"
        t0 = time.perf_counter()
        backend.ensure_account(account, description="lag bench", qos=f"{account}-q", tres_minutes={"cpu": 100_000})
        backend.add_user(account, cluster.user)
        provision_s = time.perf_counter() - t0
        lags = [run_job(cluster, backend, account, cpus=1, seconds=args.seconds) for _ in range(args.jobs)]
        calls = []
        for _ in range(20):
            t = time.perf_counter()
            backend.usage([account])
            calls.append(time.perf_counter() - t)
        print(f"provision (ensure_account + add_user): {provision_s * 1000:.0f} ms")
        print(
            f"job end -> usage visible via sacct, {len(lags)} jobs: p50 {statistics.median(lags):.3f} s, "
            f"p95 {pct(lags, 0.95):.3f} s, max {max(lags):.3f} s (goal < 60 s)"
        )
        print(f"one usage() call: p50 {statistics.median(calls) * 1000:.0f} ms, max {max(calls) * 1000:.0f} ms")
        print(f"usage now: {backend.usage([account])[account]}")
        if args.enforced:
            # Slurm's own counter is whole minutes, so burn at least one CPU-minute and wait until the
            # QOS's used GrpTRESMins reach what sacct says the account used
            qos = f"{account}-q"
            run_job(cluster, backend, account, cpus=cluster.cpus, seconds=max(61.0 / cluster.cpus, 5))
            end = time.time()
            want = int(backend.usage_seconds([account])[account]["cpu"] // 60)
            counted = wait_for(lambda: backend.qos_usage(qos).get("cpu", 0) >= want, timeout=150, interval=0.5)
            print(
                f"usage visible via sacct -> counted by Slurm's QOS GrpTRESMins ({want} cpu-min, "
                "PriorityCalcPeriod=1): " + (f"{time.time() - end:.1f} s" if counted else "not within 150 s")
            )
        if args.history:
            t = time.perf_counter()
            cluster.sbatch(f"--account={account}", "-n1", "--time=1", f"--array=0-{args.history - 1}", "--wrap", "true")
            want = args.jobs + args.history + (1 if args.enforced else 0)
            done = wait_for(lambda: sum(j.finished for j in backend.jobs([account])) >= want, timeout=900, interval=2)
            ran = time.perf_counter() - t
            calls = []
            for _ in range(10):
                t = time.perf_counter()
                backend.usage([account])
                calls.append(time.perf_counter() - t)
            print(
                f"usage() over {len(backend.jobs([account]))} job records ({'all' if done else 'not all'} "
                f"{args.history} array jobs ran in {ran:.0f} s): p50 {statistics.median(calls) * 1000:.0f} ms"
            )
    finally:
        if root is not None:
            cluster.stop()
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
