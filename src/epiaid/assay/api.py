"""``/api/assay/``: design jobs for staff (roles reviewer or health_staff; admin holds every role)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status

from epiaid.assay import services
from epiaid.assay.models import DesignJob
from epiaid.core.audit import record
from epiaid.core.jobs.service import JobRefused
from epiaid.core.roles import Role, RoleAuth

ASSAY_ROLES = (Role.REVIEWER, Role.HEALTH_STAFF)
router = Router(tags=["assay"], auth=RoleAuth(*ASSAY_ROLES))


class JobOut(Schema):
    id: int
    title: str
    status: str
    progress: float
    message: str
    error: str
    targets: int
    genomes_name: str
    reference_name: str
    created_at: str
    summary: dict[str, Any]
    panel: list[dict[str, Any]]
    issues: list[dict[str, Any]]


@router.get("/jobs", response=list[JobOut], summary="Design jobs, newest first")
def list_jobs(request: HttpRequest) -> list[dict[str, Any]]:
    record(request, "list", "assay.job")
    return [services.job_dict(j) for j in DesignJob.objects.all()[:100]]


@router.get("/jobs/{job_id}", response=JobOut, summary="One design job with its panel and QC messages")
def get_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    job = get_object_or_404(DesignJob, pk=job_id)
    record(request, "view", "assay.job", object_id=job.pk)
    return services.job_dict(job)


@router.post("/jobs", response={201: JobOut}, summary="Start a design job from uploaded FASTA files")
def create_job(
    request: HttpRequest,
    genomes: File[UploadedFile],
    reference: File[UploadedFile],
    neighbours: File[UploadedFile] | None = None,
    targets: Form[int] = 3,
    title: Form[str] = "",
) -> Status[dict[str, Any]]:
    try:
        job = services.create_job(request.user, genomes, reference, targets=targets, neighbours=neighbours, title=title)
    except JobRefused as exc:
        raise HttpError(429, str(exc)) from exc
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    record(request, "create", "assay.job", object_id=job.pk, detail={"genomes": job.genomes_name})
    services.start_job(job)
    job.refresh_from_db()
    return Status(201, services.job_dict(job))


@router.post("/surveil", summary="Score existing assays against uploaded genomes (at-risk share, breaking positions)")
def surveil(
    request: HttpRequest, genomes: File[UploadedFile], reference: File[UploadedFile], assays: File[UploadedFile]
) -> dict[str, Any]:
    try:
        result = services.surveil_files(genomes, reference, assays)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    record(request, "surveil", "assay.surveillance", detail={"genomes": result["genomes"]})
    return result
