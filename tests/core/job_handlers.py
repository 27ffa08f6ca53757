"""Handlers the queue's tests run in real worker processes (importable there via PYTHONPATH)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from epiaid.core.jobs.service import JobContext, JobKind, register

NOOP = register(JobKind("test.noop", handler="tests.core.job_handlers.noop"))
MARK = register(JobKind("test.mark", handler="tests.core.job_handlers.mark_once"))
SLOW = register(JobKind("test.slow", handler="tests.core.job_handlers.slow", max_attempts=3))
BOOM = register(JobKind("test.boom", handler="tests.core.job_handlers.boom"))
POISON = register(JobKind("test.poison", handler="tests.core.job_handlers.poison", max_attempts=2))
WRITER = register(JobKind("test.writer", handler="tests.core.job_handlers.write_file"))
ONE_AT_A_TIME = register(JobKind("test.serial", handler="tests.core.job_handlers.slow", global_limit=1))


def noop(ctx: JobContext) -> None:
    """Nothing: the queue's own cost (benchmarks)."""


def mark_once(ctx: JobContext, folder: str) -> None:
    """Create a file named after the job, failing if it exists: a job run twice cannot go unnoticed."""
    fd = os.open(Path(folder) / f"job-{ctx.job_id}", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    os.write(fd, f"{os.getpid()} attempt {ctx.attempt}\n".encode())
    os.close(fd)


def slow(ctx: JobContext, folder: str, seconds: float) -> None:
    """Work in steps, reporting progress; leaves started-/finished- files per attempt."""
    (Path(folder) / f"started-{ctx.job_id}-{ctx.attempt}").write_text(str(os.getpid()))
    steps = max(1, int(seconds / 0.1))
    for step in range(steps):
        ctx.progress(step, steps, f"step {step} of {steps}")
        time.sleep(0.1)
    (Path(folder) / f"finished-{ctx.job_id}-{ctx.attempt}").write_text(str(os.getpid()))


def boom(ctx: JobContext) -> None:
    raise ValueError("the input has no sequence named ORF1ab")


def poison(ctx: JobContext) -> None:
    """Kills the worker running it, every time (a task that segfaults, or runs out of memory)."""
    os.kill(os.getpid(), signal.SIGKILL)


def write_file(ctx: JobContext, text: str) -> dict[str, object]:
    """A job with an output: a file listed in its result, lines to show and a link back."""
    (ctx.output_dir / "보고서.txt").write_text(text, encoding="utf-8")
    (ctx.output_dir / "scratch.tmp").write_text("not listed")
    return {
        "message": "wrote one file",
        "files": {"보고서.txt": "text/plain; charset=utf-8"},
        "lines": ["첫 줄", "second line"],
        "link": {"url": "/trends/", "label": "back to trends"},
    }
