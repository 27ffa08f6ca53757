"""Design jobs for the web app and the API: create, run (in an ``epiaid worker``), read outputs.

Every function a router or page calls takes the acting :class:`~epiaid.core.actors.Actor`, checks
its role (reviewer or health_staff) and writes the audit event itself; the API and the pages only
call these. The public surface other capabilities may use is :func:`create_job`, :func:`start_job`,
:func:`run_job`, :func:`output_path` and :data:`OUTPUT_FILES`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from epiaid.assay.models import DesignJob
from epiaid.core.access import require
from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, event
from epiaid.core.errors import BadInput, NotFound
from epiaid.core.roles import Role

ASSAY_ROLES = (Role.REVIEWER, Role.HEALTH_STAFF)
TARGET = "assay.job"

#: Files of a finished job that may be downloaded, with their content types.
OUTPUT_FILES: dict[str, str] = {
    "report.html": "text/html; charset=utf-8",
    "panel.tsv": "text/tab-separated-values; charset=utf-8",
    "order_sheet.tsv": "text/tab-separated-values; charset=utf-8",
    "panel.bed": "text/plain; charset=utf-8",
    "panel_detail.tsv": "text/tab-separated-values; charset=utf-8",
    "dimer_matrix.tsv": "text/tab-separated-values; charset=utf-8",
    "inclusivity.tsv": "text/tab-separated-values; charset=utf-8",
    "exclusivity.tsv": "text/tab-separated-values; charset=utf-8",
    "qc.tsv": "text/tab-separated-values; charset=utf-8",
    "variability.png": "image/png",
    "summary.json": "application/json",
}


def jobs_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "assay" / "jobs"


def _save(source: UploadedFile | Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, Path):
        shutil.copyfile(source, target)
        return
    with target.open("wb") as fh:
        for chunk in source.chunks():
            fh.write(chunk)


def list_jobs(actor: Actor | Any, limit: int = 100) -> list[DesignJob]:
    actor = require(actor, *ASSAY_ROLES, target=TARGET)
    event(actor, AuditAction.LIST, TARGET)
    return list(DesignJob.objects.all()[:limit])


def get_job(actor: Actor | Any, job_id: int) -> DesignJob:
    actor = require(actor, *ASSAY_ROLES, target=TARGET, object_id=job_id)
    job = DesignJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"no design job {job_id}", code="unknown_job")
    event(actor, AuditAction.VIEW, TARGET, object_id=job.pk)
    return job


def job_file(actor: Actor | Any, job_id: int, name: str) -> tuple[DesignJob, Path]:
    """A finished job's output file for download (audited); 404 for any other name."""
    actor = require(actor, *ASSAY_ROLES, target=TARGET, object_id=job_id)
    job = DesignJob.objects.filter(pk=job_id).first()
    path = output_path(job, name) if job is not None else None
    if job is None or path is None:
        raise NotFound("no such output", code="unknown_output")
    event(actor, AuditAction.DOWNLOAD, TARGET, object_id=job.pk, detail={"file": name})
    return job, path


def create_job(
    actor: Actor | Any,
    genomes: UploadedFile | Path,
    reference: UploadedFile | Path,
    *,
    targets: int = 3,
    neighbours: UploadedFile | Path | None = None,
    title: str = "",
    queue: bool = False,
) -> DesignJob:
    """Store the inputs under MEDIA_ROOT/assay/jobs/<id>/input and return the job (audited).

    With ``queue`` (the page and the API) it is handed to a worker at once; the demo runs it inline.
    """
    from epiaid.core.jobs.service import check_capacity

    actor = require(actor, *ASSAY_ROLES, target=TARGET)
    if not 1 <= targets <= 5:
        raise BadInput(f"targets must be between 1 and 5, not {targets}", code="bad_targets", status=422)
    user = actor.user
    check_capacity(user)
    job = DesignJob.objects.create(
        created_by=user if getattr(user, "is_authenticated", False) else None,
        title=title[:200],
        genomes_name=Path(getattr(genomes, "name", "genomes.fasta")).name[:255],
        reference_name=Path(getattr(reference, "name", "reference.fasta")).name[:255],
        targets=targets,
        work_dir="",
    )
    work = jobs_root() / str(job.pk)
    _save(genomes, work / "input" / "genomes.fasta")
    _save(reference, work / "input" / "reference.fasta")
    if neighbours is not None:
        _save(neighbours, work / "input" / "neighbours.fasta")
    job.work_dir = str(work)
    job.save(update_fields=["work_dir"])
    event(actor, AuditAction.CREATE, TARGET, object_id=job.pk, detail={"genomes": job.genomes_name})
    if queue:
        start_job(job)
        job.refresh_from_db()
    return job


