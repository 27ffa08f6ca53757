"""Fixtures for the X-ray tests: generated DICOM/PNG inputs and an isolated media directory."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from epiaid.xray.engine.synthetic import phantom, to_dicom


@pytest.fixture(scope="session")
def chest() -> np.ndarray:
    return phantom(384, 0.6, seed=7)


@pytest.fixture(scope="session")
def chest_dicom(chest: np.ndarray) -> bytes:
    return to_dicom(chest)


@pytest.fixture
def make_dicom(chest: np.ndarray) -> Callable[..., bytes]:
    def make(**kwargs: Any) -> bytes:
        return to_dicom(chest, **kwargs)

    return make


def png_bytes(unit: np.ndarray, mode: str = "L") -> bytes:
    buf = io.BytesIO()
    img = Image.fromarray((np.clip(unit, 0, 1) * 255).astype(np.uint8))
    img.convert(mode).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def chest_png(chest: np.ndarray) -> bytes:
    return png_bytes(chest)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)
