"""Decode DICOM, PNG and JPEG into one display-ready grey array, refusing anything we must not score.

Every refusal raises :class:`ImageRejected` with a machine-readable ``code`` and a sentence a
radiographer can act on; nothing is scored silently. DICOM decoding is pydicom's: the modality LUT and
VOI LUT (window) are applied, MONOCHROME1 is inverted so bone is always bright, and compressed transfer
syntaxes work wherever an installed pixel-data handler supports them (RLE natively; JPEG/JPEG-LS/J2K via
pylibjpeg plugins when installed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MAX_BYTES = 80 * 1024 * 1024
MAX_PIXELS = 40_000_000  # ~6300×6300: larger than any detector; bigger means a broken or hostile file
MIN_SIDE = 64
ACCEPTED_MODALITIES = frozenset({"CR", "DX"})
LATERAL_VIEWS = frozenset({"LL", "RL", "LLD", "RLD", "LAT", "LATERAL", "LEFT LATERAL", "RIGHT LATERAL"})
FRONTAL_VIEWS = frozenset({"PA", "AP", "AP SUPINE", "APS", "PAS", ""})
CHEST_PARTS = frozenset({"CHEST", "THORAX", "LUNG", "PORT CHEST", "TORSO", ""})


#: Rejections meaning the file itself is broken (a malformed header, unparseable, undecodable pixels): the
#: API answers them 400, as opposed to 422 for a well-formed file that is not a frontal chest radiograph.
MALFORMED_CODES = frozenset({"corrupt_dicom", "malformed_header", "no_pixel_data", "undecodable_pixels", "unreadable"})
GREY_BITS_ALLOCATED = (8, 16, 32)


class ImageRejected(ValueError):
    """The input is not something the model may score; ``code`` is stable, ``reason`` is for people."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass
class LoadedImage:
    pixels: np.ndarray  # 2-D float32, bright = dense (bone), original resolution
    kind: str  # "dicom" | "png" | "jpeg"
    meta: dict[str, Any] = field(default_factory=dict)
    dataset: Any = None  # the pydicom Dataset for DICOM input (for derived objects)


def looks_like_dicom(data: bytes) -> bool:
    return len(data) >= 132 and data[128:132] == b"DICM"


