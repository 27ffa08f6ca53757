"""``epiaid xray predict``: the evaluation contract (exact CSV columns; bad files skipped with a message)."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from epiaid.xray.cli import PREDICT_COLUMNS, app
from epiaid.xray.engine.synthetic import phantom
from tests.xray.conftest import png_bytes


@pytest.fixture
def folder(tmp_path: Path, chest_dicom: bytes, chest_png: bytes, make_dicom: Callable[..., bytes]) -> Path:
    d = tmp_path / "images"
    (d / "sub").mkdir(parents=True)
    (d / "a.dcm").write_bytes(chest_dicom)
    (d / "b.png").write_bytes(chest_png)
    (d / "sub" / "c.dcm").write_bytes(make_dicom(monochrome1=True, rle=True))
    (d / "broken.dcm").write_bytes(chest_dicom[:400])
    (d / "lateral.dcm").write_bytes(make_dicom(view="LL"))
    (d / "d.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    return d


def test_predict_writes_exactly_the_agreed_columns_and_skips_bad_files(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "pred.csv"
    result = CliRunner().invoke(app, ["predict", "--images", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert (
        list(rows[0].keys())
        == PREDICT_COLUMNS
        == ["file", "p_pneumonia", "p_covid", "severity_extent", "severity_opacity", "flag"]
    )
    assert sorted(r["file"] for r in rows) == ["a.dcm", "b.png", "sub/c.dcm"]
    for r in rows:
        assert 0 <= float(r["p_pneumonia"]) <= 1 and 0 <= float(r["p_covid"]) <= 1
        assert 0 <= float(r["severity_extent"]) <= 8 and 0 <= float(r["severity_opacity"]) <= 6
        assert r["flag"] in {"0", "1"}
    for bad in ("broken.dcm", "lateral.dcm", "d.jpg"):
        assert f"skipped {bad}" in result.output


def test_predict_agrees_between_dicom_and_png_of_the_same_image(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "pred.csv"
    CliRunner().invoke(app, ["predict", "--images", str(folder), "--out", str(out)])
    rows = {r["file"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert float(rows["a.dcm"]["p_pneumonia"]) == pytest.approx(float(rows["b.png"]["p_pneumonia"]), abs=0.05)


def test_read_writes_json_heatmap_and_secondary_capture(tmp_path: Path, chest_dicom: bytes) -> None:
    src = tmp_path / "x.dcm"
    src.write_bytes(chest_dicom)
    result = CliRunner().invoke(
        app,
        [
            "read",
            str(src),
            "--json",
            str(tmp_path / "r.json"),
            "--heatmap",
            str(tmp_path / "h.png"),
            "--sc",
            str(tmp_path / "h.dcm"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "h.dcm").read_bytes()[128:132] == b"DICM"


def test_read_of_a_rejected_file_exits_2_with_the_reason(tmp_path: Path, make_dicom: Callable[..., bytes]) -> None:
    src = tmp_path / "ct.dcm"
    src.write_bytes(make_dicom(modality="CT"))
    result = CliRunner().invoke(app, ["read", str(src)])
    assert result.exit_code == 2 and "wrong_modality" in result.output


def test_predict_on_real_development_images(shared_data: Path, tmp_path: Path) -> None:
    images = tmp_path / "real"
    images.mkdir()
    for src in sorted((shared_data / "cxr" / "images").glob("*.png"))[:6]:
        shutil.copy(src, images / src.name)  # a temporary copy for the test only
    out = tmp_path / "pred.csv"
    result = CliRunner().invoke(app, ["predict", "--images", str(images), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(out.open()))) == 6


def test_synthetic_noise_is_not_scored(tmp_path: Path) -> None:
    d = tmp_path / "noise"
    d.mkdir()
    (d / "noise.png").write_bytes(png_bytes(np.random.default_rng(0).random((300, 300))))
    (d / "ok.png").write_bytes(png_bytes(phantom(300, 0.4)))
    out = tmp_path / "pred.csv"
    result = CliRunner().invoke(app, ["predict", "--images", str(d), "--out", str(out)])
    assert "skipped noise.png" in result.output
    assert io.StringIO(out.read_text()).read().startswith(",".join(PREDICT_COLUMNS))
