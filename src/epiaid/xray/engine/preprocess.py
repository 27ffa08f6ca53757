"""The one preprocessing path shared by training and inference.

Training and ONNX inference must see identical pixels, so both call :func:`to_model_input`. It mirrors
how the development images were prepared (robust min/max, centre square crop, bilinear resize) and then
standardises each image, which removes global brightness/contrast differences between sources — one of
the easiest shortcuts a small CNN could otherwise learn from confounded data.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

INPUT_SIZE = 128


def robust_unit(pixels: np.ndarray) -> np.ndarray:
    """Scale to 0–1 between the 0.5th and 99.5th percentiles (robust to burned-in text and markers).

    Percentiles of images above 256×256 are estimated on a regular subsample of ~65k pixels: exact
    enough for a contrast window and ~10× cheaper than sorting a megapixel (the 256 px development
    images are below the limit, so training is unaffected).
    """
    arr = pixels.astype(np.float32, copy=False)
    step = int(np.ceil(np.sqrt(arr.size / 65536))) if arr.size > 65536 else 1
    lo, hi = np.percentile(arr[::step, ::step], [0.5, 99.5])
    if not np.isfinite(lo) or not np.isfinite(hi) or hi - lo < 1e-6:
        return np.zeros_like(arr, dtype=np.float32)
    return np.clip((arr - lo) / (hi - lo), 0.0, 1.0)


def centre_square(arr: np.ndarray) -> np.ndarray:
    h, w = arr.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return arr[top : top + side, left : left + side]


def resize(arr: np.ndarray, size: int) -> np.ndarray:
    img = Image.fromarray(arr.astype(np.float32), mode="F")
    return np.asarray(img.resize((size, size), Image.Resampling.BILINEAR), dtype=np.float32)


def standardise(arr: np.ndarray) -> np.ndarray:
    mean, std = float(arr.mean()), float(arr.std())
    return ((arr - mean) / max(std, 1e-3)).astype(np.float32)


def to_unit_square(pixels: np.ndarray, size: int = INPUT_SIZE, oversample: int = 2) -> np.ndarray:
    """Grey 2-D array (any range, display-ready polarity) -> size×size float32 in 0–1.

    Big images are box-averaged down by an integer factor *before* the percentile normalisation, so a
    3000×3000 radiograph costs a few milliseconds instead of a second of sorting (the development
    images are 256 px and take the same path as before: no reduction happens below 2× the input size).
    ``oversample`` 1 is for display images, where speed matters more than anti-aliasing.
    """
    if pixels.ndim != 2:
        raise ValueError(f"expected a 2-D grey image, got shape {pixels.shape}")
    square = centre_square(pixels)
    factor = square.shape[0] // (size * oversample)
    if factor > 1:  # one pass over the native dtype; no full-size float copy
        n = square.shape[0] // factor * factor
        square = square[:n, :n].reshape(n // factor, factor, n // factor, factor).mean(axis=(1, 3), dtype=np.float32)
    return resize(robust_unit(np.asarray(square, dtype=np.float32)), size)


def to_model_input(pixels: np.ndarray, size: int = INPUT_SIZE) -> np.ndarray:
    """Grey 2-D array -> (1, 1, size, size) float32 tensor as the network expects."""
    return standardise(to_unit_square(pixels, size))[None, None]
