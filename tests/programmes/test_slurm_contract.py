"""One behavioural contract for both compute backends: the embedded NoSlurm and a real Slurm.

Each test runs against ``NoSlurm`` (instant) and against ``SlurmCLI`` driving a real single-node
Slurm with slurmdbd + MariaDB (``slow``; skipped with the reason where the packages are absent).
A *driver* runs a "job" the way each backend can: NoSlurm charges the minutes, Slurm runs ``sbatch``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from epiaid.programmes.engine import ComputeBackend, InvalidName, LimitExceeded, NoSlurm, NotProvisioned, SlurmCLI
from epiaid.programmes.engine.slurm import JobRecord, wait_for
from epiaid.programmes.engine.slurm_harness import SlurmHarness

pytest_plugins = ["tests.programmes.conftest_slurm"]  # slurm_cluster, slurm_backend, account_name

USAGE_LAG_GOAL_S = 60.0


@dataclass
class JobOutcome:
    outcome: str  # "ran" | "denied" | "held"
    cpu_minutes: float = 0.0  # what the job used (exact, before rounding)
    lag_s: float | None = None  # job end -> its full usage visible through the adapter
    detail: str = ""


class NoSlurmDriver:
    def __init__(self, backend: NoSlurm) -> None:
        self.backend = backend

    def prepare(self, account: str) -> None:
        self.backend.add_user(account, "root")

    def run_job(self, account: str, *, cpus: int, limit_minutes: int, seconds: float) -> JobOutcome:
        used = cpus * seconds / 60.0
        try:
            self.backend.charge(account, {"cpu": math.ceil(used)}, reserve={"cpu": cpus * limit_minutes})
        except LimitExceeded as exc:
            return JobOutcome("denied", detail=str(exc))
        return JobOutcome("ran", cpu_minutes=used, lag_s=0.0)


class SlurmDriver:
    def __init__(self, backend: SlurmCLI, cluster: SlurmHarness) -> None:
        self.backend = backend
        self.cluster = cluster

    def prepare(self, account: str) -> None:
        self.backend.add_user(account, self.cluster.user)

    def run_job(self, account: str, *, cpus: int, limit_minutes: int, seconds: float) -> JobOutcome:
        end_file = self.cluster.root / f"end-{account}-{time.monotonic_ns()}"
        res = self.cluster.sbatch(
            f"--account={account}",
            f"--ntasks={cpus}",
            f"--time={limit_minutes}",
            "--wrap",
            f"sleep {seconds}; date +%s.%N > {end_file}",
            check=False,
        )
        if res.returncode != 0:
            return JobOutcome("denied", detail=res.stderr.strip())
        job_id = res.stdout.strip().split(";")[0]

        def state() -> tuple[str, str] | None:
            st, reason = self.cluster.job_state(int(job_id))
            return (st, reason) if st != "PENDING" or "Limit" in reason else None

        st, reason = wait_for(state, timeout=30) or ("PENDING", "")
        if st == "PENDING":
            return JobOutcome("held", detail=reason)

        def finished() -> JobRecord | None:
            return next((j for j in self.backend.jobs([account]) if j.job_id == job_id and j.finished), None)

        record = wait_for(finished, timeout=seconds + 90, interval=0.1)
        visible = time.time()
        assert record is not None, f"job {job_id} never finished in sacct"
        lag = visible - float(end_file.read_text()) if end_file.exists() else None
        return JobOutcome("ran", cpu_minutes=record.tres["cpu"] * record.elapsed_s / 60.0, lag_s=lag)


@pytest.fixture(params=["none", pytest.param("slurm", marks=pytest.mark.slow)])
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NoSlurmDriver | SlurmDriver]:
    if request.param == "none":
        yield NoSlurmDriver(NoSlurm(tmp_path / "noslurm"))
    else:
        cluster = request.getfixturevalue("slurm_cluster")
        yield SlurmDriver(request.getfixturevalue("slurm_backend"), cluster)


def provision(driver: NoSlurmDriver | SlurmDriver, account: str, cpu_minutes: int) -> ComputeBackend:
    b = driver.backend
    b.ensure_account(account, description="COVID-19 AI Track", qos=f"{account}-q", tres_minutes={"cpu": cpu_minutes})
    driver.prepare(account)
    return b


def test_ensure_account_creates_the_account_and_a_qos_with_a_hard_never_decaying_limit(
    driver: NoSlurmDriver | SlurmDriver, account_name: str
) -> None:
    b = provision(driver, account_name, 600)
    info = b.show(account_name)
    assert info is not None
    assert info.qos == f"{account_name}-q"
    assert info.tres_minutes == {"cpu": 600}
    assert {"NoDecay", "DenyOnLimit"} <= set(info.flags)
    assert info.description == "covid-19 ai track"  # Slurm keeps descriptions lower-cased
    assert info.open
    assert info.users == [driver.cluster.user if isinstance(driver, SlurmDriver) else "root"]
    assert b.show("neverprovisioned") is None


def test_ensure_account_is_idempotent(driver: NoSlurmDriver | SlurmDriver, account_name: str) -> None:
    b = provision(driver, account_name, 600)
    before = b.show(account_name)
    if isinstance(b, SlurmCLI):
        b.history.clear()
    provision(driver, account_name, 600)
    assert b.show(account_name) == before
    if isinstance(b, SlurmCLI):
        # the second time nothing is added: no "add" command runs (only shows and same-value modifies)
        assert not [cmd for cmd in b.history if "add" in cmd], b.history


def test_set_limit_replaces_the_budget(driver: NoSlurmDriver | SlurmDriver, account_name: str) -> None:
    b = driver.backend
    b.ensure_account(account_name, description="", qos=f"{account_name}-q", tres_minutes={"cpu": 600, "node": 60})
    b.set_limit(account_name, {"cpu": 1200})
    info = b.show(account_name)
    assert info is not None and info.tres_minutes == {"cpu": 1200}  # node cleared
    assert {"NoDecay", "DenyOnLimit"} <= set(info.flags)


def test_a_job_under_the_account_shows_in_usage_within_60_s(
    driver: NoSlurmDriver | SlurmDriver, account_name: str, record_property: pytest.RecordProperty
) -> None:
    b = provision(driver, account_name, 600)
    assert b.usage([account_name]) == {account_name: {}}
    job = driver.run_job(account_name, cpus=2, limit_minutes=2, seconds=2)
    assert job.outcome == "ran", job.detail
    used = b.usage([account_name])[account_name]
    assert used["cpu"] == math.ceil(job.cpu_minutes - 1e-9) >= 1  # rounded up: never less than was used
    assert job.lag_s is not None and job.lag_s < USAGE_LAG_GOAL_S
    record_property("usage_lag_s", round(job.lag_s, 3))
    print(f"usage visible {job.lag_s:.3f} s after the job ended ({type(b).__name__})")
    assert account_name in b.usage(None)


def test_a_job_asking_more_than_the_budget_is_denied(driver: NoSlurmDriver | SlurmDriver, account_name: str) -> None:
    b = provision(driver, account_name, 10)
    job = driver.run_job(account_name, cpus=1, limit_minutes=20, seconds=1)
    assert job.outcome == "denied"
    if isinstance(b, SlurmCLI):
        assert "QOSGrpCPUMinutesLimit" in job.detail
    assert b.usage([account_name]) == {account_name: {}}


def test_close_refuses_new_jobs_keeps_usage_and_ensure_reopens(
    driver: NoSlurmDriver | SlurmDriver, account_name: str
) -> None:
    b = provision(driver, account_name, 600)
    assert driver.run_job(account_name, cpus=1, limit_minutes=1, seconds=1).outcome == "ran"
    used = b.usage([account_name])
    b.close(account_name)
    b.close(account_name)  # idempotent
    info = b.show(account_name)
    assert info is not None and not info.open
    assert driver.run_job(account_name, cpus=1, limit_minutes=1, seconds=1).outcome == "denied"
    assert b.usage([account_name]) == used
    b.set_limit(account_name, {"cpu": 700})  # a closed account stays closed when its limit changes
    assert not b.show(account_name).open  # type: ignore[union-attr]
    provision(driver, account_name, 600)
    assert b.show(account_name).open  # type: ignore[union-attr]
    assert driver.run_job(account_name, cpus=1, limit_minutes=1, seconds=1).outcome == "ran"


@pytest.mark.parametrize("hostile", ["evil;id", "two words", "x,qos=normal", "Upper", "$(id)"])
def test_hostile_names_are_refused_before_anything_runs(driver: NoSlurmDriver | SlurmDriver, hostile: str) -> None:
    b = driver.backend
    if isinstance(b, SlurmCLI):
        b.history.clear()
    with pytest.raises(InvalidName):
        b.ensure_account(hostile, description="x", qos="fine-q", tres_minutes={"cpu": 1})
    with pytest.raises(InvalidName):
        b.ensure_account("fine", description="x", qos=hostile, tres_minutes={"cpu": 1})
    for call in (b.close, b.show, lambda a: b.set_limit(a, {"cpu": 1}), lambda a: b.usage([a])):
        with pytest.raises(InvalidName):
            call(hostile)
    with pytest.raises(InvalidName):
        b.add_user("fine", hostile)
    if isinstance(b, SlurmCLI):
        assert b.history == []


def test_accounts_that_were_never_provisioned_are_named_as_such(
    driver: NoSlurmDriver | SlurmDriver, account_name: str
) -> None:
    b = driver.backend
    for call in (lambda: b.set_limit(account_name, {"cpu": 1}), lambda: b.close(account_name),
                 lambda: b.add_user(account_name, "root")):  # fmt: skip
        with pytest.raises(NotProvisioned):
            call()
    assert b.show(account_name) is None
    assert b.usage([account_name]) == {account_name: {}}


def test_two_workers_provisioning_the_same_account_at_once_both_succeed(
    driver: NoSlurmDriver | SlurmDriver, account_name: str
) -> None:
    b = driver.backend
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def provision_once() -> None:
        barrier.wait()
        try:
            b.ensure_account(account_name, description="", qos=f"{account_name}-q", tres_minutes={"cpu": 60})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=provision_once) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    info = b.show(account_name)
    assert info is not None and info.tres_minutes == {"cpu": 60}