def run_job(job_id: int, ctx: Any = None) -> DesignJob:
    """Run one job to the end in this process; failures are stored on the job, never raised.

    ``ctx`` is the background queue's :class:`~epiaid.core.jobs.service.JobContext` (progress,
    cancellation); a cancellation is stored on the job and passed on to the queue.
    """
    from epiaid.assay.engine import design, report
    from epiaid.core.jobs.service import JobCancelled

    job = DesignJob.objects.get(pk=job_id)
    work = Path(job.work_dir)
    job.status, job.progress, job.message = DesignJob.Status.RUNNING, 0.0, "starting"
    job.save(update_fields=["status", "progress", "message"])

    def progress(message: str, fraction: float) -> None:
        if ctx is not None:
            ctx.progress(round(fraction * 1000), 1000, message)  # raises once cancelled
        DesignJob.objects.filter(pk=job_id).update(progress=round(fraction, 3), message=message[:300])

    neighbours = work / "input" / "neighbours.fasta"
    inp = design.DesignInput(
        work / "input" / "genomes.fasta",
        work / "input" / "reference.fasta",
        job.targets,
        neighbours if neighbours.exists() else None,
    )
    try:
        result = design.design(inp, progress)
        report.write_outputs(result, work / "out")
    except Exception as exc:  # any failure must reach the user as a message, not a 500
        cancelled = isinstance(exc, JobCancelled)
        job.status, job.message = DesignJob.Status.FAILED, "cancelled" if cancelled else "failed"
        job.error = "cancelled" if cancelled else f"{type(exc).__name__}: {exc}"
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "message", "finished_at"])
        if cancelled:
            raise
        return job
    job.status, job.progress, job.message = DesignJob.Status.DONE, 1.0, "done"
    job.summary = report.summary_dict(result)
    job.panel = report.panel_table(result).to_dict(orient="records")
    job.issues = [i.as_row() for i in result.issues]
    job.finished_at = timezone.now()
    job.save()
    return job


def start_job(job: DesignJob) -> None:
    """Queue the job for an ``epiaid worker`` process; its page polls the progress."""
    from epiaid.assay.jobs import queue_design

    queue_design(job)


def output_path(job: DesignJob | None, name: str) -> Path | None:
    """A finished job's output file, only for names in :data:`OUTPUT_FILES` (no path tricks)."""
    if job is None or name not in OUTPUT_FILES or job.status != DesignJob.Status.DONE:
        return None
    path = Path(job.work_dir) / "out" / name
    return path if path.is_file() else None


def job_dict(job: DesignJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "title": job.title,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "targets": job.targets,
        "genomes_name": job.genomes_name,
        "reference_name": job.reference_name,
        "created_at": job.created_at.isoformat(),
        "summary": job.summary,
        "panel": job.panel,
        "issues": job.issues[:200],
    }


def surveil_files(
    actor: Actor | Any,
    genomes: UploadedFile | Path,
    reference: UploadedFile | Path,
    assays: UploadedFile | Path,
) -> dict[str, Any]:
    """Score existing assays against uploaded genomes (synchronous: alignment is ~10 ms a genome).

    Returns the at-risk table (worst first), the breaking positions per assay and per-record messages.
    Raises :class:`BadInput` with a message naming the problem for unusable input; both outcomes are
    audited.
    """
    actor = require(actor, *ASSAY_ROLES, target="assay.surveillance")
    try:
        result = _surveil(genomes, reference, assays)
    except ValueError as exc:
        event(actor, AuditAction.SURVEIL, "assay.surveillance", detail={"ok": False, "error": str(exc)[:300]})
        raise BadInput(str(exc), code="unusable_input", status=422) from exc
    event(actor, AuditAction.SURVEIL, "assay.surveillance", detail={"ok": True, "genomes": result["genomes"]})
    return result


def _surveil(
    genomes: UploadedFile | Path, reference: UploadedFile | Path, assays: UploadedFile | Path
) -> dict[str, Any]:
    import tempfile

    from epiaid.assay.engine import align, inclusivity, seqio

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, source in (("genomes.fasta", genomes), ("reference.fasta", reference), ("assays.tsv", assays)):
            _save(source, folder / name)
        ref = seqio.read_reference(folder / "reference.fasta")
        codes = seqio.encode(ref.seq)
        placed = inclusivity.load_assays(folder / "assays.tsv", codes)
        qc = seqio.qc_records(seqio.read_fasta(folder / "genomes.fasta"), reference_length=len(ref.seq))
        aligned = align.align_records(qc.kept, ref.seq)
    if not aligned.names:
        raise ValueError("no usable genome left after QC and alignment")
    table, breaks = inclusivity.surveil(placed, aligned.matrix, aligned.names, codes)
    return {
        "genomes": len(aligned.names),
        "assays": table.to_dict(orient="records"),
        "breaking": breaks,
        "issues": [i.as_row() for i in qc.issues + aligned.issues][:500],
    }
