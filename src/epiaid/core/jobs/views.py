"""The jobs page: every job a person may see, with filters, progress, retry and cancel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from epiaid.core.actors import Actor
from epiaid.core.jobs import service
from epiaid.core.jobs.models import Job
from epiaid.core.jobs.worker import last_worker_seen, worker_alive


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    jobs = service.filter_jobs(
        service.jobs_visible_to(request.user),
        status=status if status in Job.Status.values else "",
        kind=request.GET.get("kind", "")[:64],
        owner=request.GET.get("owner", "")[:150],
    )
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "statuses": Job.Status.values,
        "kinds": sorted(set(Job.objects.values_list("kind", flat=True).distinct())),
        "worker_alive": worker_alive(),
        "worker_seen": last_worker_seen(),
    }
    return render(request, "core/jobs.html", context)


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """One job: state and progress (the page reloads itself while the job is active), then its files."""
    job = get_object_or_404(service.jobs_visible_to(request.user), pk=job_id)
    context = {"job": job, "view": service.as_dict(job), "active": job.status in Job.ACTIVE}
    context["link"] = job.result.get("link") if isinstance(job.result, dict) else None
    return render(request, "core/job.html", context)


@login_required
def job_file(request: HttpRequest, job_id: int, name: str) -> HttpResponseBase:
    """A file the job wrote, to those who may see the job; every download is audited."""
    path, content_type = service.download(Actor.from_request(request), job_id, name)
    return FileResponse(path.open("rb"), content_type=content_type, as_attachment=True, filename=name)


@login_required
@require_POST
def job_action(request: HttpRequest, job_id: int, action: str) -> HttpResponse:
    if action not in ("cancel", "retry"):
        raise Http404(f"no job action {action!r}")
    job = get_object_or_404(service.jobs_visible_to(request.user), pk=job_id)
    try:
        if action == "cancel":
            service.cancel(job, actor=request.user)
        else:
            service.retry(job, actor=request.user)
    except service.JobError as exc:
        messages.error(request, str(exc))
    return redirect("job", job_id=job.pk)
