"""Pages: the radiologist's worklist, upload, and a study page with heatmap and confirm/override."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from epiaid.core.actors import Actor
from epiaid.core.errors import BadInput, NotFound
from epiaid.core.roles import Role, role_required
from epiaid.xray import services


@role_required(Role.CLINICIAN)
def index(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    rows = services.worklist_for(actor)
    rejected = services.rejected_studies(actor)
    return render(request, "xray/worklist.html", {"rows": rows, "rejected": rejected})


@role_required(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            job = services.queue_uploads_for(Actor.from_request(request), request.FILES.getlist("files"))
        except BadInput as exc:
            messages.error(request, exc.message)
            return redirect("xray:upload")
        return redirect("job", job_id=job.pk)
    return render(request, "xray/upload.html")


@role_required(Role.CLINICIAN)
def study(request: HttpRequest, study_id: int) -> HttpResponse:
    s, read = services.study_for(Actor.from_request(request), study_id)
    reviews = list(read.overrides.select_related("reviewer").all()) if read else []
    return render(request, "xray/study.html", {"study": s, "read": read, "reviews": reviews})


@role_required(Role.CLINICIAN)
@require_POST
def review(request: HttpRequest, study_id: int) -> HttpResponse:
    decision = request.POST.get("decision", "")

    def number(name: str) -> float | None:
        raw = request.POST.get(name, "").strip()
        return float(raw) if raw else None

    try:
        flag_raw = request.POST.get("flag", "")
        services.review_latest(
            Actor.from_request(request),
            study_id,
            decision,
            flag=None if flag_raw == "" else flag_raw == "1",
            severity_extent=number("severity_extent"),
            severity_opacity=number("severity_opacity"),
            note=request.POST.get("note", ""),
        )
    except NotFound as exc:  # a rejected study (no read), or one this radiologist's sites do not hold
        messages.error(request, exc.message)
        return redirect("xray:index")
    except (services.ReviewError, ValueError) as exc:
        messages.error(request, str(exc))
        return redirect("xray:study", study_id=study_id)
    messages.success(request, f"{decision} recorded")
    return redirect("xray:index")
