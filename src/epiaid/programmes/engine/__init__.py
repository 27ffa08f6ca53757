"""Programmes engines that run without Django: the compute backend (Slurm or the embedded NoSlurm)."""

from epiaid.programmes.engine.slurm import (
    AccountInfo,
    BackendUnavailable,
    ComputeBackend,
    ComputeError,
    InvalidName,
    LimitExceeded,
    NoSlurm,
    NotProvisioned,
    SlurmCLI,
    check_name,
    get_backend,
    tflops_months_to_tres_minutes,
)

__all__ = [
    "AccountInfo",
    "BackendUnavailable",
    "ComputeBackend",
    "ComputeError",
    "InvalidName",
    "LimitExceeded",
    "NoSlurm",
    "NotProvisioned",
    "SlurmCLI",
    "check_name",
    "get_backend",
    "tflops_months_to_tres_minutes",
]
