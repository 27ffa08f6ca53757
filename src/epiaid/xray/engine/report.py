"""Derived outputs a PACS can store: the structured JSON result and a DICOM Secondary Capture heatmap.

The Secondary Capture keeps the source study's patient and study identifiers (so it files beside the
radiograph in the PACS) in a new series, and says in its header that it was made by software and is
not for primary diagnosis.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import numpy as np

from epiaid.xray.engine.cam import overlay
from epiaid.xray.engine.imaging import LoadedImage
from epiaid.xray.engine.infer import Prediction
from epiaid.xray.engine.sr import INHERITED, SECONDARY_CAPTURE

RESULT_SCHEMA = "epiaid.xray.result/1"


def structured_result(pred: Prediction, image: LoadedImage | None, file: str = "") -> dict[str, Any]:
    meta = image.meta if image is not None else {}
    return {
        "schema": RESULT_SCHEMA,
        "file": file,
        "study_uid": meta.get("study_uid", ""),
        "sop_uid": meta.get("sop_uid", ""),
        "input": {
            k: meta.get(k)
            for k in ("width", "height", "modality", "view_position", "photometric", "bits_stored", "transfer_syntax")
            if k in meta
        },
        "findings": {
            "pneumonia_opacity": {"probability": round(pred.p_pneumonia, 4), "flag": pred.flag},
            "covid_pattern": {"probability": round(pred.p_covid, 4)},
        },
        "severity": {
            "geographic_extent_0_8": round(pred.severity_extent, 2),
            "opacity_0_6": round(pred.severity_opacity, 2),
        },
        "urgency_0_100": round(pred.urgency, 1),
        "ood_score": round(pred.ood_score, 3),
        "model": {"sha256": pred.model_sha256},
        "heatmap": {
            "method": "Grad-CAM (pneumonia output)",
            "shape": list(pred.heatmap.shape),
            "values": np.round(pred.heatmap, 3).tolist(),
        },
        "intended_use": "triage support for a radiologist; not a diagnosis",
    }


DISPLAY_SIZE = 384


def display_overlay(pred: Prediction, pixels: np.ndarray | None = None) -> np.ndarray:
    """The heatmap over the image at a size a radiologist can look at (the model sees only 128 px)."""
    from epiaid.xray.engine.preprocess import to_unit_square

    base = to_unit_square(pixels, DISPLAY_SIZE, oversample=1) if pixels is not None else pred.unit_image
    return overlay(base, pred.heatmap)


def heatmap_png(pred: Prediction, pixels: np.ndarray | None = None) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(display_overlay(pred, pixels)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def secondary_capture(
    pred: Prediction,
    image: LoadedImage | None,
    *,
    sop_instance_uid: str | None = None,
    series_instance_uid: str | None = None,
) -> bytes:
    """A DICOM Secondary Capture (RGB, uncompressed) of the heatmap overlay; fresh UIDs unless given."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

    rgb = display_overlay(pred, image.pixels if image is not None else None)
    src = image.dataset if image is not None and image.dataset is not None else None
    now = dt.datetime.now(dt.UTC)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SECONDARY_CAPTURE
    meta.MediaStorageSOPInstanceUID = UID(sop_instance_uid) if sop_instance_uid else generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: Korean patient names must survive
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    for kw in INHERITED:
        setattr(ds, kw, src.get(kw, "") if src is not None else "")
    if not ds.StudyInstanceUID:
        ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = series_instance_uid or generate_uid()
    ds.Modality = "OT"
    ds.ConversionType = "WSD"
    ds.SeriesNumber = 9901
    ds.InstanceNumber = 1
    ds.SeriesDescription = "AI heatmap (epiaid xray) - not for primary diagnosis"
    ds.ImageComments = (
        f"p_pneumonia={pred.p_pneumonia:.3f} p_covid={pred.p_covid:.3f} "
        f"extent={pred.severity_extent:.1f}/8 opacity={pred.severity_opacity:.1f}/6 "
        f"model_sha256={pred.model_sha256[:16]}"
    )
    ds.DerivationDescription = "Grad-CAM of the pneumonia output over the model input image"
    ds.BurnedInAnnotation = "NO"
    ds.ContentDate, ds.ContentTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
    ds.Manufacturer = "epiaid"
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.Rows, ds.Columns = rgb.shape[0], rgb.shape[1]
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = rgb.tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()
