"""A malformed DICOM header is the file's fault: it is refused with a reason (400 on the API, a STOW-RS 400
with the reason per instance, a recorded rejection for C-STORE), never a 500, and nothing is half-stored.

Hypothesis mutates the header of a small valid radiograph made here (non-numeric, out-of-range, wrong-length
or missing values of the elements the decoder relies on, and truncated files) and pushes each through the
three ways studies arrive."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement
from pydicom.tag import Tag

from epiaid.core.models import AuditEvent
from epiaid.core.roles import Role
from epiaid.xray import services
from epiaid.xray.engine.imaging import MALFORMED_CODES
from epiaid.xray.engine.synthetic import phantom, to_dicom
from epiaid.xray.models import Read, Study

BOUNDARY = "malformed-test-boundary"
STOW = "/api/xray/dicomweb/studies"
STOW_TYPE = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'
BASE = to_dicom(phantom(96, 0.6, seed=3))  # small and valid: it is scored as it is

#: The elements the decoder reads numbers or structure from.
KEYWORDS = [
    "NumberOfFrames",
    "Rows",
    "Columns",
    "BitsAllocated",
    "BitsStored",
    "HighBit",
    "SamplesPerPixel",
    "PixelRepresentation",
    "PhotometricInterpretation",
    "WindowCenter",
    "WindowWidth",
    "RescaleSlope",
    "RescaleIntercept",
    "PixelData",
    "Modality",
    "ViewPosition",
]
NASTY = [b"abc ", b"1.5 ", b"-3", b"", b"0 ", b"99999999", b"\xff\xfe", b"NaN ", b"1e309 ", b"\x00", b"7\x00"]
values = st.one_of(st.sampled_from(NASTY), st.binary(max_size=12))


def mutate(keyword: str, raw: bytes | None) -> bytes:
    """BASE with one element replaced by ``raw`` bytes exactly as written (or removed when ``None``)."""
    ds = pydicom.dcmread(io.BytesIO(BASE))
    tag = Tag(keyword)
    if raw is None:
        ds.pop(tag, None)
    else:
        vr = dictionary_VR(tag).split(" or ")[0]
        ds[tag] = RawDataElement(tag, vr, len(raw), raw, 0, False, True)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


malformed_files = st.one_of(
    st.builds(mutate, st.sampled_from(KEYWORDS), st.one_of(st.none(), values)),
    st.integers(min_value=0, max_value=len(BASE) - 1).map(lambda n: BASE[:n]),  # truncated anywhere
)


def stow_body(data: bytes) -> bytes:
    return (
        f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def media_files(media: Path) -> set[Path]:
    return {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()


def assert_whole_or_refused(study: Study, media: Path, before: set[Path]) -> None:
    """Scored with its read and both files, or rejected with a code and a reason and nothing stored."""
    new_files = media_files(media) - before
    if study.status == Study.Status.SCORED:
        assert study.reads.count() == 1 and study.stored_file and len(new_files) == 2
    else:
        assert study.reject_code and study.reject_reason
        assert not study.reads.exists() and not study.stored_file and not new_files


@pytest.fixture
def clinician(make_user: Callable[..., Any]) -> Iterator[Client]:
    client = Client()
    client.force_login(make_user(Role.CLINICIAN))
    yield client


NUMBER_OF_FRAMES_ABC = mutate("NumberOfFrames", b"abc ")


@pytest.mark.django_db
def test_a_non_numeric_number_of_frames_uploaded_answers_400_with_the_reason(clinician: Client, media: Path) -> None:
    resp = clinician.post("/api/xray/studies", {"file": SimpleUploadedFile("x.dcm", NUMBER_OF_FRAMES_ABC)})
    assert resp.status_code == 400
    answer = resp.json()
    assert answer["code"] == "malformed_header" and "NumberOfFrames" in answer["reason"] and "'abc'" in answer["reason"]
    study = Study.objects.get(pk=answer["study_id"])
    assert study.status == Study.Status.REJECTED and not Read.objects.exists() and media_files(media) == set()
    assert AuditEvent.objects.get(action="xray.reject").detail["code"] == "malformed_header"


@pytest.mark.django_db
def test_a_non_numeric_number_of_frames_over_stow_answers_400_with_the_reason(clinician: Client, media: Path) -> None:
    resp = clinician.post(STOW, data=stow_body(NUMBER_OF_FRAMES_ABC), content_type=STOW_TYPE)
    assert resp.status_code == 400  # PS3.18: nothing stored because of bad syntax
    (failed,) = resp.json()["00081198"]["Value"]
    assert failed["00991001"]["Value"] == ["malformed_header"]
    assert "NumberOfFrames" in failed["00991002"]["Value"][0]
    assert not Read.objects.exists() and media_files(media) == set()


@pytest.mark.django_db
def test_a_malformed_instance_beside_a_good_one_is_failed_and_the_good_one_stored(
    clinician: Client, media: Path
) -> None:
    body = (
        f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode()
        + NUMBER_OF_FRAMES_ABC
        + f"\r\n--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode()
        + BASE
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    resp = clinician.post(STOW, data=body, content_type=STOW_TYPE)
    assert resp.status_code == 202
    assert resp.json()["00081198"]["Value"][0]["00991001"]["Value"] == ["malformed_header"]
    assert Read.objects.count() == 1


@pytest.mark.parametrize(
    ("keyword", "raw", "code"),
    [
        ("Rows", b"ab", "undecodable_pixels"),  # 25185 rows: more than the pixel data holds
        ("Columns", None, "malformed_header"),
        ("BitsAllocated", b"\x07\x00", "malformed_header"),
        ("SamplesPerPixel", b"\x00\x00", "malformed_header"),
        ("PixelData", None, "no_pixel_data"),
    ],
)
@pytest.mark.django_db
def test_each_broken_element_is_named_in_the_400(
    clinician: Client, media: Path, keyword: str, raw: bytes | None, code: str
) -> None:
    resp = clinician.post("/api/xray/studies", {"file": SimpleUploadedFile("x.dcm", mutate(keyword, raw))})
    assert resp.status_code == 400 and resp.json()["code"] == code
    if code == "malformed_header":
        assert keyword in resp.json()["reason"]


@pytest.mark.django_db
def test_a_truncated_file_answers_400(clinician: Client, media: Path) -> None:
    resp = clinician.post("/api/xray/studies", {"file": SimpleUploadedFile("x.dcm", BASE[: len(BASE) // 2])})
    assert resp.status_code == 400 and resp.json()["code"] in MALFORMED_CODES and resp.json()["reason"]


@pytest.mark.django_db
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=malformed_files, source=st.sampled_from([Study.Source.API, Study.Source.STOW, Study.Source.CSTORE]))
def test_any_mutated_header_is_read_whole_or_refused_with_a_reason(media: Path, data: bytes, source: str) -> None:
    before = media_files(media)
    if source == Study.Source.CSTORE:
        status = services.ingest_cstore(data, "MODALITY1")  # what the receiver's handler runs: must not raise
        study = Study.objects.latest("pk")
        assert status == (study.status if study.status == Study.Status.SCORED else f"rejected: {study.reject_code}")
    else:
        study = services.ingest(data, "x.dcm", source).study
    assert_whole_or_refused(study, media, before)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=malformed_files)
def test_the_upload_api_and_stow_never_answer_500(clinician: Client, media: Path, data: bytes) -> None:
    before = media_files(media)
    upload = clinician.post("/api/xray/studies", {"file": SimpleUploadedFile("x.dcm", data)})
    assert upload.status_code in {201, 400, 422}, upload.content[:300]
    if upload.status_code != 201:
        assert upload.json()["code"] and upload.json()["reason"]
        assert (upload.status_code == 400) == (upload.json()["code"] in MALFORMED_CODES)
    assert_whole_or_refused(Study.objects.get(pk=upload.json()["study_id"]), media, before)

    stowed = clinician.post(STOW, data=stow_body(data), content_type=STOW_TYPE)
    assert stowed.status_code in {200, 400, 409}, stowed.content[:300]
    if stowed.status_code != 200:
        (failed,) = stowed.json()["00081198"]["Value"]
        assert failed["00991001"]["Value"][0] and failed["00991002"]["Value"][0]


def test_a_real_cstore_push_of_a_malformed_header_is_recorded_as_rejected(
    transactional_db: Any, media: Path, chest: np.ndarray
) -> None:
    """Over the network: the receiver answers Success (the object was delivered) and the study is kept as
    rejected with the reason; nothing is scored."""
    import socket

    from epiaid.xray.engine.receiver import send_file, start_receiver

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = start_receiver(services.ingest_from_cstore, "127.0.0.1", port)
    try:
        assert send_file(NUMBER_OF_FRAMES_ABC, "127.0.0.1", port, calling_ae="MODALITY1") == 0x0000
    finally:
        server.shutdown()
    study = Study.objects.get()
    assert study.source == Study.Source.CSTORE and study.reject_code == "malformed_header"
    assert "NumberOfFrames" in study.reject_reason and not Read.objects.exists()
