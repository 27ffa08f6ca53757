"""DICOMweb WADO-RS: a PACS or viewer retrieves, by Study Instance UID, the originals it sent (byte for
byte) and our results filed into the same study — the heatmap Secondary Capture and the SR."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from django.test import Client
from pydicom.uid import generate_uid

from epiaid.core.models import AuditEvent
from epiaid.core.roles import GROUP_ROLES, Role
from epiaid.xray.engine.dicomweb import split_parts
from epiaid.xray.engine.synthetic import to_dicom
from epiaid.xray.models import Study
from epiaid.xray.services import ingest

ALLOWED = {Role.CLINICIAN, Role.ADMIN}
SC, SR = "1.2.840.10008.5.1.4.1.1.7", "1.2.840.10008.5.1.4.1.1.88.33"


def in_study(data: bytes, study_uid: str) -> bytes:
    ds = pydicom.dcmread(io.BytesIO(data))
    ds.StudyInstanceUID = study_uid
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


@pytest.fixture
def stored_study(media: Path, chest: np.ndarray) -> tuple[str, bytes, bytes]:
    """One study pushed as two instances: a frontal chest film (scored) and a CT slice (refused: not kept)."""
    study_uid = generate_uid()
    chest_film = in_study(to_dicom(chest, patient_id="WADO-1"), study_uid)
    ct = in_study(to_dicom(chest, modality="CT", patient_id="WADO-1"), study_uid)
    assert ingest(chest_film, "a.dcm", Study.Source.STOW).read is not None
    assert ingest(ct, "b.dcm", Study.Source.STOW).read is None
    return study_uid, chest_film, ct


def datasets(resp: Any) -> list[pydicom.Dataset]:
    parts = split_parts(resp["Content-Type"], resp.content)
    assert {p.content_type for p in parts} == {"application/dicom"}
    return [pydicom.dcmread(io.BytesIO(p.data)) for p in parts]


@pytest.mark.django_db
def test_a_study_comes_back_with_its_originals_byte_for_byte_and_our_results_in_the_same_study(
    client_as: Callable[..., Client], stored_study: tuple[str, bytes, bytes]
) -> None:
    study_uid, chest_film, ct = stored_study
    resp = client_as(Role.CLINICIAN).get(f"/api/xray/dicomweb/studies/{study_uid}")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith('multipart/related; type="application/dicom"; boundary=')
    parts = [p.data for p in split_parts(resp["Content-Type"], resp.content)]
    assert parts[0] == chest_film and ct not in parts  # exactly as received; the refused CT was never stored
    derived = [pydicom.dcmread(io.BytesIO(p)) for p in parts[1:]]
    assert sorted(str(d.SOPClassUID) for d in derived) == [SC, SR]
    assert {str(d.StudyInstanceUID) for d in derived} == {study_uid}
    sr = next(d for d in derived if d.SOPClassUID == SR)
    original = pydicom.dcmread(io.BytesIO(chest_film))
    evidence = sr.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence[0]
    assert evidence.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == original.SOPInstanceUID
    event = AuditEvent.objects.get(action="xray.wado_retrieve")
    assert event.detail["study_uid"] == study_uid and event.detail["instances"] == 3


@pytest.mark.django_db
def test_series_and_instances_are_retrieved_alone_and_derived_uids_are_stable(
    client_as: Callable[..., Client], stored_study: tuple[str, bytes, bytes]
) -> None:
    study_uid, chest_film, _ = stored_study
    client = client_as(Role.CLINICIAN)
    first = datasets(client.get(f"/api/xray/dicomweb/studies/{study_uid}"))
    again = datasets(client.get(f"/api/xray/dicomweb/studies/{study_uid}"))
    assert [d.SOPInstanceUID for d in first] == [d.SOPInstanceUID for d in again]  # a PACS replaces, not duplicates

    sc = next(d for d in first if d.SOPClassUID == SC)
    series = datasets(client.get(f"/api/xray/dicomweb/studies/{study_uid}/series/{sc.SeriesInstanceUID}"))
    assert [d.SOPInstanceUID for d in series] == [sc.SOPInstanceUID]
    original = pydicom.dcmread(io.BytesIO(chest_film))
    series_url = f"/api/xray/dicomweb/studies/{study_uid}/series/{original.SeriesInstanceUID}"
    resp = client.get(f"{series_url}/instances/{original.SOPInstanceUID}")
    assert split_parts(resp["Content-Type"], resp.content)[0].data == chest_film


@pytest.mark.django_db
def test_unknown_studies_series_and_instances_are_404_with_the_uid_named(
    client_as: Callable[..., Client], stored_study: tuple[str, bytes, bytes]
) -> None:
    study_uid, _, _ = stored_study
    client = client_as(Role.CLINICIAN)
    resp = client.get("/api/xray/dicomweb/studies/1.2.3.4.5")
    assert resp.status_code == 404 and "1.2.3.4.5" in resp.json()["detail"]
    resp = client.get(f"/api/xray/dicomweb/studies/{study_uid}/series/9.9.9/instances/8.8.8")
    assert resp.status_code == 404 and "8.8.8" in resp.json()["detail"]
    assert client.get("/api/xray/dicomweb/studies/1.2.3.4.5/metadata").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "status"),
    [
        ("", 200),
        ("*/*", 200),
        ('multipart/related; type="application/dicom"; transfer-syntax=*', 200),
        ('multipart/related; type="application/dicom"', 200),
        ('multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1', 200),  # as stored
        ('multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50', 406),  # JPEG
        ("application/json", 406),
        ('multipart/related; type="image/jpeg"', 406),
    ],
)
def test_content_negotiation_never_transcodes_and_says_why_it_refuses(
    client_as: Callable[..., Client], stored_study: tuple[str, bytes, bytes], accept: str, status: int
) -> None:
    study_uid, _, _ = stored_study
    resp = client_as(Role.CLINICIAN).get(f"/api/xray/dicomweb/studies/{study_uid}", HTTP_ACCEPT=accept)
    assert resp.status_code == status
    if status == 406:
        assert "multipart/related" in resp.json()["detail"] or "transcoding" in resp.json()["detail"]


@pytest.mark.django_db
def test_metadata_is_dicom_json_without_pixels(
    client_as: Callable[..., Client], stored_study: tuple[str, bytes, bytes]
) -> None:
    study_uid, _, _ = stored_study
    resp = client_as(Role.CLINICIAN).get(f"/api/xray/dicomweb/studies/{study_uid}/metadata")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/dicom+json"
    items = resp.json()
    assert len(items) == 3
    assert all(item["0020000D"]["Value"] == [study_uid] for item in items)
    assert all("7FE00010" not in item for item in items)  # no pixel data
    patient = {item["00100020"]["Value"][0] for item in items if "Value" in item.get("00100020", {})}
    assert patient == {"WADO-1"}
    names = {item["00100010"]["Value"][0]["Alphabetic"] for item in items if "Value" in item.get("00100010", {})}
    assert names == {"홍길동"}  # Korean names survive every instance, ours included
    assert AuditEvent.objects.filter(action="xray.wado_metadata").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", (Role.PUBLIC, *GROUP_ROLES))
def test_retrieval_is_for_radiologists_only(
    client_as: Callable[..., Client], stored_study: tuple[str, bytes, bytes], role: Role
) -> None:
    study_uid, _, _ = stored_study
    client = client_as(role)
    for url in (f"/api/xray/dicomweb/studies/{study_uid}", f"/api/xray/dicomweb/studies/{study_uid}/metadata"):
        resp = client.get(url)
        assert resp.status_code == (401 if role is Role.PUBLIC else 200 if role in ALLOWED else 403)


def test_a_real_dicomweb_client_stores_and_retrieves_through_a_live_server(
    asgi_server: str, make_user: Callable[..., Any], media: Path, chest: np.ndarray
) -> None:
    """dicomweb-client (the library viewers and AI pipelines use) against uvicorn: STOW, then WADO, with
    the bearer token a PACS would be configured with."""
    import requests
    from dicomweb_client.api import DICOMwebClient

    from epiaid.core.tokens import issue

    _, secret = issue(make_user(Role.CLINICIAN).username, "test PACS")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secret}"
    client = DICOMwebClient(url=f"{asgi_server}/api/xray/dicomweb", session=session)

    film = pydicom.dcmread(io.BytesIO(to_dicom(chest, patient_id="WADO-LIVE")))
    answer = client.store_instances([film])
    assert answer.RetrieveURL == f"/api/xray/dicomweb/studies/{film.StudyInstanceUID}"
    retrieved = client.retrieve_study(str(film.StudyInstanceUID))
    assert sorted(str(d.SOPClassUID) for d in retrieved) == sorted([str(film.SOPClassUID), SC, SR])
    same = next(d for d in retrieved if d.SOPInstanceUID == film.SOPInstanceUID)
    assert np.array_equal(same.pixel_array, film.pixel_array)
    metadata = client.retrieve_study_metadata(str(film.StudyInstanceUID))
    assert len(metadata) == 3