def load_image(data: bytes, filename: str = "") -> LoadedImage:
    """Decode bytes by content (not by extension, which uploads get wrong)."""
    if len(data) == 0:
        raise ImageRejected("empty", "the file is empty")
    if len(data) > MAX_BYTES:
        raise ImageRejected("too_large", f"the file is {len(data) / 1e6:.0f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB")
    if looks_like_dicom(data) or filename.lower().endswith((".dcm", ".dicom")):
        return load_dicom(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff":
        return load_raster(data)
    raise ImageRejected("not_an_image", "not a DICOM, PNG or JPEG file (unrecognised content)")


def load_path(path: Path) -> LoadedImage:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ImageRejected("too_large", f"the file is {size / 1e6:.0f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB")
    return load_image(path.read_bytes(), path.name)


def _check_shape(rows: int, cols: int) -> None:
    if rows * cols > MAX_PIXELS:
        raise ImageRejected("too_many_pixels", f"{cols}×{rows} pixels exceeds the {MAX_PIXELS:,} pixel limit")
    if min(rows, cols) < MIN_SIDE:
        raise ImageRejected("too_small", f"{cols}×{rows} pixels is too small for a chest radiograph")


def load_raster(data: bytes) -> LoadedImage:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            _check_shape(img.height, img.width)
            kind = "png" if img.format == "PNG" else "jpeg"
            if img.mode in ("I;16", "I;16B", "I", "F"):
                pixels = np.asarray(img, dtype=np.float32)
            else:
                if img.mode in ("RGB", "RGBA", "P", "LA"):
                    rgb = np.asarray(img.convert("RGB"), dtype=np.float32)
                    if np.abs(rgb[..., 0] - rgb[..., 1]).mean() + np.abs(rgb[..., 1] - rgb[..., 2]).mean() > 12:
                        raise ImageRejected("colour_image", "a colour photograph or chart, not a grey radiograph")
                pixels = np.asarray(img.convert("L"), dtype=np.float32)
    except ImageRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("corrupt_image", f"the PNG/JPEG could not be decoded ({exc})") from exc
    return LoadedImage(pixels=pixels, kind=kind, meta={"width": pixels.shape[1], "height": pixels.shape[0]})


def _text(ds: Any, keyword: str) -> str:
    value = ds.get(keyword, "")
    return str(value).strip().upper() if value is not None else ""


def _number(ds: Any, keyword: str, default: int | None = None, *, low: int = 0, high: int = 1 << 31) -> int:
    """An integer header element, or :class:`ImageRejected` (``malformed_header``) naming it and its value."""
    try:
        raw = ds.get(keyword, None)
    except Exception as exc:  # pydicom converts the raw element on access and may raise anything
        raise ImageRejected("malformed_header", f"{keyword} cannot be read ({exc})") from exc
    if raw is None or raw == "":
        if default is None:
            raise ImageRejected("malformed_header", f"{keyword} is missing")
        return default
    try:
        value = int(str(raw).strip()) if not isinstance(raw, int) else int(raw)
    except (TypeError, ValueError):
        raise ImageRejected("malformed_header", f"{keyword} is {str(raw)[:40]!r}, not a whole number") from None
    if not low <= value <= high:
        raise ImageRejected("malformed_header", f"{keyword} is {value}, outside {low}–{high}")
    return value


def dicom_header_problem(ds: Any) -> ImageRejected | None:
    """The header-level reasons to refuse a DICOM object before decoding its pixels (a malformed
    number raises :class:`ImageRejected` ``malformed_header`` naming the element)."""
    modality = _text(ds, "Modality")
    if modality and modality not in ACCEPTED_MODALITIES:
        return ImageRejected("wrong_modality", f"modality {modality} is not a radiograph (CR or DX expected)")
    part = _text(ds, "BodyPartExamined")
    if part not in CHEST_PARTS:
        return ImageRejected("not_chest", f"body part {part} is not the chest")
    view = _text(ds, "ViewPosition")
    if view in LATERAL_VIEWS:
        return ImageRejected("lateral_view", f"view position {view} is lateral; only frontal (PA/AP) views are read")
    if view and view not in FRONTAL_VIEWS:
        return ImageRejected("not_frontal", f"view position {view} is not a frontal chest view")
    if "PixelData" not in ds:
        return ImageRejected("no_pixel_data", "the DICOM object has no pixel data")
    if _number(ds, "NumberOfFrames", 1) > 1:  # 0 is read as one frame, as before
        return ImageRejected("multi_frame", "multi-frame objects (cine/tomosynthesis) are not read")
    if _number(ds, "SamplesPerPixel", 1, low=1, high=4) != 1:
        return ImageRejected("colour_image", "colour DICOM (secondary capture?) is not a radiograph")
    allocated = _number(ds, "BitsAllocated", low=1, high=64)
    if allocated not in GREY_BITS_ALLOCATED:
        return ImageRejected("malformed_header", f"BitsAllocated is {allocated}; a grey image has 8, 16 or 32")
    stored = _number(ds, "BitsStored", allocated, low=1, high=64)
    if stored > allocated:
        return ImageRejected("malformed_header", f"BitsStored {stored} exceeds BitsAllocated {allocated}")
    return None


def load_dicom(data: bytes) -> LoadedImage:
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=not looks_like_dicom(data))
        ds.get("Modality")  # force parsing of the first elements
    except (InvalidDicomError, EOFError, OSError, ValueError, KeyError, TypeError) as exc:
        raise ImageRejected("corrupt_dicom", f"the DICOM file could not be parsed ({exc})") from exc
    try:
        return _decode_dicom(ds, apply_modality_lut, apply_voi_lut)
    except ImageRejected:
        raise
    except Exception as exc:  # any other surprise in a hostile header is the file's fault, not a server error
        raise ImageRejected(
            "malformed_header", f"the DICOM header could not be interpreted ({type(exc).__name__}: {exc})"
        ) from exc


def _decode_dicom(ds: Any, apply_modality_lut: Any, apply_voi_lut: Any) -> LoadedImage:
    problem = dicom_header_problem(ds)
    if problem:
        raise problem
    rows, cols = _number(ds, "Rows", low=1, high=1 << 16), _number(ds, "Columns", low=1, high=1 << 16)
    _check_shape(rows, cols)
    syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "unknown"))
    try:
        raw = ds.pixel_array
    except Exception as exc:  # pydicom raises many types for truncated or undecodable data
        raise ImageRejected(
            "undecodable_pixels", f"pixel data could not be decoded (transfer syntax {syntax}): {exc}"
        ) from exc
    if raw.ndim != 2:
        raise ImageRejected("malformed_header", f"pixel data decodes to shape {raw.shape}, not one grey frame")
    pixels = apply_modality_lut(raw, ds)
    if "WindowCenter" in ds or "VOILUTSequence" in ds:
        pixels = apply_voi_lut(pixels, ds, prefer_lut=True)
    pixels = np.asarray(pixels, dtype=np.float32)
    if not np.isfinite(pixels).all():
        raise ImageRejected("malformed_header", "the rescale/window values give non-finite pixel values")
    if _text(ds, "PhotometricInterpretation") == "MONOCHROME1":
        pixels = pixels.max() - pixels  # MONOCHROME1 stores bone dark; the model sees bone bright
    meta = {
        "width": cols,
        "height": rows,
        "modality": _text(ds, "Modality"),
        "view_position": _text(ds, "ViewPosition"),
        "photometric": _text(ds, "PhotometricInterpretation"),
        "bits_stored": _number(ds, "BitsStored", 0),
        "transfer_syntax": syntax,
        "study_uid": str(ds.get("StudyInstanceUID", "")),
        "sop_uid": str(ds.get("SOPInstanceUID", "")),
        "patient_id": str(ds.get("PatientID", "")),
        "accession": str(ds.get("AccessionNumber", "")),
    }
    return LoadedImage(pixels=pixels, kind="dicom", meta=meta, dataset=ds)
