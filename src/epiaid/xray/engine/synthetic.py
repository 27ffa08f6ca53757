"""Seeded synthetic chest-radiograph phantoms and DICOM wrappers, for demos, tests and benchmarks.

The phantom (bright body, two dark lung fields, spine, heart, optional patchy "opacity") is not a
radiograph and carries no clinical meaning; it exists so that every code path — decoding, checks,
inference, DICOM output, the worklist — runs on a fresh clone without the real data.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    UID,
    ExplicitVRLittleEndian,
    RLELossless,
    generate_uid,
)

CR_STORAGE = UID("1.2.840.10008.5.1.4.1.1.1")
DX_STORAGE = UID("1.2.840.10008.5.1.4.1.1.1.1")
CT_STORAGE = UID("1.2.840.10008.5.1.4.1.1.2")


def phantom(size: int = 512, opacity: float = 0.0, seed: int = 0) -> np.ndarray:
    """(size, size) float in 0–1, bright = dense. ``opacity`` 0–1 adds patchy density in the lower lungs.

    The layout follows the mean of the development films closely enough for the orientation check to
    see it upright: air beside the neck at the top, shoulders and clavicles, lung fields that taper to
    the apices, the heart low and to the image's right, and a bright abdomen under the diaphragm.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    half_width = 0.12 + 0.34 * np.clip(yy / 0.22, 0, 1) ** 0.5  # neck widening into the shoulders
    body = np.abs(xx - 0.5) < half_width
    img = np.where(body, 0.5 + 0.35 * np.clip((yy - 0.55) / 0.3, 0, 1), 0.08)
    img += 0.12 * np.exp(-((xx - 0.5) ** 2) / 0.02)  # mediastinum
    for side in (-1, 1):
        cx = 0.5 + side * 0.2
        lung_half_width = 0.05 + 0.1 * np.clip((yy - 0.12) / 0.35, 0, 1)
        lung = (np.abs(xx - cx) < lung_half_width) & (yy > 0.12) & (yy < 0.7 - 0.06 * np.abs(xx - cx) / 0.15)
        img = np.where(lung, 0.2 + 0.05 * rng.random(img.shape), img)
        clavicle = np.abs(yy - (0.2 - 0.05 * side * (xx - 0.5))) < 0.012
        img += 0.15 * (clavicle & (np.abs(xx - 0.5 - side * 0.15) < 0.15))
    img += 0.25 * (np.abs(xx - 0.5) < 0.035) * (yy > 0.05)  # spine
    img += 0.2 * ((((xx - 0.56) / 0.12) ** 2 + ((yy - 0.58) / 0.11) ** 2) < 1)  # heart
    for _ in range(int(opacity * 12)):
        cx, cy = 0.5 + rng.choice([-0.2, 0.2]) + rng.normal(0, 0.04), rng.uniform(0.4, 0.65)
        img += 0.25 * opacity * np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / 0.004))
    img += rng.normal(0, 0.015, img.shape)
    return np.clip(img, 0, 1).astype(np.float32)


def to_dicom(
    unit: np.ndarray,
    *,
    modality: str = "DX",
    view: str = "PA",
    bits: int = 12,
    monochrome1: bool = False,
    rle: bool = False,
    with_pixels: bool = True,
    patient_id: str = "SYN-0001",
    patient_name: str = "홍길동",
    body_part: str = "CHEST",
    window: tuple[float, float] | None = None,
) -> bytes:
    """Encode a 0–1 image as a DICOM Part-10 file with the chosen header and pixel options."""
    meta = FileMetaDataset()
    sop_class = {"CR": CR_STORAGE, "DX": DX_STORAGE, "CT": CT_STORAGE}.get(modality, DX_STORAGE)
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientID, ds.PatientName = patient_id, patient_name
    ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8, so Korean names survive
    ds.StudyDate = dt.date(2020, 2, 27).strftime("%Y%m%d")
    ds.AccessionNumber = patient_id.replace("SYN", "ACC")
    ds.Modality, ds.ViewPosition, ds.BodyPartExamined = modality, view, body_part
    levels = (1 << bits) - 1
    values = np.clip(unit, 0, 1)
    if monochrome1:
        values = 1.0 - values
    pixels = np.round(values * levels).astype(np.uint16)
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME1" if monochrome1 else "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, bits, bits - 1, 0
    if window is not None:
        ds.WindowCenter, ds.WindowWidth = window
    if with_pixels:
        ds.PixelData = pixels.tobytes()
        if rle:
            ds.compress(RLELossless, encoding_plugin="pydicom")
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()
