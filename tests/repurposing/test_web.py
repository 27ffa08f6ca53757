"""The web page and API: who may use them, a job from submission to report, and the audit trail."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.core.roles import GROUP_ROLES, Role
from epiaid.repurposing.models import RankJob

ALLOWED = {Role.REVIEWER, Role.PROGRAMME_OFFICER, Role.ADMIN}
ALL_ROLES = (Role.PUBLIC, *GROUP_ROLES)


@pytest.fixture
def dti_settings(settings: Any, synthetic_dti: Path, synthetic_weights: Path, tmp_path: Path) -> Path:
    settings.EPIAID_REPURPOSING_DTI_DIR = synthetic_dti
    settings.EPIAID_REPURPOSING_WEIGHTS = synthetic_weights
    settings.DATA_DIR = tmp_path
    return synthetic_dti


def _submit_synthetic(client: Client, dti: Path) -> Any:
    """A ranking job of the synthetic targets against the synthetic library, through the API."""
    return client.post(
        "/api/repurposing/jobs",
        {
            "benchmark": "kiba",
            "targets_fasta": (dti / "targets.fasta").read_text(encoding="utf-8"),
            "library_csv": (dti / "library.csv").read_text(encoding="utf-8"),
        },
        content_type="application/json",
    )


@pytest.mark.parametrize("role", ALL_ROLES)
def test_page_is_for_reviewers_and_programme_officers_only(client_as: Any, role: Role) -> None:
    response = client_as(role).get("/repurposing/")
    if role in ALLOWED:
        assert response.status_code == 200
        assert "약물 재창출" in response.content.decode()
    elif role is Role.PUBLIC:
        assert response.status_code == 302 and "/login" in response["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ALL_ROLES)
def test_jobs_api_is_for_reviewers_and_programme_officers_only(client_as: Any, role: Role) -> None:
    response = client_as(role).get("/api/repurposing/jobs")
    expected = 200 if role in ALLOWED else 401 if role is Role.PUBLIC else 403
    assert response.status_code == expected


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_allowed_roles_can_submit_a_job(client_as: Any, role: Role, dti_settings: Path) -> None:
    client: Client = client_as(role)
    response = client.post("/repurposing/jobs/", {"benchmark": "nope"})
    if role in ALLOWED:
        assert response.status_code == 302  # back to the page with the error message
        assert not RankJob.objects.exists()
    elif role is Role.PUBLIC:
        assert response.status_code == 302 and "/login" in response["Location"]
    else:
        assert response.status_code == 403
        assert AuditEvent.objects.filter(action="denied").exists()


def test_api_rejects_an_unknown_benchmark_by_name(client_as: Any, dti_settings: Path) -> None:
    response = client_as(Role.REVIEWER).post(
        "/api/repurposing/jobs", {"benchmark": "bindingdb"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "bindingdb" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_in_the_background_and_yields_ranking_and_report(
    client_as: Any, dti_settings: Path, job_worker: None
) -> None:
    client = client_as(Role.PROGRAMME_OFFICER)
    response = _submit_synthetic(client, dti_settings)
    assert response.status_code == 200, response.content
    job_id = response.json()["id"]
    deadline = time.monotonic() + 120
    while True:
        job = client.get(f"/api/repurposing/jobs/{job_id}").json()
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert job["status"] == "done", job
    assert job["progress"] == 1.0 and job["n_problems"] == 5 and job["n_drugs"] == 5
    ranking = client.get(f"/api/repurposing/jobs/{job_id}/ranking?target=viral_protease&limit=3").json()
    assert [r["rank"] for r in ranking] == [1, 2, 3]
    page = client.get(f"/repurposing/jobs/{job_id}/")
    assert page.status_code == 200 and b"job-data" in page.content
    report = client.get(f"/repurposing/jobs/{job_id}/report.html")
    assert report.status_code == 200
    assert b"viral_protease" in report.content
    assert AuditEvent.objects.filter(target="repurposing.report", object_id=str(job_id)).exists()
    assert client_as(Role.CLINICIAN).get(f"/repurposing/jobs/{job_id}/report.html").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_keeps_its_reason(client_as: Any, dti_settings: Path, job_worker: None) -> None:
    client = client_as(Role.REVIEWER)
    response = client.post(
        "/api/repurposing/jobs",
        {
            "targets_fasta": ">dna\nACGTACGTACGTACGTACGTACGTACGT\n",
            "library_csv": "name,smiles\nethanol,CCO\n",
        },
        content_type="application/json",
    )
    job_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while RankJob.objects.get(pk=job_id).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
    job = RankJob.objects.get(pk=job_id)
    assert job.status == "failed" and "no usable protein sequence" in job.message
    assert client.get(f"/api/repurposing/jobs/{job_id}/ranking").status_code == 409
    assert client.get(f"/repurposing/jobs/{job_id}/report.html").status_code == 404


def test_demo_without_real_data_leaves_a_finished_synthetic_job(db: Any, settings: Any, tmp_path: Path) -> None:
    from epiaid.repurposing.demo import load_demo

    settings.DATA_DIR = tmp_path
    messages: list[str] = []
    summary = load_demo(None, messages.append)
    job = RankJob.objects.get()
    assert job.status == "done", summary
    assert (Path(job.work_dir) / "out" / "report.html").is_file()
    assert "already present" in load_demo(None, messages.append)


def test_api_is_documented_in_openapi(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert {"/api/repurposing/jobs", "/api/repurposing/jobs/{job_id}/ranking"} <= set(schema["paths"])


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_job_says_so_and_a_retry_ranks_it_after_all(
    client_as: Any, dti_settings: Path, request: pytest.FixtureRequest
) -> None:
    from epiaid.core.jobs.models import Job
    from epiaid.core.jobs.service import cancel, retry

    client = client_as(Role.REVIEWER)
    job_id = _submit_synthetic(client, dti_settings).json()["id"]
    queued = Job.objects.get(ref=f"repurposing.rankjob:{job_id}")
    owner = queued.owner
    cancel(queued, actor=owner)
    rank_job = RankJob.objects.get(pk=job_id)
    assert rank_job.status == "failed" and "cancelled by" in rank_job.message
    retry(Job.objects.get(pk=queued.pk), actor=owner)
    assert RankJob.objects.get(pk=job_id).status == "queued"
    request.getfixturevalue("job_worker")  # a worker comes up
    deadline = time.monotonic() + 120
    while RankJob.objects.get(pk=job_id).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
    assert RankJob.objects.get(pk=job_id).status == "done"
    # The handler marks the ranking done; the worker records the job's outcome a moment after it returns.
    while Job.objects.get(pk=queued.pk).status == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Job.objects.get(pk=queued.pk).status == "succeeded"
