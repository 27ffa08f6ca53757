"""REST API: radiologists (clinician) and admins only; every read, view and review lands in the audit log."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.core.roles import GROUP_ROLES, Role
from epiaid.xray import services
from epiaid.xray.models import Override, Read, Study

pytestmark = pytest.mark.django_db

ALL_ROLES = (Role.PUBLIC, *GROUP_ROLES)
ALLOWED = {Role.CLINICIAN, Role.ADMIN}


@pytest.fixture
def scored(media: Path, chest_dicom: bytes) -> Read:
    outcome = services.ingest(chest_dicom, "chest.dcm", Study.Source.DEMO, sender="test")
    assert outcome.read is not None
    return outcome.read


def expected(role: Role) -> set[int]:
    if role is Role.PUBLIC:
        return {401}
    return {200, 201} if role in ALLOWED else {403}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_upload_is_for_radiologists_only(
    client_as: Callable[..., Client], media: Path, chest_dicom: bytes, role: Role
) -> None:
    resp = client_as(role).post("/api/xray/studies", {"file": SimpleUploadedFile("c.dcm", chest_dicom)})
    assert resp.status_code in expected(role)
    assert Study.objects.exists() == (role in ALLOWED)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_worklist_is_for_radiologists_only(client_as: Callable[..., Client], scored: Read, role: Role) -> None:
    resp = client_as(role).get("/api/xray/worklist")
    assert resp.status_code in expected(role)
    if role in ALLOWED:
        assert resp.json()[0]["study_id"] == scored.study_id


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("suffix", ["", "/heatmap.png"])
def test_study_result_and_heatmap_are_for_radiologists_only(
    client_as: Callable[..., Client], scored: Read, role: Role, suffix: str
) -> None:
    resp = client_as(role).get(f"/api/xray/studies/{scored.study_id}{suffix}")
    assert resp.status_code in expected(role)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_review_is_for_radiologists_only(client_as: Callable[..., Client], scored: Read, role: Role) -> None:
    resp = client_as(role).post(
        f"/api/xray/studies/{scored.study_id}/review",
        json.dumps({"decision": "confirm"}),
        content_type="application/json",
    )
    assert resp.status_code in expected(role)
    assert Override.objects.exists() == (role in ALLOWED)


def test_denied_access_is_audited(client_as: Callable[..., Client], scored: Read) -> None:
    client_as(Role.INVESTIGATOR).get("/api/xray/worklist")
    assert AuditEvent.objects.filter(action="denied").exists()


def test_upload_returns_the_structured_result_and_audits_the_read_with_the_model_hash(
    client_as: Callable[..., Client], media: Path, chest_dicom: bytes
) -> None:
    resp = client_as(Role.CLINICIAN).post("/api/xray/studies", {"file": SimpleUploadedFile("c.dcm", chest_dicom)})
    assert resp.status_code == 201
    body = resp.json()
    assert body["schema"] == "epiaid.xray.result/1"
    assert 0 <= body["findings"]["pneumonia_opacity"]["probability"] <= 1
    assert 0 <= body["severity"]["geographic_extent_0_8"] <= 8
    assert 0 <= body["severity"]["opacity_0_6"] <= 6
    event = AuditEvent.objects.get(action="xray.read")
    assert event.detail["model_sha256"] == body["model"]["sha256"] and len(body["model"]["sha256"]) == 64
    assert event.actor_label == "user_clinician"


@pytest.mark.parametrize(("payload", "code"), [(b"not an image at all", "not_an_image"), (b"", "empty")])
def test_bad_uploads_are_rejected_with_the_reason_and_kept_as_rejected_studies(
    client_as: Callable[..., Client], media: Path, payload: bytes, code: str
) -> None:
    resp = client_as(Role.CLINICIAN).post("/api/xray/studies", {"file": SimpleUploadedFile("x.txt", payload)})
    assert resp.status_code == 422
    assert resp.json()["code"] == code
    study = Study.objects.get(pk=resp.json()["study_id"])
    assert study.status == Study.Status.REJECTED and not study.reads.exists()
    assert AuditEvent.objects.filter(action="xray.reject").exists()


def test_ct_upload_is_rejected_as_wrong_modality(
    client_as: Callable[..., Client], media: Path, make_dicom: Callable[..., bytes]
) -> None:
    resp = client_as(Role.CLINICIAN).post(
        "/api/xray/studies", {"file": SimpleUploadedFile("ct.dcm", make_dicom(modality="CT"))}
    )
    assert resp.status_code == 422 and resp.json()["code"] == "wrong_modality"


def test_override_is_audited_with_model_and_radiologist_values(client_as: Callable[..., Client], scored: Read) -> None:
    radiologist = client_as(Role.CLINICIAN)
    resp = radiologist.post(
        f"/api/xray/studies/{scored.study_id}/review",
        json.dumps({"decision": "override", "flag": not scored.flag, "severity_extent": 6.5, "note": "양측 폐렴"}),
        content_type="application/json",
    )
    assert resp.status_code == 201
    ov = Override.objects.get()
    assert ov.flag is (not scored.flag) and ov.severity_extent == 6.5 and ov.note == "양측 폐렴"
    event = AuditEvent.objects.get(action="xray.override")
    assert event.detail["model_sha256"] == scored.model_sha256
    assert event.detail["radiologist"]["extent"] == 6.5
    row = radiologist.get("/api/xray/worklist").json()[0]
    assert row["review"] == "override" and row["severity_extent"] == 6.5


@pytest.mark.parametrize(
    "body", [{"decision": "maybe"}, {"decision": "override"}, {"decision": "override", "severity_extent": 9}]
)
def test_invalid_reviews_are_refused_with_a_reason(
    client_as: Callable[..., Client], scored: Read, body: dict[str, Any]
) -> None:
    resp = client_as(Role.CLINICIAN).post(
        f"/api/xray/studies/{scored.study_id}/review", json.dumps(body), content_type="application/json"
    )
    assert resp.status_code == 400 and resp.json()["detail"]
    assert not Override.objects.exists()


def test_worklist_puts_flagged_and_severe_studies_first(media: Path, chest_dicom: bytes) -> None:
    reads = [services.ingest(chest_dicom, f"c{i}.dcm", Study.Source.DEMO).read for i in range(3)]
    assert all(reads)
    for read, (flag, urgency) in zip(reads, [(False, 90.0), (True, 10.0), (True, 50.0)], strict=True):
        Read.objects.filter(pk=read.pk).update(flag=flag, urgency=urgency)  # type: ignore[union-attr]
    order = [r["read_id"] for r in services.worklist()]
    assert order == [reads[2].pk, reads[1].pk, reads[0].pk]  # type: ignore[union-attr]


def test_heatmap_secondary_capture_files_beside_the_source_study(
    client_as: Callable[..., Client], scored: Read
) -> None:
    resp = client_as(Role.CLINICIAN).get(f"/api/xray/studies/{scored.study_id}/heatmap.dcm")
    assert resp.status_code == 200
    ds = pydicom.dcmread(io.BytesIO(resp.content))
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.7"
    assert ds.StudyInstanceUID == scored.study.study_uid
    assert str(ds.PatientName) == "홍길동"
    assert ds.pixel_array.shape[2] == 3
    assert AuditEvent.objects.filter(action="xray.export_sc").exists()
