"""End to end on a real single-node Slurm: the portal's approval, provisioned by a second officer,
becomes an account + QOS with the hard budget; a job's usage reaches the portal by its usage sync; the
allocation's end closes the account so new jobs are refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from epiaid.programmes.engine.slurm import tflops_months_to_tres_minutes, wait_for
from epiaid.programmes.services import compute, review
from tests.programmes.conftest import MARCH, World, submit_compute, to_decision

pytest_plugins = ["tests.programmes.conftest_slurm"]  # slurm_cluster (skips where Slurm is not installed)


@pytest.mark.slow
@pytest.mark.django_db
def test_an_approved_allocation_runs_on_slurm_within_its_hard_budget(
    world: World, slurm_cluster: Any, settings: Any
) -> None:
    settings.PROGRAMMES_COMPUTE = "slurm"
    settings.PROGRAMMES_COMPUTE_OPTIONS = {
        "conf": slurm_cluster.conf,
        "cluster": slurm_cluster.cluster,
        "env": slurm_cluster.env,
    }
    app = to_decision(world, submit_compute(world))
    review.decide(world.officer, app, approve=True, reasons="urgent", now=MARCH)
    app.refresh_from_db()
    alloc = compute.provision(world.officer2, app.allocation, now=MARCH)
    backend = compute.backend()
    info = backend.show(alloc.account)
    assert info is not None and info.tres_minutes == tflops_months_to_tres_minutes(200.0)
    assert {"NoDecay", "DenyOnLimit"} <= set(info.flags)

    backend.add_user(alloc.account, slurm_cluster.user)
    job = slurm_cluster.sbatch(f"--account={alloc.account}", "--ntasks=1", "--time=1", "--wrap", "sleep 2")
    assert job.returncode == 0, job.stderr

    def synced() -> dict[str, int] | None:
        compute.sync_usage()
        alloc.refresh_from_db()
        return alloc.used if alloc.used.get("cpu", 0) >= 1 else None

    assert wait_for(synced, timeout=60, interval=1.0) is not None  # usage in the portal within 60 s
    closed = compute.expire_and_remind(today=alloc.ends_on + dt.timedelta(days=1))["closed"]
    assert closed == [alloc.account]
    refused = slurm_cluster.sbatch(
        f"--account={alloc.account}", "--ntasks=1", "--time=1", "--wrap", "true", check=False
    )
    assert refused.returncode != 0
