"""A DICOM Comprehensive SR (TID 1500 Measurement Report) of one model read, built with highdicom.

The JSON result is for the web app; a PACS or reporting system wants the same numbers as DICOM, filed
in the source study and pointing at the exact image that was read. The report carries one image-level
measurement group (TID 1501) whose source image is the radiograph, with numeric items for the two
probabilities, the two severity scores and the urgency, a coded yes/no for the pneumonia flag, and the
algorithm identification (model name, SHA-256 of the weights as version, operating point) on the group
and on every measurement, so each number traces back to the exact weights.

There are no standard codes for "probability of pneumonia from this model", so the concept names use a
private coding scheme (``99EPIAID``, as DICOM PS3.16 allows for "99"-prefixed local schemes); units are
UCUM. PNG/JPEG input has no DICOM identity: the report then references a stand-in Secondary Capture
instance whose Study/Series/SOP Instance UIDs are derived from the file's SHA-256 (stable across
downloads, so a PACS does not file two studies for one picture) and says so in the series description.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import UID, generate_uid

SCHEME = "99EPIAID"
SECONDARY_CAPTURE = UID("1.2.840.10008.5.1.4.1.1.7")
COMPREHENSIVE_SR = UID("1.2.840.10008.5.1.4.1.1.88.33")
SR_SERIES_NUMBER = 9902
#: Patient/study attributes the SR inherits from its evidence (highdicom reads each one; type 2 may be empty).
INHERITED = (
    "PatientID",
    "PatientName",
    "PatientBirthDate",
    "PatientSex",
    "StudyInstanceUID",
    "StudyDate",
    "StudyTime",
    "AccessionNumber",
    "StudyID",
    "ReferringPhysicianName",
)


@dataclass(frozen=True)
class ReadValues:
    """The numbers of one read as stored (the SR documents what was reported, not a re-run)."""

    p_pneumonia: float
    p_covid: float
    severity_extent: float
    severity_opacity: float
    flag: bool
    urgency: float
    model_sha256: str
    model_name: str = "xray_cnn"
    p_pneumonia_threshold: float | None = None


def values_of(pred: Any, p_pneumonia_threshold: float | None = None) -> ReadValues:
    """The values of a fresh :class:`~epiaid.xray.engine.infer.Prediction` (CLI path)."""
    return ReadValues(
        pred.p_pneumonia,
        pred.p_covid,
        pred.severity_extent,
        pred.severity_opacity,
        bool(pred.flag),
        pred.urgency,
        pred.model_sha256,
        p_pneumonia_threshold=p_pneumonia_threshold,
    )


def stand_in_source(file_sha256: str, *, patient_id: str = "", patient_name: str = "") -> Dataset:
    """A header-only Secondary Capture identity for a PNG/JPEG input, with UIDs derived from its hash."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.StudyInstanceUID = generate_uid(entropy_srcs=[file_sha256, "study"])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[file_sha256, "series"])
    ds.SOPInstanceUID = generate_uid(entropy_srcs=[file_sha256, "instance"])
    ds.PatientID, ds.PatientName = patient_id, patient_name
    for kw in INHERITED:
        if kw not in ds:
            setattr(ds, kw, "")
    return ds


def _evidence(source: Dataset) -> Dataset:
    """Header-only copy of the source image with every inherited attribute present."""
    missing = [
        kw
        for kw in ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")
        if not str(source.get(kw, "") or "")
    ]
    if missing:
        raise ValueError(f"the source image lacks {', '.join(missing)}; cannot reference it from an SR")
    ds = Dataset()
    for elem in source:
        if elem.keyword and elem.keyword != "PixelData" and elem.tag.group != 0x7FE0:
            ds.add(elem)
    for kw in INHERITED:
        if kw not in ds or ds.get(kw) is None:
            setattr(ds, kw, "")
    ds.SpecificCharacterSet = source.get("SpecificCharacterSet", "ISO_IR 192") or "ISO_IR 192"
    return ds


def _code(value: str, meaning: str) -> Any:
    from highdicom.sr import CodedConcept

    return CodedConcept(value, SCHEME, meaning)


def structured_report(
    values: ReadValues, source: Dataset, *, sop_instance_uid: str | None = None, series_instance_uid: str | None = None
) -> bytes:
    """Encode the read as a Comprehensive SR Part-10 file referencing ``source`` (a DICOM header)."""
    import highdicom as hd
    from highdicom.sr import CodedConcept

    evidence = _evidence(source)
    sha = values.model_sha256
    parameters = [f"model_sha256={sha}"]
    if values.p_pneumonia_threshold is not None:
        parameters.append(f"p_pneumonia_threshold={values.p_pneumonia_threshold:.4f}")
    algorithm = hd.sr.AlgorithmIdentification(
        name=f"epiaid {values.model_name}", version=sha[:64], parameters=parameters, manufacturer="epiaid"
    )
    probability = CodedConcept("1", "UCUM", "no units")
    score = CodedConcept("{score}", "UCUM", "score")

    def measure(code: str, meaning: str, value: float, unit: Any) -> Any:
        return hd.sr.Measurement(
            name=_code(code, meaning), value=round(float(value), 4), unit=unit, algorithm_id=algorithm
        )

    yes, no = CodedConcept("373066001", "SCT", "Yes"), CodedConcept("373067005", "SCT", "No")
    group = hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=generate_uid(entropy_srcs=[str(evidence.SOPInstanceUID), sha, "tracking"]), identifier="AI triage read"
        ),
        algorithm_id=algorithm,
        source_images=[hd.sr.SourceImageForMeasurementGroup(str(evidence.SOPClassUID), str(evidence.SOPInstanceUID))],
        measurements=[
            measure("p_pneumonia", "Probability of pneumonia or lung opacity", values.p_pneumonia, probability),
            measure("p_covid", "Probability of COVID-19 pattern", values.p_covid, probability),
            measure("severity_extent", "Geographic extent score (0-8)", values.severity_extent, score),
            measure("severity_opacity", "Opacity score (0-6)", values.severity_opacity, score),
            measure("urgency", "Triage urgency (0-100)", values.urgency, score),
        ],
        qualitative_evaluations=[
            hd.sr.QualitativeEvaluation(
                _code("flag", "Pneumonia flag at the operating point"), yes if values.flag else no
            )
        ],
    )
    device = hd.sr.ObserverContext(
        observer_type=CodedConcept("121007", "DCM", "Device"),
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=generate_uid(entropy_srcs=[sha, "device"]),
            name=f"epiaid {values.model_name}",
            manufacturer_name="epiaid",
            model_name=values.model_name,
        ),
    )
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_device_context=device),
        procedure_reported=CodedConcept("399208008", "SCT", "Plain chest X-ray"),
        imaging_measurements=[group],
    )
    with warnings.catch_warnings():
        # Korean names are commonly stored as one component (홍길동); highdicom warns about that.
        warnings.filterwarnings("ignore", message=".*unlikely to represent the intended person name.*")
        sr = hd.sr.ComprehensiveSR(
            evidence=[evidence],
            content=report[0],
            series_instance_uid=series_instance_uid or generate_uid(),
            series_number=SR_SERIES_NUMBER,
            sop_instance_uid=sop_instance_uid or generate_uid(),
            instance_number=1,
            manufacturer="epiaid",
            is_complete=True,
            is_final=False,
            is_verified=False,
            series_description="AI triage result (epiaid xray) - not for primary diagnosis",
        )
    buf = io.BytesIO()
    sr.save_as(buf, enforce_file_format=True)
    return buf.getvalue()
