"""Pages: start a design job, watch it run, read its report (roles reviewer or health_staff)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from epiaid.assay import services
from epiaid.assay.services import ASSAY_ROLES
from epiaid.core.actors import Actor
from epiaid.core.errors import EpiaidError
from epiaid.core.roles import role_required


class DesignForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, label="Title / 제목")
    genomes = forms.FileField(label="Genomes FASTA (.fasta, .gz, .xz) / 유전체")
    reference = forms.FileField(label="Reference FASTA / 기준 서열")
    neighbours = forms.FileField(required=False, label="Near neighbours FASTA (exclusivity) / 근연종")
    targets = forms.IntegerField(min_value=1, max_value=5, initial=3, label="Targets / 표적 수")


@role_required(*ASSAY_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    form = DesignForm(request.POST or None, request.FILES or None)
    actor = Actor.from_request(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.create_job(
                actor,
                data["genomes"],
                data["reference"],
                targets=data["targets"],
                neighbours=data.get("neighbours"),
                title=data.get("title") or "",
                queue=True,
            )
        except EpiaidError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("assay:job", job_id=job.pk)
    return render(request, "assay/index.html", {"form": form, "jobs": services.list_jobs(actor, limit=50)})


@role_required(*ASSAY_ROLES)
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = services.get_job(Actor.from_request(request), job_id)
    files = [name for name in services.OUTPUT_FILES if services.output_path(job, name) is not None]
    return render(request, "assay/job.html", {"job": job, "files": files, "job_data": services.job_dict(job)})


@role_required(*ASSAY_ROLES)
def job_file(request: HttpRequest, job_id: int, name: str) -> HttpResponse:
    job, path = services.job_file(Actor.from_request(request), job_id, name)
    # Outputs are small (a report is a few hundred kB), so a plain response keeps the role decorator's type.
    response = HttpResponse(path.read_bytes(), content_type=services.OUTPUT_FILES[name])
    disposition = "inline" if name.endswith((".html", ".png")) else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="assay_job{job.pk}_{name}"'
    return response


class SurveilForm(forms.Form):
    genomes = forms.FileField(label="New genomes FASTA / 신규 유전체")
    reference = forms.FileField(label="Reference FASTA / 기준 서열")
    assays = forms.FileField(label="Assays TSV (assay, oligo_name, role, sequence_5to3 [, coordinates]) / 검사법")


@role_required(*ASSAY_ROLES)
def surveil(request: HttpRequest) -> HttpResponse:
    form = SurveilForm(request.POST or None, request.FILES or None)
    result = None
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.surveil_files(
                Actor.from_request(request), data["genomes"], data["reference"], data["assays"]
            )
        except EpiaidError as exc:
            error = exc.message
    return render(request, "assay/surveil.html", {"form": form, "result": result, "error": error})
