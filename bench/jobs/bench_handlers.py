"""The benchmark's job: nothing at all, so what is timed is the queue."""

from __future__ import annotations

from epiaid.core.jobs.service import JobContext, JobKind, register

NOOP = register(JobKind("bench.noop", handler="bench_handlers.noop"))


def noop(ctx: JobContext) -> None:
    """Do nothing."""
