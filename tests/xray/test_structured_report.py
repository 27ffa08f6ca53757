"""The DICOM Structured Report of a read: files in the source study, points at the read image, holds the
numbers and the algorithm; available to radiologists only, audited, from the API and the CLI."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import highdicom as hd
import pydicom
import pytest
from django.test import Client
from pydicom.dataset import Dataset
from typer.testing import CliRunner

from epiaid.core.models import AuditEvent
from epiaid.core.roles import GROUP_ROLES, Role
from epiaid.xray import services
from epiaid.xray.cli import app
from epiaid.xray.engine.sr import COMPREHENSIVE_SR, ReadValues, stand_in_source, structured_report
from epiaid.xray.models import Read, Study
from tests.xray.conftest import png_bytes

ALL_ROLES = (Role.PUBLIC, *GROUP_ROLES)
ALLOWED = {Role.CLINICIAN, Role.ADMIN}
VALUES = ReadValues(
    p_pneumonia=0.8123,
    p_covid=0.4012,
    severity_extent=3.25,
    severity_opacity=2.5,
    flag=True,
    urgency=55.4,
    model_sha256="ab" * 32,
    p_pneumonia_threshold=0.79,
)


def items(seq: Any) -> Iterator[Dataset]:
    for item in seq:
        yield item
        if "ContentSequence" in item:
            yield from items(item.ContentSequence)


def numbers(ds: Dataset) -> dict[str, float]:
    return {
        i.ConceptNameCodeSequence[0].CodeValue: float(i.MeasuredValueSequence[0].NumericValue)
        for i in items(ds.ContentSequence)
        if i.ValueType == "NUM"
    }


def coded(ds: Dataset, code: str) -> str:
    return next(
        i.ConceptCodeSequence[0].CodeMeaning
        for i in items(ds.ContentSequence)
        if i.ValueType == "CODE" and i.ConceptNameCodeSequence[0].CodeValue == code
    )


def referenced_instances(ds: Dataset) -> set[tuple[str, str, str]]:
    return {
        (ds.StudyInstanceUID, series.SeriesInstanceUID, sop.ReferencedSOPInstanceUID)
        for series in ds.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence
        for sop in series.ReferencedSOPSequence
    }


@pytest.fixture(scope="module")
def source(chest_dicom: bytes) -> Dataset:
    return pydicom.dcmread(io.BytesIO(chest_dicom))


def test_sr_of_a_dicom_read_references_its_study_series_and_image(source: Dataset) -> None:
    ds = pydicom.dcmread(io.BytesIO(structured_report(VALUES, source)))
    assert ds.SOPClassUID == COMPREHENSIVE_SR and ds.Modality == "SR"
    assert ds.StudyInstanceUID == source.StudyInstanceUID
    assert ds.SeriesInstanceUID != source.SeriesInstanceUID  # a new series in the same study
    assert referenced_instances(ds) == {(source.StudyInstanceUID, source.SeriesInstanceUID, source.SOPInstanceUID)}
    assert str(ds.PatientName) == "홍길동" and ds.PatientID == source.PatientID


def test_sr_holds_the_probabilities_severity_flag_and_urgency(source: Dataset) -> None:
    ds = pydicom.dcmread(io.BytesIO(structured_report(VALUES, source)))
    assert numbers(ds) == pytest.approx(
        {"p_pneumonia": 0.8123, "p_covid": 0.4012, "severity_extent": 3.25, "severity_opacity": 2.5, "urgency": 55.4}
    )
    assert coded(ds, "flag") == "Yes"
    unflagged = ReadValues(**{**VALUES.__dict__, "flag": False})
    assert coded(pydicom.dcmread(io.BytesIO(structured_report(unflagged, source))), "flag") == "No"


def test_sr_identifies_the_algorithm_by_name_and_weights_hash(source: Dataset) -> None:
    ds = pydicom.dcmread(io.BytesIO(structured_report(VALUES, source)))
    texts: dict[str, set[str]] = {}
    for i in items(ds.ContentSequence):
        if i.ValueType == "TEXT":
            texts.setdefault(i.ConceptNameCodeSequence[0].CodeMeaning, set()).add(i.TextValue)
    assert texts["Algorithm Name"] == {"epiaid xray_cnn"}
    assert texts["Algorithm Version"] == {VALUES.model_sha256}
    assert texts["Algorithm Parameters"] == {f"model_sha256={VALUES.model_sha256}", "p_pneumonia_threshold=0.7900"}


def test_sr_is_a_tid_1500_report_highdicom_can_read_back(source: Dataset) -> None:
    report = hd.sr.ComprehensiveSR.from_dataset(pydicom.dcmread(io.BytesIO(structured_report(VALUES, source))))
    groups = report.content.get_image_measurement_groups()
    assert len(groups) == 1
    names = {m.name.value: m.value for m in groups[0].get_measurements()}
    assert names["p_pneumonia"] == pytest.approx(0.8123)
    assert groups[0].source_images[0].referenced_sop_instance_uid == source.SOPInstanceUID


def test_png_input_gets_stable_stand_in_uids_derived_from_its_hash() -> None:
    first, again = stand_in_source("f" * 64), stand_in_source("f" * 64)
    assert first.StudyInstanceUID == again.StudyInstanceUID and first.SOPInstanceUID == again.SOPInstanceUID
    assert first.StudyInstanceUID != stand_in_source("e" * 64).StudyInstanceUID
    ds = pydicom.dcmread(io.BytesIO(structured_report(VALUES, first)))
    assert ds.StudyInstanceUID == first.StudyInstanceUID


def test_a_source_without_uids_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="SOPInstanceUID"):
        structured_report(VALUES, Dataset())


def test_cli_read_writes_the_sr_beside_the_secondary_capture(
    tmp_path: Path, chest_dicom: bytes, source: Dataset
) -> None:
    src = tmp_path / "x.dcm"
    src.write_bytes(chest_dicom)
    result = CliRunner().invoke(app, ["read", str(src), "--sr", str(tmp_path / "r-sr.dcm")])
    assert result.exit_code == 0, result.output
    ds = pydicom.dcmread(tmp_path / "r-sr.dcm")
    assert ds.StudyInstanceUID == source.StudyInstanceUID and 0 <= numbers(ds)["p_pneumonia"] <= 1


# ------------------------------------------------------------------------------------------ web and API


@pytest.fixture
def scored(media: Path, chest_dicom: bytes) -> Read:
    outcome = services.ingest(chest_dicom, "chest.dcm", Study.Source.DEMO, sender="test")
    assert outcome.read is not None
    return outcome.read


def expected(role: Role) -> int:
    return 401 if role is Role.PUBLIC else 200 if role in ALLOWED else 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("by", ["study", "read"])
def test_sr_download_is_for_radiologists_only(
    client_as: Callable[..., Client], scored: Read, role: Role, by: str
) -> None:
    url = f"/api/xray/studies/{scored.study_id}/sr.dcm" if by == "study" else f"/api/xray/reads/{scored.pk}/sr.dcm"
    resp = client_as(role).get(url)
    assert resp.status_code == expected(role)
    assert AuditEvent.objects.filter(action="xray.export_sr").exists() == (role in ALLOWED)


@pytest.mark.django_db
def test_sr_download_carries_the_stored_read_values_and_is_audited(
    client_as: Callable[..., Client], scored: Read, source: Dataset
) -> None:
    radiologist = client_as(Role.CLINICIAN)
    resp = radiologist.get(f"/api/xray/reads/{scored.pk}/sr.dcm")
    assert resp["Content-Type"] == "application/dicom"
    ds = pydicom.dcmread(io.BytesIO(resp.content))
    assert ds.StudyInstanceUID == scored.study.study_uid == source.StudyInstanceUID
    assert referenced_instances(ds) == {(source.StudyInstanceUID, source.SeriesInstanceUID, source.SOPInstanceUID)}
    assert numbers(ds)["p_pneumonia"] == pytest.approx(scored.p_pneumonia, abs=1e-4)
    assert numbers(ds)["urgency"] == pytest.approx(scored.urgency, abs=1e-4)
    again = pydicom.dcmread(io.BytesIO(radiologist.get(f"/api/xray/studies/{scored.study_id}/sr.dcm").content))
    assert again.SOPInstanceUID == ds.SOPInstanceUID  # same read, same instance: a PACS replaces it
    event = AuditEvent.objects.filter(action="xray.export_sr").first()
    assert event is not None and event.detail["model_sha256"] == scored.model_sha256


@pytest.mark.django_db
def test_unknown_read_gives_a_404_naming_it(client_as: Callable[..., Client], media: Path) -> None:
    radiologist = client_as(Role.CLINICIAN)
    resp = radiologist.get("/api/xray/reads/987654/sr.dcm")
    assert resp.status_code == 404 and resp.json()["detail"] == "no read with id 987654"
    assert resp.json()["code"] == "unknown_read"
    assert radiologist.get("/api/xray/studies/987654/sr.dcm").status_code == 404


@pytest.mark.django_db
def test_sr_of_a_png_upload_files_under_stand_in_uids(
    client_as: Callable[..., Client], media: Path, chest: Any
) -> None:
    outcome = services.ingest(png_bytes(chest), "chest.png", Study.Source.DEMO)
    assert outcome.read is not None
    ds = pydicom.dcmread(io.BytesIO(client_as(Role.CLINICIAN).get(f"/api/xray/reads/{outcome.read.pk}/sr.dcm").content))
    assert ds.StudyInstanceUID == stand_in_source(outcome.study.sha256).StudyInstanceUID
