"""Grad-CAM without autograd, for a network whose head is ``W · GAP(A) + b``.

Grad-CAM weights each channel of the last feature map ``A`` (C×h×w) by the spatial mean of the
gradient of the class score ``y_k``: ``α_c = mean_ij ∂y_k/∂A_cij``. With global average pooling and a
linear head, ``∂y_k/∂A_cij = W[k, c] / (h·w)`` for every position, so ``α_c = W[k, c] / (h·w)`` and
``ReLU(Σ_c α_c A_c)`` is the class activation map ``ReLU(Σ_c W[k, c] A_c)`` scaled by a positive
constant — identical after normalisation. Computing it from the exported feature map costs one small
matrix product, so the heatmap adds well under a millisecond and needs no PyTorch at inference.
(``tests/xray/test_engine.py::test_gradcam_from_head_weights_equals_autograd_gradcam`` checks this
against autograd Grad-CAM.)
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def gradcam(feature_map: np.ndarray, class_weights: np.ndarray) -> np.ndarray:
    """(C, h, w) feature map and (C,) head weights -> (h, w) map in 0–1 (all zeros if nothing is positive)."""
    cam = np.tensordot(class_weights.astype(np.float32), feature_map.astype(np.float32), axes=(0, 0))
    cam = np.maximum(cam, 0.0)
    peak = float(cam.max())
    return (cam / peak).astype(np.float32) if peak > 0 else np.zeros_like(cam, dtype=np.float32)


#: A perceptually ordered dark-blue → red → yellow ramp (anchor colours of "inferno"), so no plotting
#: library is imported on the inference path.
_ANCHORS = np.array([[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]], dtype=np.float32)


def colourise(heat: np.ndarray) -> np.ndarray:
    """(H, W) in 0–1 -> (H, W, 3) uint8, through a 256-entry lookup table (one gather per pixel)."""
    return _LUT[np.clip(heat * 255 + 0.5, 0, 255).astype(np.uint8)]


def _build_lut() -> np.ndarray:
    pos = np.linspace(0, 1, 256) * (len(_ANCHORS) - 1)
    lo = np.floor(pos).astype(int).clip(0, len(_ANCHORS) - 2)
    frac = (pos - lo)[:, None]
    return np.round(_ANCHORS[lo] * (1 - frac) + _ANCHORS[lo + 1] * frac).astype(np.uint8)


_LUT = _build_lut()


def overlay(unit_image: np.ndarray, heat: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """Blend the heatmap (upsampled bilinearly) over the grey image; returns (H, W, 3) uint8."""
    h, w = unit_image.shape
    big = np.asarray(Image.fromarray(heat.astype(np.float32), mode="F").resize((w, h), Image.Resampling.BILINEAR))
    big = np.clip(big, 0, 1)
    grey = (np.clip(unit_image, 0, 1) * 255)[..., None]
    weight = (alpha * big)[..., None]  # cold areas stay grey, hot areas take the colour
    return (grey + weight * (colourise(big) - grey)).astype(np.uint8)
