"""The shipped weights, their model card, the development data loader and the demo loader."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from epiaid.xray.engine.infer import MODEL_NAME, WEIGHTS_DIR, Predictor, urgency_score
from epiaid.xray.engine.synthetic import phantom


def test_shipped_weights_are_small_hashed_and_documented() -> None:
    onnx = WEIGHTS_DIR / f"{MODEL_NAME}.onnx"
    meta = json.loads((WEIGHTS_DIR / f"{MODEL_NAME}.json").read_text())
    assert onnx.stat().st_size <= 25 * 1024 * 1024
    assert meta["sha256"] == hashlib.sha256(onnx.read_bytes()).hexdigest()
    card = (WEIGHTS_DIR / "MODEL_CARD.md").read_text()
    for section in ("Data", "Command", "Metrics", "Intended use", "Limits"):
        assert section in card, f"model card lacks {section}"


def test_predictions_are_in_range_and_carry_the_model_hash() -> None:
    predictor = Predictor()
    pred = predictor.run(phantom(512, 0.8, seed=3))
    assert 0 <= pred.p_pneumonia <= 1 and 0 <= pred.p_covid <= 1
    assert 0 <= pred.severity_extent <= 8 and 0 <= pred.severity_opacity <= 6
    assert pred.flag == (pred.p_pneumonia >= predictor.threshold)
    assert pred.heatmap.shape == (predictor.size // 16, predictor.size // 16)
    assert pred.heatmap.min() >= 0 and pred.heatmap.max() <= 1
    assert pred.model_sha256 == predictor.meta["sha256"]


def test_urgency_grows_with_severity_and_probability() -> None:
    assert urgency_score(0.9, 6, 4) > urgency_score(0.9, 1, 1) > urgency_score(0.1, 1, 1)
    assert 0 <= urgency_score(1.0, 8, 6) <= 100


def test_development_set_loads_with_patient_folds(shared_data: Path) -> None:
    from epiaid.xray.engine.data import load_devset

    dev = load_devset(shared_data / "cxr", size=64)
    assert dev.images.shape == (473, 64, 64)
    assert int(dev.pneumonia.sum()) == 473 - 35
    assert int(dev.covid.sum()) == 351
    by_patient = dev.frame.groupby("patient")["fold"].nunique()
    assert (by_patient == 1).all()  # no patient straddles two folds
    assert np.isnan(dev.extent).sum() == 473 - 348 - 35


def test_real_frontal_radiographs_pass_the_distribution_check(shared_data: Path) -> None:
    from epiaid.xray.engine.imaging import load_path

    predictor = Predictor()
    files = sorted((shared_data / "cxr" / "images").glob("*.png"))[::40]
    for f in files:
        predictor.run(load_path(f))  # raises ImageRejected if the check fires


@pytest.mark.django_db
def test_demo_loads_a_worklist_from_generated_phantoms(media: Path) -> None:
    from epiaid.xray import demo, services

    logged: list[str] = []
    summary = demo.load_demo(None, logged.append)
    assert "studies on the worklist" in summary
    assert len(services.worklist()) >= 4
    assert demo.load_demo(None, logged.append) == "demo studies already loaded"


@pytest.mark.django_db
def test_demo_uses_real_images_when_the_data_exists(media: Path, shared_data: Path, settings: Any) -> None:
    from epiaid.xray import demo
    from epiaid.xray.models import Study

    demo.load_demo(shared_data, lambda _: None)
    assert Study.objects.filter(source=Study.Source.DEMO, kind="png").count() >= 10
