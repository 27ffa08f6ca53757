"""``/api/assay/``: design jobs for staff (roles reviewer or health_staff; admin holds every role)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from epiaid.assay import services
from epiaid.core.actors import Actor
from epiaid.core.roles import RoleAuth

router = Router(tags=["assay"], auth=RoleAuth(*services.ASSAY_ROLES))


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
    return [services.job_dict(j) for j in services.list_jobs(Actor.from_request(request))]


@router.get("/jobs/{job_id}", response=JobOut, summary="One design job with its panel and QC messages")
def get_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return services.job_dict(services.get_job(Actor.from_request(request), job_id))


@router.post("/jobs", response={201: JobOut}, summary="Start a design job from uploaded FASTA files")
def create_job(
    request: HttpRequest,
    genomes: File[UploadedFile],
    reference: File[UploadedFile],
    neighbours: File[UploadedFile] | None = None,
    targets: Form[int] = 3,
    title: Form[str] = "",
) -> Status[dict[str, Any]]:
    job = services.create_job(
        Actor.from_request(request),
        genomes,
        reference,
        targets=targets,
        neighbours=neighbours,
        title=title,
        queue=True,
    )
    return Status(201, services.job_dict(job))


@router.post("/surveil", summary="Score existing assays against uploaded genomes (at-risk share, breaking positions)")
def surveil(
    request: HttpRequest, genomes: File[UploadedFile], reference: File[UploadedFile], assays: File[UploadedFile]
) -> dict[str, Any]:
    return services.surveil_files(Actor.from_request(request), genomes, reference, assays)
