"""A DICOM C-STORE receiver (storage SCP) so a PACS or modality can push studies to the triage server.

The receiver only accepts and hands over: each received object is encoded back to a DICOM file and
passed to ``on_object(data, calling_ae)``, which returns a short status text. Storage always answers
Success (0x0000) once the object has been handed over (the PACS has delivered it; a rejection by the
frontal-chest check is a clinical result recorded by the application, not a transport error); it
answers 0xC000 ("cannot understand") only when the handler raises.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLosslessSV1,
    RLELossless,
)
from pynetdicom import AE, evt
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    ComputedRadiographyImageStorage,
    CTImageStorage,
    DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing,
    SecondaryCaptureImageStorage,
    Verification,
)

log = logging.getLogger(__name__)

#: CT is accepted on purpose: a mis-routed CT is received and then rejected with a reason, rather than
#: failing the association with an opaque transport error.
STORAGE_CLASSES = (
    ComputedRadiographyImageStorage,
    DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing,
    SecondaryCaptureImageStorage,
    CTImageStorage,
)
TRANSFER_SYNTAXES = [
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    RLELossless,
    JPEGBaseline8Bit,
    JPEGLosslessSV1,
    JPEG2000Lossless,
]

Handler = Callable[[bytes, str], str]


def _encode(event: Any) -> bytes:
    """The received dataset as a Part-10 file (preamble + file meta), as pynetdicom documents it."""
    buf = io.BytesIO()
    buf.write(b"\x00" * 128 + b"DICM")
    from pydicom.filewriter import write_file_meta_info

    write_file_meta_info(buf, event.file_meta)  # type: ignore[arg-type]  # any binary file works
    buf.write(event.request.DataSet.getvalue())
    return buf.getvalue()


def make_ae(ae_title: str = "EPIAID_XRAY") -> AE:
    ae = AE(ae_title=ae_title)
    for cls in STORAGE_CLASSES:
        ae.add_supported_context(cls, TRANSFER_SYNTAXES)
    ae.add_supported_context(Verification)
    return ae


def start_receiver(
    on_object: Handler, host: str = "127.0.0.1", port: int = 11112, ae_title: str = "EPIAID_XRAY"
) -> Any:
    """Start a non-blocking storage SCP; returns the pynetdicom server (call ``.shutdown()``)."""

    def handle_store(event: Any) -> int:
        calling = event.assoc.requestor.ae_title
        try:
            status = on_object(_encode(event), str(calling).strip())
        except Exception:
            log.exception("C-STORE handler failed")
            return 0xC000
        log.info("stored from %s: %s", calling, status)
        return 0x0000

    ae = make_ae(ae_title)
    return ae.start_server((host, port), block=False, evt_handlers=[(evt.EVT_C_STORE, handle_store)])


def send_file(data: bytes, host: str, port: int, called_ae: str = "EPIAID_XRAY", calling_ae: str = "EPIAID_SCU") -> int:
    """A minimal storage SCU (used by tests and the ``epiaid xray send`` command); returns the status."""
    import pydicom

    ds = pydicom.dcmread(io.BytesIO(data))
    ae = AE(ae_title=calling_ae)
    ae.add_requested_context(ds.SOPClassUID, [str(ds.file_meta.TransferSyntaxUID)])
    assoc = ae.associate(host, port, ae_title=called_ae)
    if not assoc.is_established:
        raise ConnectionError(f"association with {called_ae}@{host}:{port} was not established")
    try:
        status = assoc.send_c_store(ds)
        return int(status.Status) if status else -1
    finally:
        assoc.release()
