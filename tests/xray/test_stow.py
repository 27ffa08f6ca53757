"""DICOMweb STOW-RS: a PACS pushes multipart/related DICOM; each instance is stored and scored like a
C-STORE, and the DICOM JSON answer says per instance what happened and why."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from epiaid.core.models import AuditEvent
from epiaid.core.roles import GROUP_ROLES, Role
from epiaid.xray.engine.dicomweb import PRIVATE_CREATOR, StowError, split_parts
from epiaid.xray.engine.synthetic import to_dicom
from epiaid.xray.models import Study

ALL_ROLES = (Role.PUBLIC, *GROUP_ROLES)
ALLOWED = {Role.CLINICIAN, Role.ADMIN}
URL = "/api/xray/dicomweb/studies"
BOUNDARY = "epiaid-test-boundary-7d3f"
CONTENT_TYPE = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'


def multipart(*parts: bytes | tuple[str, bytes]) -> bytes:
    """A real STOW-RS body as a DICOMweb client writes it (CRLF line ends, closing delimiter)."""
    out = b""
    for part in parts:
        media, data = part if isinstance(part, tuple) else ("application/dicom", part)
        out += f"--{BOUNDARY}\r\nContent-Type: {media}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def uid(data: bytes) -> str:
    return str(pydicom.dcmread(io.BytesIO(data)).SOPInstanceUID)


def post(client: Client, body: bytes, content_type: str = CONTENT_TYPE) -> Any:
    return client.post(URL, data=body, content_type=content_type)


def test_parts_come_back_byte_for_byte(chest_dicom: bytes) -> None:
    tricky = b"\r\n--" + BOUNDARY.encode()[:-1] + b"\r\n\r\n\x00\xff"  # near-boundary bytes inside a part
    parts = split_parts(CONTENT_TYPE, multipart(chest_dicom, tricky))
    assert [p.data for p in parts] == [chest_dicom, tricky]
    assert [p.index for p in parts] == [1, 2]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.binary(max_size=300).filter(lambda b: f"--{BOUNDARY}".encode() not in b), min_size=1, max_size=4),
    st.sampled_from(["", "preamble text\r\n"]),
    st.sampled_from(["", "epilogue"]),
)
def test_any_binary_parts_survive_the_split_byte_for_byte(payloads: list[bytes], preamble: str, epilogue: str) -> None:
    body = preamble.encode() + multipart(*payloads) + epilogue.encode()
    assert [p.data for p in split_parts(CONTENT_TYPE, body)] == payloads


def test_a_part_without_content_type_is_taken_as_dicom_and_base64_parts_are_decoded(chest_dicom: bytes) -> None:
    body = (
        f"--{BOUNDARY}\r\n\r\n".encode()
        + chest_dicom
        + b"\r\n"
        + f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\nContent-Transfer-Encoding: base64\r\n\r\n".encode()
        + base64.b64encode(chest_dicom)
        + f"\r\n--{BOUNDARY}--".encode()
    )
    parts = split_parts(CONTENT_TYPE, body)
    assert [(p.content_type, p.data) for p in parts] == [("application/dicom", chest_dicom)] * 2


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"no boundary anywhere", "does not contain its boundary"),
        (f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\nhalf a file".encode(), "closing boundary"),
        (f"--{BOUNDARY}--\r\n".encode(), "no parts"),
    ],
)
def test_malformed_bodies_are_refused_with_the_problem_named(body: bytes, words: str) -> None:
    with pytest.raises(StowError) as info:
        split_parts(CONTENT_TYPE, body)
    assert info.value.status == 400 and words in info.value.detail


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/dicom", 415),
        (f'multipart/related; type="application/dicom+json"; boundary={BOUNDARY}', 415),
        ('multipart/related; type="application/dicom"', 400),
    ],
)
def test_a_body_that_is_not_stow_rs_is_refused_as_a_whole(content_type: str, status: int) -> None:
    with pytest.raises(StowError) as info:
        split_parts(content_type, b"anything")
    assert info.value.status == status and info.value.detail


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_stow_is_for_radiologists_only(
    client_as: Callable[..., Client], media: Path, chest_dicom: bytes, role: Role
) -> None:
    resp = post(client_as(role), multipart(chest_dicom))
    assert resp.status_code == (401 if role is Role.PUBLIC else 200 if role in ALLOWED else 403)
    assert Study.objects.exists() == (role in ALLOWED)
    if role not in ALLOWED and role is not Role.PUBLIC:
        assert AuditEvent.objects.filter(action="denied").exists()


@pytest.mark.django_db
def test_each_instance_is_stored_scored_and_listed_with_a_retrieve_url(
    client_as: Callable[..., Client], media: Path, chest: np.ndarray
) -> None:
    first, second = to_dicom(chest, patient_id="STOW-1"), to_dicom(chest, patient_id="STOW-2", rle=True)
    client = client_as(Role.CLINICIAN)
    resp = post(client, multipart(first, second))
    assert resp.status_code == 200 and resp["Content-Type"] == "application/dicom+json"
    answer = resp.json()
    assert "00081198" not in answer  # nothing failed
    assert "00081190" not in answer  # two studies: no single study URL at the top level
    stored = answer["00081199"]["Value"]
    assert [item["00081155"]["Value"][0] for item in stored] == [uid(first), uid(second)]
    for item, data in zip(stored, (first, second), strict=True):
        study = Study.objects.get(pk=item["00991003"]["Value"][0])
        assert study.source == Study.Source.STOW and study.status == Study.Status.SCORED
        assert study.sha256 == hashlib.sha256(data).hexdigest()  # the instance arrived intact
        ds = pydicom.dcmread(io.BytesIO(data))
        wado = f"/api/xray/dicomweb/studies/{ds.StudyInstanceUID}"
        assert item["00081190"]["Value"] == [f"{wado}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}"]
        assert client.get(item["00081190"]["Value"][0]).status_code == 200  # WADO-RS serves it
        assert item["00990010"]["Value"] == [PRIVATE_CREATOR]
    assert AuditEvent.objects.filter(action="xray.read").count() == 2
    assert AuditEvent.objects.get(action="xray.stow").detail["scored"] == 2


@pytest.mark.django_db
def test_refused_instances_are_failed_with_their_reason_and_the_rest_accepted(
    client_as: Callable[..., Client], media: Path, chest: np.ndarray
) -> None:
    good = to_dicom(chest)
    turned = to_dicom(np.ascontiguousarray(np.rot90(chest, -1)))
    ct = to_dicom(chest, modality="CT")
    resp = post(client_as(Role.CLINICIAN), multipart(good, turned, ct, ("application/json", b"{}"), b"garbage"))
    assert resp.status_code == 202  # some stored, some failed
    answer = resp.json()
    assert [i["00081155"]["Value"][0] for i in answer["00081199"]["Value"]] == [uid(good)]
    failed = answer["00081198"]["Value"]
    assert [i["00991001"]["Value"][0] for i in failed] == [
        "wrong_orientation",
        "wrong_modality",
        "wrong_media_type",
        "not_part10",
    ]
    assert all(i["00081197"]["Value"] == [0xC000] and i["00991002"]["Value"][0] for i in failed)
    assert "90° clockwise" in failed[0]["00991002"]["Value"][0]
    assert failed[0]["00081155"]["Value"] == [uid(turned)]
    assert "00081155" not in failed[3] or "Value" not in failed[3]["00081155"]  # garbage has no UID
    # Refused DICOM instances are kept as rejected studies (nothing lost, nothing scored silently);
    # parts that are not DICOM at all are only reported.
    assert Study.objects.filter(status=Study.Status.REJECTED, source=Study.Source.STOW).count() == 2


@pytest.mark.django_db
def test_when_nothing_can_be_stored_the_answer_is_409(
    client_as: Callable[..., Client], media: Path, make_dicom: Callable[..., bytes]
) -> None:
    resp = post(client_as(Role.CLINICIAN), multipart(make_dicom(view="LL")))
    assert resp.status_code == 409
    assert resp.json()["00081198"]["Value"][0]["00991001"]["Value"] == ["lateral_view"]


@pytest.mark.django_db
def test_a_non_multipart_request_gets_415_with_the_reason_and_is_audited(
    client_as: Callable[..., Client], media: Path, chest_dicom: bytes
) -> None:
    resp = post(client_as(Role.CLINICIAN), chest_dicom, content_type="application/dicom")
    assert resp.status_code == 415 and "multipart/related" in resp.json()["detail"]
    assert not Study.objects.exists()
    assert AuditEvent.objects.filter(action="xray.stow_refused").exists()


def test_stow_is_documented_in_openapi(client: Client) -> None:
    schema = json.loads(client.get("/api/openapi.json").content)
    assert any(path.endswith("/xray/dicomweb/studies") for path in schema["paths"])
