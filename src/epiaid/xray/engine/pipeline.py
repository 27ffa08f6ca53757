"""One image end to end: bytes → decode/check → model → heatmap → structured result.

The CLI, the benchmark, the C-STORE receiver and the web app all call :func:`read_image`, so the
measured latency is the latency users get.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from epiaid.xray.engine.imaging import LoadedImage, load_image
from epiaid.xray.engine.infer import Prediction, Predictor, default_predictor
from epiaid.xray.engine.report import structured_result


@dataclass
class Read:
    image: LoadedImage
    prediction: Prediction
    result: dict[str, Any]


def read_image(data: bytes, filename: str = "", predictor: Predictor | None = None) -> Read:
    """Raises :class:`~epiaid.xray.engine.imaging.ImageRejected` with the reason for unreadable input."""
    image = load_image(data, filename)
    pred = (predictor or default_predictor()).run(image)
    return Read(image=image, prediction=pred, result=structured_result(pred, image, filename))
