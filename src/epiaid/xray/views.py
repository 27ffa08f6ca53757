"""Pages: the radiologist's worklist, upload, and a study page with heatmap and confirm/override."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from epiaid.core.audit import record
from epiaid.core.roles import Role, role_required
from epiaid.xray import services
from epiaid.xray.models import Study


@role_required(Role.CLINICIAN)
def index(request: HttpRequest) -> HttpResponse:
    rows = services.worklist()
    rejected = Study.objects.filter(status=Study.Status.REJECTED).order_by("-received_at")[:20]
    record(request, "xray.worklist", services.AUDIT_TARGET, detail={"rows": len(rows)})
    return render(request, "xray/worklist.html", {"rows": rows, "rejected": rejected})


@role_required(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        files = request.FILES.getlist("files")
        if not files:
            messages.error(request, "Choose at least one file.")
            return redirect("xray:upload")
        try:
            job = services.queue_uploads(files, request.user)
        except ValueError as exc:
            messages.error(request, str(exc))
            return redirect("xray:upload")
        return redirect("job", job_id=job.pk)
    return render(request, "xray/upload.html")


@role_required(Role.CLINICIAN)
def study(request: HttpRequest, study_id: int) -> HttpResponse:
    s = get_object_or_404(Study, pk=study_id)
    read = services.latest_read(s)
    record(request, "xray.view", services.AUDIT_TARGET, object_id=s.pk)
    reviews = list(read.overrides.select_related("reviewer").all()) if read else []
    return render(request, "xray/study.html", {"study": s, "read": read, "reviews": reviews})


@role_required(Role.CLINICIAN)
@require_POST
def review(request: HttpRequest, study_id: int) -> HttpResponse:
    s = get_object_or_404(Study, pk=study_id)
    read = services.latest_read(s)
    if read is None:
        messages.error(request, "A rejected study has no read to review.")
        return redirect("xray:study", study_id=study_id)
    decision = request.POST.get("decision", "")

    def number(name: str) -> float | None:
        raw = request.POST.get(name, "").strip()
        return float(raw) if raw else None

    try:
        flag_raw = request.POST.get("flag", "")
        services.review(
            read,
            request.user,
            decision,
            flag=None if flag_raw == "" else flag_raw == "1",
            severity_extent=number("severity_extent"),
            severity_opacity=number("severity_opacity"),
            note=request.POST.get("note", ""),
            request=request,
        )
    except (services.ReviewError, ValueError) as exc:
        messages.error(request, str(exc))
        return redirect("xray:study", study_id=study_id)
    messages.success(request, f"{decision} recorded")
    return redirect("xray:index")
