"""The repurposing page: submit a ranking job, watch its progress, read its report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from epiaid.core.audit import record
from epiaid.core.roles import role_required
from epiaid.repurposing import services
from epiaid.repurposing.models import RankJob

MAX_UPLOAD = 20 * 1024 * 1024


@role_required(*services.ALLOWED_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    record(request, "list", "repurposing.job")
    jobs = RankJob.objects.all()[:50]
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
        job = services.create_job(
            request.user,
            benchmark=request.POST.get("benchmark", "kiba"),
            targets_fasta=request.POST.get("targets_fasta", ""),
            library_text=library_text,
            library_name=(upload.name or "") if upload is not None else "",
            antivirals_only=request.POST.get("antivirals_only") == "on",
            **_docking_options(request),
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("repurposing:index")
    record(request, "create", "repurposing.job", object_id=job.pk, detail={"benchmark": job.benchmark})
    services.start_job(job)
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
    job = get_object_or_404(RankJob, pk=job_id)
    record(request, "view", "repurposing.job", object_id=job.pk)
    docking = None
    if job.dock_top and job.status == RankJob.Status.DONE:
        try:
            docking = services.job_docking(job).to_dict(orient="records")
            record(request, "view", "repurposing.docking", object_id=job.pk)
        except FileNotFoundError:
            docking = []
    return render(request, "repurposing/job.html", {"job": job, "job_data": job.as_dict(), "docking": docking})


@role_required(*services.ALLOWED_ROLES)
def job_report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(RankJob, pk=job_id)
    path = Path(job.work_dir) / "out" / "report.html"
    if job.status != RankJob.Status.DONE or not path.is_file():
        raise Http404("this job has no finished report")
    record(request, "view", "repurposing.report", object_id=job.pk)
    return HttpResponse(path.read_bytes(), content_type="text/html; charset=utf-8")
