"""ONNX Runtime inference: probabilities, severity, heatmap and the operating-point flag for one image.

The shipped model is ``weights/xray_cnn.onnx`` plus ``weights/xray_cnn.json`` (calibration, operating
point, training-distribution statistics for the out-of-distribution check, and the model's SHA-256,
which every read records so a result can always be traced to the exact weights).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from epiaid.xray.engine.cam import gradcam
from epiaid.xray.engine.imaging import ImageRejected, LoadedImage
from epiaid.xray.engine.preprocess import standardise, to_unit_square

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
MODEL_NAME = "xray_cnn"


def model_metadata(weights_dir: Path = WEIGHTS_DIR) -> dict[str, Any]:
    """The shipped model's sidecar JSON (calibration, operating point, SHA-256, …) written by export."""
    meta: dict[str, Any] = json.loads((weights_dir / f"{MODEL_NAME}.json").read_text())
    return meta


def sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


@dataclass
class Prediction:
    p_pneumonia: float
    p_covid: float
    severity_extent: float  # 0–8 (Cohen/COVIDNet-S geographic extent)
    severity_opacity: float  # 0–6 (opacity)
    flag: bool  # pneumonia at the shipped operating point
    urgency: float  # 0–100, the worklist sort key
    ood_score: float
    heatmap: np.ndarray  # (h, w) 0–1, Grad-CAM of the pneumonia output
    unit_image: np.ndarray  # the model's view of the image (0–1), for overlays
    model_sha256: str
    timings_ms: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "p_pneumonia": round(self.p_pneumonia, 4),
            "p_covid": round(self.p_covid, 4),
            "severity_extent": round(self.severity_extent, 2),
            "severity_opacity": round(self.severity_opacity, 2),
            "flag": self.flag,
            "urgency": round(self.urgency, 1),
            "ood_score": round(self.ood_score, 3),
            "model_sha256": self.model_sha256,
        }


def urgency_score(p_pneumonia: float, extent: float, opacity: float) -> float:
    """0–100: severity (extent weighted over opacity, as in the Cohen score) scaled by how likely a finding is."""
    severity = 0.65 * np.clip(extent / 8, 0, 1) + 0.35 * np.clip(opacity / 6, 0, 1)
    return float(100 * (0.3 * p_pneumonia + 0.7 * p_pneumonia * severity))


class Predictor:
    """Holds one ONNX Runtime session; thread-safe for concurrent ``run`` calls (ORT sessions are)."""

    def __init__(self, weights_dir: Path = WEIGHTS_DIR, threads: int = 1) -> None:
        import onnxruntime as ort

        model_path = weights_dir / f"{MODEL_NAME}.onnx"
        if not model_path.exists():
            raise FileNotFoundError(f"no model at {model_path}: train and export it (see MODEL_CARD.md)")
        self.meta = model_metadata(weights_dir)
        blob = model_path.read_bytes()
        self.sha256 = hashlib.sha256(blob).hexdigest()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(blob, opts, providers=["CPUExecutionProvider"])
        self.size = int(self.meta["input_size"])
        self.head_weights = np.asarray(self.meta["head_weights"], dtype=np.float32)  # (outputs, C)
        self.ood_mean = np.asarray(self.meta["ood"]["mean"], dtype=np.float32)
        self.ood_std = np.asarray(self.meta["ood"]["std"], dtype=np.float32)
        self.ood_threshold = float(self.meta["ood"]["threshold"])
        self.threshold = float(self.meta["operating_point"]["p_pneumonia_threshold"])

    def _calibrated(self, name: str, logit: float) -> float:
        cal = self.meta["calibration"][name]
        return sigmoid(cal["a"] * logit + cal["b"])

    def _severity(self, name: str, raw: float, top: float) -> float:
        lin = self.meta["severity_calibration"][name]
        return float(np.clip(lin["a"] * raw + lin["b"], 0, top))

    def run(self, image: LoadedImage | np.ndarray) -> Prediction:
        """Score one decoded image; raises ImageRejected when it is not a frontal chest radiograph."""
        from epiaid.xray.engine.quality import check_pixels

        pixels = image.pixels if isinstance(image, LoadedImage) else image
        t0 = time.perf_counter()
        check_pixels(pixels)
        unit = to_unit_square(pixels, self.size)
        x = standardise(unit)[None, None]
        t1 = time.perf_counter()
        outputs, fmap, pooled = self.session.run(None, {"image": x})
        t2 = time.perf_counter()
        ood = float(np.mean(((pooled[0] - self.ood_mean) / self.ood_std) ** 2))
        if ood > self.ood_threshold:
            raise ImageRejected(
                "out_of_distribution",
                f"does not resemble a frontal chest radiograph (feature distance {ood:.1f} > "
                f"{self.ood_threshold:.1f} of the training images)",
            )
        p_pneu = self._calibrated("pneumonia", float(outputs[0, 0]))
        p_cov = self._calibrated("covid", float(outputs[0, 1]))
        extent = self._severity("extent", float(outputs[0, 2]), 8.0)
        opacity = self._severity("opacity", float(outputs[0, 3]), 6.0)
        heat = gradcam(fmap[0], self.head_weights[0])
        t3 = time.perf_counter()
        return Prediction(
            p_pneumonia=p_pneu,
            p_covid=p_cov,
            severity_extent=extent,
            severity_opacity=opacity,
            flag=p_pneu >= self.threshold,
            urgency=urgency_score(p_pneu, extent, opacity),
            ood_score=ood,
            heatmap=heat,
            unit_image=unit,
            model_sha256=self.sha256,
            timings_ms={"preprocess": 1e3 * (t1 - t0), "model": 1e3 * (t2 - t1), "heatmap": 1e3 * (t3 - t2)},
        )


@lru_cache(maxsize=2)
def default_predictor(threads: int = 1) -> Predictor:
    return Predictor(WEIGHTS_DIR, threads)
