"""Assay design jobs on the platform's background queue (``core.jobs``): one at a time per person."""

from __future__ import annotations

from typing import Any

from epiaid.core.jobs.service import JobContext, JobKind, JobRefused, register, submit

DESIGN = register(
    JobKind(
        "assay.design",
        handler="epiaid.assay.jobs.run_design",
        queue="science",
        global_limit=2,
        per_user_limit=1,
        on_abandon="epiaid.assay.jobs.abandon_design",
        on_retry="epiaid.assay.jobs.reopen_design",
    )
)


def queue_design(job: Any) -> None:
    """Queue a stored design job; over the owner's queue cap the job is marked failed with the reason."""
    from epiaid.assay.models import DesignJob

    try:
        submit(DESIGN, job.pk, actor=job.created_by, ref=f"assay.designjob:{job.pk}")
    except JobRefused as exc:
        DesignJob.objects.filter(pk=job.pk).update(status=DesignJob.Status.FAILED, error=str(exc), message="refused")


def run_design(ctx: JobContext, job_id: int) -> None:
    from epiaid.assay.services import run_job

    run_job(job_id, ctx)


def abandon_design(job: Any, reason: str) -> None:
    from django.utils import timezone

    from epiaid.assay.models import DesignJob

    DesignJob.objects.filter(
        pk=int(job.args[0]), status__in=(DesignJob.Status.QUEUED, DesignJob.Status.RUNNING)
    ).update(status=DesignJob.Status.FAILED, error=reason[:2000], message="failed", finished_at=timezone.now())


def reopen_design(job: Any) -> None:
    """A retry designs again from the stored inputs."""
    from epiaid.assay.models import DesignJob

    DesignJob.objects.filter(pk=int(job.args[0])).update(
        status=DesignJob.Status.QUEUED, progress=0.0, message="queued again (retry)", error="", finished_at=None
    )
