"""Ranking (and docking) jobs on the platform's background queue (``core.jobs``).

A ranking uses one core for minutes and draws its charts, so it runs in an ``epiaid worker``
process, never in the web server: at most two at once in all and one per person (the rest wait).
"""

from __future__ import annotations

from typing import Any

from epiaid.core.jobs.service import JobContext, JobKind, JobRefused, register, submit

RANK = register(
    JobKind(
        "repurposing.rank",
        handler="epiaid.repurposing.jobs.run_rank",
        queue="science",
        global_limit=2,
        per_user_limit=1,
        on_abandon="epiaid.repurposing.jobs.abandon_rank",
        on_retry="epiaid.repurposing.jobs.reopen_rank",
    )
)


def ref(job_id: int) -> str:
    return f"repurposing.rankjob:{job_id}"


def queue_rank(job: Any) -> None:
    """Queue a stored ranking job; over the owner's queue cap the job is marked failed with the reason."""
    try:
        submit(RANK, job.pk, actor=job.created_by, ref=ref(job.pk))
    except JobRefused as exc:
        job.fail(str(exc))


def run_rank(ctx: JobContext, job_id: int) -> None:
    from epiaid.repurposing.services import run_job

    run_job(job_id, ctx)


def abandon_rank(job: Any, reason: str) -> None:
    """The queue gave the job up (cancelled, or its worker died too often): say so on the ranking job."""
    from epiaid.repurposing.models import RankJob

    rank_job = RankJob.objects.filter(pk=int(job.args[0])).first()
    if rank_job is not None and rank_job.status in (RankJob.Status.QUEUED, RankJob.Status.RUNNING):
        rank_job.fail(reason)


def reopen_rank(job: Any) -> None:
    """A retry runs the ranking again from its stored inputs."""
    from epiaid.repurposing.models import RankJob

    RankJob.objects.filter(pk=int(job.args[0])).update(
        status=RankJob.Status.QUEUED, progress=0.0, message="queued again (retry)", finished_at=None
    )
