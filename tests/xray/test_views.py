"""Worklist, upload and study pages: radiologists only, confirm/override from the page, audited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.core.roles import GROUP_ROLES, Role
from epiaid.xray import services
from epiaid.xray.engine.synthetic import to_dicom
from epiaid.xray.models import Override, Read, Study

pytestmark = pytest.mark.django_db

ALL_ROLES = (Role.PUBLIC, *GROUP_ROLES)
ALLOWED = {Role.CLINICIAN, Role.ADMIN}


@pytest.fixture
def scored(media: Path, chest_dicom: bytes) -> Read:
    read = services.ingest(chest_dicom, "chest.dcm", Study.Source.DEMO).read
    assert read is not None
    return read


def check(resp_code: int, role: Role) -> None:
    if role is Role.PUBLIC:
        assert resp_code == 302  # to the sign-in page
    elif role in ALLOWED:
        assert resp_code == 200
    else:
        assert resp_code == 403


@pytest.mark.parametrize("role", ALL_ROLES)
def test_worklist_page_is_for_radiologists_only(client_as: Callable[..., Client], scored: Read, role: Role) -> None:
    resp = client_as(role).get("/xray/")
    check(resp.status_code, role)
    if role in ALLOWED:
        assert "chest.dcm" in resp.content.decode()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_study_page_is_for_radiologists_only(client_as: Callable[..., Client], scored: Read, role: Role) -> None:
    resp = client_as(role).get(f"/xray/study/{scored.study_id}/")
    check(resp.status_code, role)
    if role in ALLOWED:
        page = resp.content.decode()
        assert f"/api/xray/studies/{scored.study_id}/heatmap.png" in page
        assert f"/api/xray/studies/{scored.study_id}/sr.dcm" in page  # the DICOM SR download


@pytest.mark.parametrize("role", ALL_ROLES)
def test_upload_page_is_for_radiologists_only(client_as: Callable[..., Client], role: Role) -> None:
    check(client_as(role).get("/xray/upload/").status_code, role)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_review_form_is_for_radiologists_only(client_as: Callable[..., Client], scored: Read, role: Role) -> None:
    resp = client_as(role).post(f"/xray/study/{scored.study_id}/review/", {"decision": "confirm"})
    assert resp.status_code == (302 if role is Role.PUBLIC or role in ALLOWED else 403)
    assert Override.objects.exists() == (role in ALLOWED)


def test_uploading_several_files_scores_good_ones_and_explains_rejections(
    client_as: Callable[..., Client],
    media: Path,
    jobs_inline: None,
    chest_dicom: bytes,
    chest_png: bytes,
    make_dicom: Callable[..., bytes],
) -> None:
    client = client_as(Role.CLINICIAN)
    files = [
        SimpleUploadedFile("a.dcm", chest_dicom),
        SimpleUploadedFile("b.png", chest_png),
        SimpleUploadedFile("lateral.dcm", make_dicom(view="LL")),
    ]
    resp = client.post("/xray/upload/", {"files": files}, follow=True)
    page = resp.content.decode()
    assert resp.redirect_chain[0][0].startswith("/jobs/")  # a worker reads them, the page follows the job
    assert Study.objects.filter(status=Study.Status.SCORED).count() == 2
    assert "lateral" in page and "view position LL is lateral" in page
    assert "2 of 3 films read" in page


def test_override_from_the_study_page_changes_the_worklist(client_as: Callable[..., Client], scored: Read) -> None:
    client = client_as(Role.CLINICIAN)
    resp = client.post(
        f"/xray/study/{scored.study_id}/review/",
        {
            "decision": "override",
            "flag": "0" if scored.flag else "1",
            "severity_extent": "2.5",
            "severity_opacity": "",
            "note": "",
        },
    )
    assert resp.status_code == 302
    row = services.worklist()[0]
    assert row["flag"] is (not scored.flag) and row["severity_extent"] == 2.5 and row["review"] == "override"
    assert AuditEvent.objects.filter(action="xray.override", object_id=str(scored.study_id)).exists()


def test_rejected_study_page_shows_the_reason(client_as: Callable[..., Client], media: Path) -> None:
    study = services.ingest(b"hello", "note.txt", Study.Source.UPLOAD).study
    page = client_as(Role.CLINICIAN).get(f"/xray/study/{study.pk}/").content.decode()
    assert "not_an_image" in page


def test_uploading_a_film_on_its_side_explains_the_rotation(
    client_as: Callable[..., Client], media: Path, chest: np.ndarray, jobs_inline: None
) -> None:
    turned = to_dicom(np.ascontiguousarray(np.rot90(chest, 1)))
    resp = client_as(Role.CLINICIAN).post(
        "/xray/upload/", {"files": [SimpleUploadedFile("side.dcm", turned)]}, follow=True
    )
    assert "rotated 90° counter-clockwise" in resp.content.decode()
    study = Study.objects.get()
    assert study.status == Study.Status.REJECTED and study.reject_code == "wrong_orientation"
