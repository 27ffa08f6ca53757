"""The /assay/ page and /api/assay/ for staff: reviewer or health_staff (admin holds every role)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from epiaid.assay.models import DesignJob
from epiaid.core.models import AuditEvent
from epiaid.core.roles import GROUP_ROLES, Role

ALL_ROLES = (Role.PUBLIC, *GROUP_ROLES)
ALLOWED = {Role.REVIEWER, Role.HEALTH_STAFF, Role.ADMIN}


@pytest.fixture
def inline_jobs(settings: Any, tmp_path: Path, jobs_inline: None) -> Path:
    """Jobs run at submission (the queue's immediate backend) and write under a throw-away MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _uploads(synthetic_set: dict[str, Path]) -> dict[str, Any]:
    return {
        "genomes": SimpleUploadedFile("유전체.fasta", synthetic_set["genomes"].read_bytes()),
        "reference": SimpleUploadedFile("reference.fasta", synthetic_set["reference"].read_bytes()),
        "targets": 2,
        "title": "신종 바이러스 패널",
    }


@pytest.mark.parametrize("role", ALL_ROLES)
def test_design_page_is_for_reviewers_and_health_staff(client_as: Any, role: Role) -> None:
    response = client_as(role).get("/assay/")
    if role is Role.PUBLIC:
        assert response.status_code == 302 and "/login" in response["Location"]
    elif role in ALLOWED:
        assert response.status_code == 200 and "RT-PCR" in response.content.decode()
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ALL_ROLES)
def test_jobs_api_is_for_reviewers_and_health_staff(client_as: Any, role: Role) -> None:
    response = client_as(role).get("/api/assay/jobs")
    expected = 200 if role in ALLOWED else (401 if role is Role.PUBLIC else 403)
    assert response.status_code == expected


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_allowed_roles_can_start_a_job(
    client_as: Any, role: Role, synthetic_set: dict[str, Path], inline_jobs: Path
) -> None:
    uploads = _uploads(synthetic_set)
    uploads["targets"] = 9  # allowed roles get past the role check and meet the validation instead
    response = client_as(role).post("/api/assay/jobs", uploads)
    if role in ALLOWED:
        assert response.status_code == 422 and "targets" in response.json()["detail"]
    else:
        assert response.status_code == (401 if role is Role.PUBLIC else 403)
    assert not DesignJob.objects.exists()


def test_api_job_runs_and_returns_the_panel_with_record_messages(
    client_as: Any, synthetic_set: dict[str, Path], inline_jobs: Path
) -> None:
    pytest.importorskip("primer3")
    client = client_as(Role.REVIEWER)
    response = client.post("/api/assay/jobs", _uploads(synthetic_set))
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "done", job["error"]
    assert {row["role"] for row in job["panel"]} == {"forward", "reverse", "probe"}
    assert any(i["record"] == "protein_record" and i["dropped"] for i in job["issues"])
    assert AuditEvent.objects.filter(target="assay.job", action="create", object_id=str(job["id"])).exists()
    detail = client.get(f"/assay/jobs/{job['id']}/")
    assert "panel-table" in detail.content.decode() and "신종 바이러스 패널" in detail.content.decode()
    report = client.get(f"/assay/jobs/{job['id']}/files/report.html")
    assert report.status_code == 200 and b"Cross-dimer" in report.content
    assert client.get(f"/assay/jobs/{job['id']}/files/..%2Fsecret").status_code == 404
    assert AuditEvent.objects.filter(target="assay.job", action="download").exists()
    assert client_as(Role.CLINICIAN).get(f"/assay/jobs/{job['id']}/files/panel.tsv").status_code == 403


def test_a_job_with_an_unusable_reference_fails_with_its_reason(
    client_as: Any, synthetic_set: dict[str, Path], inline_jobs: Path
) -> None:
    uploads = _uploads(synthetic_set)
    uploads["reference"] = SimpleUploadedFile("ref.fasta", b">r\n" + b"ACGT" * 900 + b"\n")
    job = client_as(Role.HEALTH_STAFF).post("/api/assay/jobs", uploads).json()
    assert job["status"] == "failed"
    assert "reference does not match" in job["error"]


def test_page_form_starts_a_job_and_redirects_to_it(
    client_as: Any, synthetic_set: dict[str, Path], inline_jobs: Path
) -> None:
    pytest.importorskip("primer3")
    client = client_as(Role.HEALTH_STAFF)
    response = client.post("/assay/", _uploads(synthetic_set))
    assert response.status_code == 302
    job = DesignJob.objects.get()
    assert response["Location"].endswith(f"/assay/jobs/{job.pk}/") and job.status == "done"


