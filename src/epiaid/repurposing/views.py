"""The repurposing page: submit a ranking job, watch its progress, read its report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from epiaid.core.actors import Actor
from epiaid.core.errors import Conflict, EpiaidError
from epiaid.core.roles import role_required
from epiaid.repurposing import services

MAX_UPLOAD = 20 * 1024 * 1024


@role_required(*services.ALLOWED_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    jobs = services.list_jobs(Actor.from_request(request), limit=50)
    return render(request, "repurposing/index.html", {"jobs": jobs, "data_ok": services.dti_data_dir().is_dir()})


@require_POST
@role_required(*services.ALLOWED_ROLES)
def submit(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("library")
    library_text = ""
    if upload is not None:
        if upload.size and upload.size > MAX_UPLOAD:
            messages.error(request, f"library file is larger than {MAX_UPLOAD // 1024 // 1024} MB")
            return redirect("repurposing:index")
        try:
            library_text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            messages.error(request, "library file: not UTF-8 text")
            return redirect("repurposing:index")
    try:
        job = services.submit_job(
            Actor.from_request(request),
            benchmark=request.POST.get("benchmark", "kiba"),
            targets_fasta=request.POST.get("targets_fasta", ""),
            library_text=library_text,
            library_name=(upload.name or "") if upload is not None else "",
            antivirals_only=request.POST.get("antivirals_only") == "on",
            **_docking_options(request),
        )
    except EpiaidError as exc:
        messages.error(request, exc.message)
        return redirect("repurposing:index")
    except ValueError as exc:  # a malformed docking number in the form
        messages.error(request, str(exc))
        return redirect("repurposing:index")
    return redirect("repurposing:job", job_id=job.pk)


def _docking_options(request: HttpRequest) -> dict[str, Any]:
    """The form's docking fields; a malformed number is named rather than silently ignored."""
    if request.POST.get("dock") != "on":
        return {}
    options: dict[str, Any] = {"dock_target": request.POST.get("dock_target", "3CL")}
    for field, cast in (("dock_top", int), ("dock_exhaustiveness", int), ("dock_time_limit_s", float)):
        raw = request.POST.get(field, "").strip()
        if raw:
            try:
                options[field] = cast(raw)
            except ValueError:
                raise ValueError(f"{field}: {raw!r} is not a number") from None
    options.setdefault("dock_top", 10)
    return options


@role_required(*services.ALLOWED_ROLES)
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    job = services.get_job(actor, job_id)
    docking = None
    if job.dock_top and job.status == "done":
        try:
            docking = services.docking(actor, job_id).to_dict(orient="records")
        except Conflict:
            docking = []
    return render(request, "repurposing/job.html", {"job": job, "job_data": job.as_dict(), "docking": docking})


@role_required(*services.ALLOWED_ROLES)
def job_report(request: HttpRequest, job_id: int) -> HttpResponse:
    path = services.report_path(Actor.from_request(request), job_id)
    return HttpResponse(path.read_bytes(), content_type="text/html; charset=utf-8")
