"""Machine tokens carry scopes: ``xray.stow`` pushes, ``xray.wado`` retrieves; the DICOMweb services check
the one they need (a refusal is 403 with ``missing_scope`` and audited). People signed in are not scoped."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role
from epiaid.core.tokens import issue
from epiaid.xray.engine.synthetic import to_dicom
from epiaid.xray.models import Study

pytestmark = pytest.mark.django_db
BOUNDARY = "scope-test-boundary"
STOW = "/api/xray/dicomweb/studies"
STOW_TYPE = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'


def body(data: bytes) -> bytes:
    return (
        f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


@pytest.fixture
def token_for(make_user: Callable[..., Any]) -> Callable[..., str]:
    user = make_user(Role.CLINICIAN, username="pacs")

    def make(*scopes: str) -> str:
        return issue(user.username, "PACS " + "+".join(scopes), scopes=list(scopes))[1]

    return make


def push(secret: str, film: bytes) -> Any:
    return Client().post(STOW, data=body(film), content_type=STOW_TYPE, HTTP_AUTHORIZATION=f"Bearer {secret}")


def get(secret: str, url: str) -> Any:
    return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_stow_only_token_pushes_but_cannot_retrieve(
    token_for: Callable[..., str], media: Path, chest: np.ndarray
) -> None:
    secret = token_for("xray.stow")
    film = to_dicom(chest)
    assert push(secret, film).status_code == 200
    uid = str(pydicom.dcmread(io.BytesIO(film)).StudyInstanceUID)
    for url in (f"{STOW}/{uid}", f"{STOW}/{uid}/metadata"):
        refused = get(secret, url)
        assert refused.status_code == 403 and refused.json()["code"] == "missing_scope"
        assert "xray.wado" in refused.json()["message"]
    denied = AuditEvent.objects.filter(action="xray.scope_denied")
    assert denied.count() == 2 and denied.first().detail["needs"] == "xray.wado"  # type: ignore[union-attr]
    assert denied.first().actor_kind == "token"  # type: ignore[union-attr]
    assert not AuditEvent.objects.filter(action__in=["xray.wado_retrieve", "xray.wado_metadata"]).exists()


def test_a_wado_only_token_retrieves_but_cannot_push(
    token_for: Callable[..., str], media: Path, chest: np.ndarray
) -> None:
    pusher, reader = token_for("xray.stow"), token_for("xray.wado")
    film = to_dicom(chest)
    refused = push(reader, to_dicom(chest, patient_id="NOT-STORED"))
    assert refused.status_code == 403 and refused.json()["code"] == "missing_scope"
    assert not Study.objects.filter(patient_ref="NOT-STORED").exists()
    assert push(pusher, film).status_code == 200
    uid = str(pydicom.dcmread(io.BytesIO(film)).StudyInstanceUID)
    assert get(reader, f"{STOW}/{uid}").status_code == 200
    assert get(reader, f"{STOW}/{uid}/metadata").status_code == 200


def test_a_token_with_both_scopes_does_both_and_a_signed_in_radiologist_is_not_scoped(
    token_for: Callable[..., str], client_as: Callable[..., Client], media: Path, chest: np.ndarray
) -> None:
    secret = token_for("xray.stow", "xray.wado")
    film = to_dicom(chest)
    assert push(secret, film).status_code == 200
    uid = str(pydicom.dcmread(io.BytesIO(film)).StudyInstanceUID)
    assert get(secret, f"{STOW}/{uid}").status_code == 200
    assert client_as(Role.CLINICIAN).get(f"{STOW}/{uid}/metadata").status_code == 200
    assert not AuditEvent.objects.filter(action="xray.scope_denied").exists()