def test_demo_without_real_data_leaves_a_finished_synthetic_job(db: Any, inline_jobs: Path) -> None:
    pytest.importorskip("primer3")
    from epiaid.assay.demo import load_demo

    message = load_demo(None, lambda m: None)
    job = DesignJob.objects.get()
    assert job.status == "done" and "synthetic" in message and job.panel


@pytest.mark.parametrize("role", ALL_ROLES)
def test_job_page_and_job_api_follow_the_same_roles(client_as: Any, role: Role, make_user: Any) -> None:
    job = DesignJob.objects.create(
        genomes_name="g.fasta",
        reference_name="r.fasta",
        work_dir="/nonexistent",
        status=DesignJob.Status.DONE,
        panel=[{"target": "t", "oligo": "t_F", "role": "forward", "sequence": "ACGT"}],
    )
    client = client_as(role)
    page = client.get(f"/assay/jobs/{job.pk}/")
    api = client.get(f"/api/assay/jobs/{job.pk}")
    if role is Role.PUBLIC:
        assert page.status_code == 302 and api.status_code == 401
    elif role in ALLOWED:
        assert page.status_code == 200 and api.status_code == 200 and api.json()["panel"][0]["oligo"] == "t_F"
        assert AuditEvent.objects.filter(target="assay.job", action="view", object_id=str(job.pk)).count() == 2
    else:
        assert page.status_code == 403 and api.status_code == 403
        assert AuditEvent.objects.filter(action="denied").exists()


def test_a_genomes_file_that_is_not_fasta_fails_the_job_with_a_clear_reason(
    client_as: Any, synthetic_set: dict[str, Path], inline_jobs: Path
) -> None:
    uploads = _uploads(synthetic_set)
    uploads["genomes"] = SimpleUploadedFile("notes.txt", "연구 메모: 서열 없음\n".encode())
    job = client_as(Role.REVIEWER).post("/api/assay/jobs", uploads).json()
    assert job["status"] == "failed" and "not FASTA" in job["error"]


def _assay_upload(synthetic_set: dict[str, Path]) -> SimpleUploadedFile:
    from epiaid.assay.engine import seqio

    ref = seqio.read_reference(synthetic_set["reference"]).seq
    text = (
        "assay\toligo_name\trole\tsequence_5to3\n"
        f"내_검사\tmy_F\tforward\t{ref[1000:1020]}\n내_검사\tmy_R\treverse\t{seqio.revcomp(ref[1100:1120])}\n"
    )
    return SimpleUploadedFile("assays.tsv", text.encode())


@pytest.mark.parametrize("role", ALL_ROLES)
def test_surveillance_api_scores_assays_for_allowed_roles_only(
    client_as: Any, role: Role, synthetic_set: dict[str, Path]
) -> None:
    uploads = {
        "genomes": SimpleUploadedFile("g.fasta", synthetic_set["genomes"].read_bytes()),
        "reference": SimpleUploadedFile("r.fasta", synthetic_set["reference"].read_bytes()),
        "assays": _assay_upload(synthetic_set),
    }
    response = client_as(role).post("/api/assay/surveil", uploads)
    if role in ALLOWED:
        assert response.status_code == 200
        body = response.json()
        assert body["assays"][0]["assay"] == "내_검사" and body["genomes"] >= 30
        assert AuditEvent.objects.filter(target="assay.surveillance").exists()
    else:
        assert response.status_code == (401 if role is Role.PUBLIC else 403)


def test_surveillance_page_shows_the_table_and_names_a_bad_assay_row(
    client_as: Any, synthetic_set: dict[str, Path]
) -> None:
    client = client_as(Role.HEALTH_STAFF)
    uploads = {
        "genomes": SimpleUploadedFile("g.fasta", synthetic_set["genomes"].read_bytes()),
        "reference": SimpleUploadedFile("r.fasta", synthetic_set["reference"].read_bytes()),
        "assays": _assay_upload(synthetic_set),
    }
    page = client.post("/assay/surveil/", uploads).content.decode()
    assert "surveil-table" in page and "내_검사" in page
    uploads["assays"] = SimpleUploadedFile("a.tsv", b"assay\toligo_name\trole\tsequence_5to3\nx\tx_F\tprimer\tACGT\n")
    uploads["genomes"].seek(0)
    uploads["reference"].seek(0)
    page = client.post("/assay/surveil/", uploads).content.decode()
    assert "row 2" in page and "not forward/reverse/probe" in page
    assert client_as(Role.CLINICIAN).get("/assay/surveil/").status_code == 403
