"""``/api/jobs``: the jobs a signed-in person may see; retry and cancel; and the worker health check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.security import SessionAuth

from epiaid.core.errors import BadInput
from epiaid.core.jobs import service
from epiaid.core.jobs.models import Job
from epiaid.core.jobs.worker import last_worker_seen, worker_alive

router = Router(auth=SessionAuth())


@router.get("", summary="Background jobs you may see (admins: all), newest first")
def list_jobs(request: HttpRequest, status: str = "", kind: str = "", owner: str = "", limit: int = 100) -> Any:
    if status and status not in Job.Status.values:
        raise BadInput(f"status: unknown {status!r} (one of {', '.join(Job.Status.values)})", status=422)
    jobs = service.filter_jobs(service.jobs_visible_to(request.user), status=status, kind=kind, owner=owner)
    return [service.as_dict(j) for j in jobs[: max(1, min(limit, 1000))]]


@router.get("/{job_id}", summary="One job: state, progress, error, times")
def get_job(request: HttpRequest, job_id: int) -> Any:
    return service.as_dict(get_object_or_404(service.jobs_visible_to(request.user), pk=job_id))


def _act(request: HttpRequest, job_id: int, action: Callable[..., Job]) -> Any:
    job = get_object_or_404(service.jobs_visible_to(request.user), pk=job_id)
    return service.as_dict(action(job, actor=request.user))  # a JobError answers 409 through the API's handler


@router.post("/{job_id}/cancel", summary="Cancel a queued job, or ask a running one to stop")
def cancel_job(request: HttpRequest, job_id: int) -> Any:
    return _act(request, job_id, service.cancel)


@router.post("/{job_id}/retry", summary="Run a failed or cancelled job again")
def retry_job(request: HttpRequest, job_id: int) -> Any:
    return _act(request, job_id, service.retry)


def worker_health() -> dict[str, Any]:
    seen = last_worker_seen()
    return {"worker_alive": worker_alive(), "worker_last_seen": seen.isoformat() if seen else None}
