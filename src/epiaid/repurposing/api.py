"""REST API for ranking jobs (staff roles only; every read and write is audited)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from epiaid.core.actors import Actor
from epiaid.core.roles import RoleAuth
from epiaid.repurposing import services

router = Router(tags=["repurposing"], auth=RoleAuth(*services.ALLOWED_ROLES))


class JobIn(Schema):
    benchmark: str = "kiba"
    targets_fasta: str = ""
    library_csv: str = ""
    antivirals_only: bool = False
    dock_top: int = 0
    dock_target: str = "3CL"
    dock_exhaustiveness: int = 8
    dock_time_limit_s: float = 300.0


@router.get("/jobs", summary="List ranking jobs")
def list_jobs(request: HttpRequest) -> list[dict[str, Any]]:
    return [j.as_dict() for j in services.list_jobs(Actor.from_request(request))]


@router.post("/jobs", summary="Submit a ranking job (targets × library); it runs in the background")
def submit_job(request: HttpRequest, payload: JobIn) -> dict[str, Any]:
    job = services.submit_job(
        Actor.from_request(request),
        benchmark=payload.benchmark,
        targets_fasta=payload.targets_fasta,
        library_text=payload.library_csv,
        antivirals_only=payload.antivirals_only,
        dock_top=payload.dock_top,
        dock_target=payload.dock_target,
        dock_exhaustiveness=payload.dock_exhaustiveness,
        dock_time_limit_s=payload.dock_time_limit_s,
    )
    return job.as_dict()


@router.get("/jobs/{job_id}", summary="A job's status and progress")
def get_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return services.get_job(Actor.from_request(request), job_id).as_dict()


@router.get("/jobs/{job_id}/ranking", summary="Ranked drugs per target of a finished job")
def get_ranking(request: HttpRequest, job_id: int, target: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    table = services.ranking(Actor.from_request(request), job_id, target, limit)
    cols = [
        c
        for c in (
            "target",
            "rank",
            "drug_id",
            "name",
            "prediction",
            "uncertainty",
            "nearest_train_drug",
            "nearest_drug_tanimoto",
            "nearest_target_similarity",
        )
        if c in table.columns
    ]
    return [
        {k: (None if v != v else v) for k, v in row.items()}  # NaN is not JSON
        for row in table[cols].to_dict(orient="records")
    ]


@router.get("/jobs/{job_id}/docking", summary="Vina docking re-rank of a finished job's shortlist")
def get_docking(request: HttpRequest, job_id: int) -> list[dict[str, Any]]:
    table = services.docking(Actor.from_request(request), job_id)
    return table.to_dict(orient="records")  # type: ignore[return-value]
