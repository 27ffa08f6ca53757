"""The C-STORE receiver, tested against a real pynetdicom storage SCU on a loopback port."""

from __future__ import annotations

import io
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pydicom
import pytest

from epiaid.xray.engine.receiver import send_file, start_receiver


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def receiver() -> Iterator[Callable[[Callable[[bytes, str], str]], int]]:
    servers: list[Any] = []

    def start(handler: Callable[[bytes, str], str]) -> int:
        port = free_port()
        servers.append(start_receiver(handler, "127.0.0.1", port))
        return port

    yield start
    for server in servers:
        server.shutdown()


def test_pushed_objects_reach_the_handler_intact(receiver: Any, chest_dicom: bytes) -> None:
    got: list[tuple[bytes, str]] = []
    port = receiver(lambda data, ae: got.append((data, ae)) or "ok")
    assert send_file(chest_dicom, "127.0.0.1", port, calling_ae="MODALITY1") == 0x0000
    ((data, ae),) = got
    assert ae == "MODALITY1"
    sent, received = pydicom.dcmread(io.BytesIO(chest_dicom)), pydicom.dcmread(io.BytesIO(data))
    assert received.SOPInstanceUID == sent.SOPInstanceUID
    assert (received.pixel_array == sent.pixel_array).all()


def test_rle_compressed_objects_are_accepted(receiver: Any, make_dicom: Callable[..., bytes]) -> None:
    got: list[bytes] = []
    port = receiver(lambda data, ae: got.append(data) or "ok")
    assert send_file(make_dicom(rle=True, bits=16), "127.0.0.1", port) == 0x0000
    assert pydicom.dcmread(io.BytesIO(got[0])).file_meta.TransferSyntaxUID == pydicom.uid.RLELossless


def test_a_failing_handler_answers_cannot_understand(receiver: Any, chest_dicom: bytes) -> None:
    def broken(data: bytes, ae: str) -> str:
        raise RuntimeError("disk full")

    port = receiver(broken)
    assert send_file(chest_dicom, "127.0.0.1", port) == 0xC000


def test_unreachable_receiver_raises_a_clear_error(chest_dicom: bytes) -> None:
    with pytest.raises(ConnectionError, match="not established"):
        send_file(chest_dicom, "127.0.0.1", free_port())


def test_pushed_studies_land_on_the_worklist_and_ct_is_rejected(
    transactional_db: Any, media: Path, receiver: Any, chest_dicom: bytes, make_dicom: Callable[..., bytes]
) -> None:
    from epiaid.xray import services
    from epiaid.xray.models import Study

    port = receiver(services.ingest_from_cstore)
    assert send_file(chest_dicom, "127.0.0.1", port, calling_ae="PACS") == 0x0000
    assert send_file(make_dicom(modality="CT"), "127.0.0.1", port, calling_ae="PACS") == 0x0000
    scored = Study.objects.get(status=Study.Status.SCORED)
    assert scored.source == Study.Source.CSTORE and scored.sender == "PACS"
    assert scored.study_uid == pydicom.dcmread(io.BytesIO(chest_dicom)).StudyInstanceUID
    assert Study.objects.get(status=Study.Status.REJECTED).reject_code == "wrong_modality"
    assert [row["study_id"] for row in services.worklist()] == [scored.pk]
