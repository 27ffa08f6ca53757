"""DICOMweb WADO-RS (PS3.18 §10.4) without the web framework: content negotiation, bodies, metadata.

A PACS or viewer that pushed a study (STOW-RS or C-STORE) retrieves what we hold for it by its Study
Instance UID: the originals exactly as received, and our results filed into the same study — the
heatmap Secondary Capture and the Comprehensive SR of the latest read. Instances are sent as they are
stored: we do not transcode, so a request for a specific transfer syntax is refused with 406 and the
reason unless every instance asked for is already in an admitted syntax (``transfer-syntax=*``, the
default of DICOMweb clients, admits any).
Metadata is DICOM JSON without pixel data; large binary elements get a BulkDataURI pointing at the
instance that holds them (we serve whole instances, not separate bulk data).
"""

from __future__ import annotations

import email.policy
import io
import uuid
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from typing import Any

DICOM = "application/dicom"
BULK_THRESHOLD = 1024  # bytes: binary elements larger than this become BulkDataURIs in metadata


class NotAcceptable(ValueError):
    """The Accept header asks for a representation we do not produce; the message says what we send."""


@dataclass(frozen=True)
class Instance:
    study_uid: str
    series_uid: str
    sop_uid: str
    transfer_syntax: str
    data: bytes  # Part-10 bytes as stored or generated

    @classmethod
    def of(cls, data: bytes) -> Instance:
        """Read the identifying UIDs of a Part-10 blob (empty strings for any it lacks)."""
        import pydicom

        ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)

        def text(value: object) -> str:
            return str(value or "")

        return cls(
            text(ds.get("StudyInstanceUID")),
            text(ds.get("SeriesInstanceUID")),
            text(ds.get("SOPInstanceUID")),
            text(ds.file_meta.get("TransferSyntaxUID")),
            data,
        )


def accepted_syntaxes(accept: str) -> set[str] | None:
    """Transfer syntaxes an Accept header admits for multipart/related DICOM (None: any).

    Raises :class:`NotAcceptable` when it admits no multipart/related DICOM at all."""
    if not accept.strip():
        return None
    asked: list[str] = []
    syntaxes: set[str] = set()
    for item in (i.strip() for i in accept.split(",")):
        if not item:
            continue
        asked.append(item)
        fields = BytesHeaderParser(policy=email.policy.HTTP).parsebytes(f"Content-Type: {item}\r\n\r\n".encode())
        media = fields.get_content_type()
        if media in ("*/*", "multipart/*"):
            return None
        if media == "multipart/related" and str(fields.get_param("type") or DICOM).lower() == DICOM:
            syntax = str(fields.get_param("transfer-syntax") or "*")
            if syntax == "*":
                return None
            syntaxes.add(syntax)
    if not syntaxes:
        raise NotAcceptable(f'instances are sent as multipart/related; type="{DICOM}"; asked for: {", ".join(asked)}')
    return syntaxes


def check_syntaxes(instances: list[Instance], syntaxes: set[str] | None) -> None:
    """Raise :class:`NotAcceptable` naming an instance stored in a transfer syntax the client did not admit."""
    for i in instances:
        if syntaxes is not None and i.transfer_syntax not in syntaxes:
            raise NotAcceptable(
                f"instance {i.sop_uid} is stored in transfer syntax {i.transfer_syntax} and transcoding is not "
                f"offered; asked for {', '.join(sorted(syntaxes))} (transfer-syntax=* accepts any)"
            )


def multipart(instances: list[Instance]) -> tuple[str, bytes]:
    """(Content-Type, body) of a multipart/related response carrying the instances."""
    boundary = uuid.uuid4().hex
    while any(boundary.encode() in i.data for i in instances):  # astronomically rare; never send a broken body
        boundary = uuid.uuid4().hex
    chunks = [f"--{boundary}\r\nContent-Type: {DICOM}\r\n\r\n".encode() + i.data + b"\r\n" for i in instances]
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return f'multipart/related; type="{DICOM}"; boundary={boundary}', body


def metadata(instance: Instance, instance_url: str) -> dict[str, Any]:
    """DICOM JSON of one instance without its pixel data; big binary elements point at ``instance_url``."""
    import pydicom

    ds = pydicom.dcmread(io.BytesIO(instance.data), stop_before_pixels=True)
    return ds.to_json_dict(bulk_data_threshold=BULK_THRESHOLD, bulk_data_element_handler=lambda _elem: instance_url)
