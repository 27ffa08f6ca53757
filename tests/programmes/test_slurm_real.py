"""SlurmCLI against a real single-node Slurm (slurmdbd + MariaDB + munge), read back with Slurm's own tools."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from epiaid.programmes.engine import BackendUnavailable, SlurmCLI, get_backend, tflops_months_to_tres_minutes
from epiaid.programmes.engine.slurm import JobRecord, wait_for
from epiaid.programmes.engine.slurm_harness import SlurmHarness, free_port

pytest_plugins = ["tests.programmes.conftest_slurm"]  # slurm_cluster, slurm_backend, account_name
pytestmark = pytest.mark.slow


def qos_as_slurm_shows_it(cluster: SlurmHarness, qos: str) -> dict[str, str]:
    out = cluster.cmd("sacctmgr", "show", "qos", qos, "--parsable2", "format=Name,GrpTRESMins,Flags,GrpJobs").stdout
    header, *rows = out.splitlines()
    return dict(zip(header.split("|"), rows[0].split("|"), strict=True))


def test_provisioned_qos_reads_back_through_sacctmgr(slurm_cluster: SlurmHarness, account_name: str) -> None:
    backend = get_backend("slurm", conf=slurm_cluster.conf, env=slurm_cluster.env)
    minutes = tflops_months_to_tres_minutes(10)  # the normal track's 10 TF for a month
    backend.ensure_account(account_name, description="HPC normal 10TF", qos=f"{account_name}-q", tres_minutes=minutes)
    qos = qos_as_slurm_shows_it(slurm_cluster, f"{account_name}-q")
    assert qos["GrpTRESMins"] == "cpu=9642857"
    assert set(qos["Flags"].split(",")) == {"DenyOnLimit", "NoDecay"}
    assoc = slurm_cluster.cmd(
        "sacctmgr", "-n", "-P", "show", "assoc", f"accounts={account_name}", "format=Account,User,QOS,DefaultQOS"
    ).stdout.split()
    assert assoc == [f"{account_name}||{account_name}-q|{account_name}-q"]  # its only and default QOS


def test_moving_an_account_to_another_qos(slurm_backend: SlurmCLI, account_name: str) -> None:
    slurm_backend.ensure_account(account_name, description="", qos=f"{account_name}-a", tres_minutes={"cpu": 10})
    slurm_backend.ensure_account(account_name, description="", qos=f"{account_name}-b", tres_minutes={"cpu": 20})
    info = slurm_backend.show(account_name)
    assert info is not None and info.qos == f"{account_name}-b" and info.tres_minutes == {"cpu": 20}


def test_set_limit_changes_what_sbatch_accepts(
    slurm_cluster: SlurmHarness, slurm_backend: SlurmCLI, account_name: str
) -> None:
    slurm_backend.ensure_account(account_name, description="", qos=f"{account_name}-q", tres_minutes={"cpu": 10})
    slurm_backend.add_user(account_name, slurm_cluster.user)
    job = ["--account", account_name, "--ntasks=1", "--time=20", "--wrap", "true"]
    refused = slurm_cluster.sbatch(*job, check=False)
    assert refused.returncode != 0 and "QOSGrpCPUMinutesLimit" in refused.stderr
    slurm_backend.set_limit(account_name, {"cpu": 30})
    assert qos_as_slurm_shows_it(slurm_cluster, f"{account_name}-q")["GrpTRESMins"] == "cpu=30"
    assert slurm_cluster.sbatch(*job).returncode == 0


def test_a_job_that_does_not_fit_in_what_remains_is_held_until_the_limit_allows_it(
    slurm_cluster: SlurmHarness, slurm_backend: SlurmCLI, account_name: str
) -> None:
    # cpu=5: a running 1-CPU job with a 3-minute limit holds 3 of them (AccountingStorageEnforce=safe),
    # so a second one of the same size has to wait with the QOS limit as its reason
    slurm_backend.ensure_account(account_name, description="", qos=f"{account_name}-q", tres_minutes={"cpu": 5})
    slurm_backend.add_user(account_name, slurm_cluster.user)
    first = int(slurm_cluster.sbatch("--account", account_name, "-n1", "--time=3", "--wrap", "sleep 60").stdout)
    try:
        assert wait_for(lambda: slurm_cluster.job_state(first)[0] == "RUNNING", timeout=30)
        second = int(slurm_cluster.sbatch("--account", account_name, "-n1", "--time=3", "--wrap", "true").stdout)
        held = wait_for(lambda: (s := slurm_cluster.job_state(second))[1] not in ("", "None") and s, timeout=30)
        assert held == ("PENDING", "QOSGrpCPUMinutesLimit")
        time.sleep(3)
        assert slurm_cluster.job_state(second) == ("PENDING", "QOSGrpCPUMinutesLimit")  # still held
        slurm_backend.set_limit(account_name, {"cpu": 60})  # the officer extends the allocation
        started = ("RUNNING", "COMPLETING", "COMPLETED")
        assert wait_for(lambda: slurm_cluster.job_state(second)[0] in started, timeout=30)
    finally:
        slurm_cluster.cmd("scancel", str(first), check=False)


def test_usage_counts_every_allocated_cpu_for_its_elapsed_time(
    slurm_cluster: SlurmHarness, slurm_backend: SlurmCLI, account_name: str
) -> None:
    slurm_backend.ensure_account(account_name, description="", qos=f"{account_name}-q", tres_minutes={"cpu": 600})
    slurm_backend.add_user(account_name, slurm_cluster.user)
    ids = [
        slurm_cluster.sbatch("--account", account_name, f"-n{n}", "--time=1", "--wrap", "sleep 2").stdout.strip()
        for n in (1, 2)
    ]

    def all_finished() -> list[JobRecord] | None:
        js = slurm_backend.jobs([account_name])
        return js if len(js) == 2 and all(j.finished for j in js) else None

    jobs = wait_for(all_finished, timeout=90)
    assert jobs and sorted(j.job_id for j in jobs) == sorted(ids)
    seconds = sum(j.tres["cpu"] * j.elapsed_s for j in jobs)
    assert sorted(j.tres["cpu"] for j in jobs) == [1.0, 2.0]
    assert slurm_backend.usage_seconds([account_name])[account_name]["cpu"] == seconds
    assert slurm_backend.usage([account_name])[account_name]["cpu"] == -(-seconds // 60)


def test_an_unreachable_slurmdbd_is_reported_as_unavailable(slurm_cluster: SlurmHarness, tmp_path: Path) -> None:
    conf = tmp_path / "slurm.conf"  # the same cluster, but slurmdbd's port is one nobody listens on
    port = f"AccountingStoragePort={slurm_cluster.dbd_port}"
    conf.write_text(slurm_cluster.conf.read_text().replace(port, f"AccountingStoragePort={free_port()}"))
    backend = SlurmCLI(conf=conf, env=slurm_cluster.env, timeout=30)
    t0 = time.monotonic()
    with pytest.raises(BackendUnavailable):
        backend.ensure_account("unreachable", description="", qos="unreachable-q", tres_minutes={"cpu": 1})
    assert time.monotonic() - t0 < 30


def test_a_gpu_budget_is_enforced_and_counted_in_gpu_minutes(
    slurm_cluster: SlurmHarness, slurm_backend: SlurmCLI, account_name: str
) -> None:
    # the COVID track's 2 months at 100 TF, half of it on GPUs, reads back as Slurm holds it
    covid = tflops_months_to_tres_minutes(200, gpu_fraction=0.5)
    slurm_backend.ensure_account(account_name, description="", qos=f"{account_name}-q", tres_minutes=covid)
    assert qos_as_slurm_shows_it(slurm_cluster, f"{account_name}-q")["GrpTRESMins"] == (
        f"cpu={covid['cpu']},gres/gpu={covid['gres/gpu']}"
    )
    # a small one to see the GPU limit bite: 3 GPU-minutes
    slurm_backend.set_limit(account_name, {"cpu": 600, "gres/gpu": 3})
    slurm_backend.add_user(account_name, slurm_cluster.user)
    refused = slurm_cluster.sbatch("--account", account_name, "--gres=gpu:1", "--time=5", "--wrap", "true", check=False)
    assert refused.returncode != 0 and "QOSGrpGRESMinutes" in refused.stderr
    two_gpus = ["--account", account_name, "--gres=gpu:2", "--time=1", "--wrap", "sleep 1"]
    job = slurm_cluster.sbatch(*two_gpus).stdout.strip()
    record = wait_for(lambda: next((j for j in slurm_backend.jobs([account_name]) if j.finished), None), timeout=60)
    assert record is not None and record.job_id == job and record.tres["gres/gpu"] == 2.0
    assert slurm_backend.usage([account_name])[account_name]["gres/gpu"] == -(-2 * record.elapsed_s // 60)
