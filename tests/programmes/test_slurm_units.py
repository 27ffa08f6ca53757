"""Compute backend: names, the TF-month conversion and the embedded NoSlurm state (no Slurm needed)."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from epiaid.programmes.engine import (
    InvalidName,
    LimitExceeded,
    NoSlurm,
    NotProvisioned,
    SlurmCLI,
    check_name,
    get_backend,
    tflops_months_to_tres_minutes,
)
from epiaid.programmes.engine.slurm import MINUTES_PER_MONTH, NURION_KNL_TFLOPS_PER_CORE, ComputeBackend

HOSTILE = ["a;rm -rf /", "a b", "x,qos=normal", "Upper", "a'b", 'a"b', "$(id)", "a\nb", "", "-lead", "a" * 41, "é"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_account_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidName):
        check_name(name)


@pytest.mark.parametrize("name", ["covid", "hpc-2020_0017", "a", "a" * 40])
def test_slurm_safe_names_pass(name: str) -> None:
    assert check_name(name) == name


def test_slurm_cli_refuses_a_hostile_name_before_running_anything(tmp_path: Path) -> None:
    # bin_dir points at an empty folder: had any tool been started, BackendUnavailable would say so.
    cli = SlurmCLI(bin_dir=tmp_path)
    for name in ("evil; touch /tmp/pwned", "two words"):
        with pytest.raises(InvalidName):
            cli.ensure_account(name, description="x", qos="q1", tres_minutes={"cpu": 10})
        with pytest.raises(InvalidName):
            cli.ensure_account("ok", description="x", qos=name, tres_minutes={"cpu": 10})
        with pytest.raises(InvalidName):
            cli.usage([name])
        with pytest.raises(InvalidName):
            cli.close(name)
    with pytest.raises(InvalidName):
        cli.ensure_account("ok", description="x", qos="q1", tres_minutes={"cpu;id": 10})
    with pytest.raises(InvalidName):
        cli.ensure_account("ok", description="a'b", qos="q1", tres_minutes={"cpu": 10})
    with pytest.raises(InvalidName):
        cli.add_user("ok", "root;id")
    assert cli.history == []


def test_tf_months_convert_to_cpu_minutes_at_the_stated_peak() -> None:
    # 10 TF for one month on 44.8 GFLOPS cores: 10 / 0.0448 = 223.2 cores for 43 200 minutes.
    assert tflops_months_to_tres_minutes(10) == {"cpu": 9_642_857}
    assert tflops_months_to_tres_minutes(1, tflops_per_cpu=1.0) == {"cpu": MINUTES_PER_MONTH}
    # the COVID track: 2 months at 100 TF, half of it on V100 GPUs (7.8 TF each)
    split = tflops_months_to_tres_minutes(200, gpu_fraction=0.5)
    assert split == {"cpu": int(100 * MINUTES_PER_MONTH / NURION_KNL_TFLOPS_PER_CORE), "gres/gpu": 553_846}
    assert tflops_months_to_tres_minutes(0) == {"cpu": 0}
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            tflops_months_to_tres_minutes(bad)
    with pytest.raises(ValueError):
        tflops_months_to_tres_minutes(1, gpu_fraction=1.5)


def test_get_backend_names() -> None:
    assert isinstance(get_backend("none", state_dir="/tmp/x"), NoSlurm)
    assert isinstance(get_backend("slurm"), SlurmCLI)
    assert isinstance(get_backend("none", state_dir="/tmp/x"), ComputeBackend)
    assert isinstance(get_backend("slurm"), ComputeBackend)
    with pytest.raises(ValueError):
        get_backend("pbs")
    with pytest.raises(ValueError):
        get_backend("none")


def test_noslurm_state_survives_a_new_instance_and_is_valid_json(tmp_path: Path) -> None:
    NoSlurm(tmp_path).ensure_account("covid", description="COVID track", qos="covid-q", tres_minutes={"cpu": 100})
    again = NoSlurm(tmp_path)
    info = again.show("covid")
    assert info is not None and info.tres_minutes == {"cpu": 100}
    assert json.loads((tmp_path / "noslurm.json").read_text())["accounts"]["covid"]["qos"] == "covid-q"
    assert not list(tmp_path.glob(".noslurm-*"))  # no temporary file left behind
    with pytest.raises(NotProvisioned):
        again.set_limit("nosuch", {"cpu": 1})


def _charge_many(state_dir: str, n: int) -> None:
    backend = NoSlurm(state_dir)
    for _ in range(n):
        backend.charge("shared", {"cpu": 1})


def test_noslurm_charges_from_several_processes_are_all_counted(tmp_path: Path) -> None:
    NoSlurm(tmp_path).ensure_account("shared", description="", qos="shared-q", tres_minutes={"cpu": 1000})
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_charge_many, args=(str(tmp_path), 25)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert NoSlurm(tmp_path).usage(["shared"]) == {"shared": {"cpu": 100}}


def test_noslurm_charge_past_the_limit_is_refused_and_not_counted(tmp_path: Path) -> None:
    b = NoSlurm(tmp_path)
    b.ensure_account("small", description="", qos="small-q", tres_minutes={"cpu": 10})
    b.charge("small", {"cpu": 8})
    with pytest.raises(LimitExceeded):
        b.charge("small", {"cpu": 3})
    assert b.usage(["small"])["small"] == {"cpu": 8}


def test_slurm_cli_without_the_tools_says_the_backend_is_unavailable(tmp_path: Path) -> None:
    from epiaid.programmes.engine import BackendUnavailable

    cli = SlurmCLI(bin_dir=tmp_path)
    with pytest.raises(BackendUnavailable, match="sacct not found"):
        cli.usage(["covid"])
    with pytest.raises(BackendUnavailable, match="sacctmgr not found"):
        cli.ensure_account("covid", description="", qos="covid-q", tres_minutes={"cpu": 1})


def test_sacct_tres_strings_parse_with_their_units() -> None:
    from epiaid.programmes.engine.slurm import parse_tres, tres_count

    assert parse_tres("billing=2,cpu=2,gres/gpu=1,mem=1000M,node=1") == {
        "billing": "2", "cpu": "2", "gres/gpu": "1", "mem": "1000M", "node": "1",
    }  # fmt: skip
    assert parse_tres("") == {}
    assert [tres_count(v) for v in ("2", "1000M", "4G", "512K", "")] == [2.0, 1000.0, 4096.0, 0.5, 0.0]
