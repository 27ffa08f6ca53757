"""What an uploaded attachment really is, read from its bytes (never from its name).

``filetype`` (MIT) reads the magic numbers; we accept PDF, PNG, JPEG and the ZIP-based office formats
(DOCX, XLSX, PPTX, HWPX: checked by the parts inside the archive), and HWP 5 (an OLE compound file).
A name whose extension disagrees with the content is refused as well: ``report.pdf`` that is a ZIP
is a wrong-type upload, not a PDF.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import filetype

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

ALLOWED: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/hwp+zip": (".hwpx",),
    "application/x-hwp": (".hwp",),
}


class RejectedFile(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Sniffed:
    mime: str
    extension: str


def _zip_kind(data: bytes) -> str | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return None
    if "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if "xl/workbook.xml" in names:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if "ppt/presentation.xml" in names:
        return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    if "Contents/section0.xml" in names or any(n.startswith("Contents/") for n in names):
        return "application/hwp+zip"
    return None


def sniff(data: bytes, filename: str, *, max_bytes: int) -> Sniffed:
    """The attachment's type, or :class:`RejectedFile` (``too_large``, ``empty``, ``wrong_type``)."""
    if not data:
        raise RejectedFile("empty", "the file is empty")
    if len(data) > max_bytes:
        raise RejectedFile("too_large", f"the file is larger than {max_bytes // (1024 * 1024)} MiB")
    mime: str | None
    if data.startswith(OLE_MAGIC):
        mime = "application/x-hwp"
    else:
        guess = filetype.guess(data)
        mime = guess.mime if guess is not None else None
        if mime == "application/zip" or (mime or "").startswith("application/vnd.openxmlformats"):
            mime = _zip_kind(data)
    if mime not in ALLOWED:
        raise RejectedFile("wrong_type", "only PDF, PNG, JPEG, DOCX, XLSX, PPTX, HWP and HWPX files are accepted")
    extension = PurePath(filename).suffix.lower()
    if extension not in ALLOWED[mime]:
        raise RejectedFile("wrong_type", f"the file's content is {mime}, which its name ({extension or 'none'}) hides")
    return Sniffed(mime, extension)
