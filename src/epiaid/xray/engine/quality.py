"""Pixel-level checks that an image can be a frontal chest radiograph (header checks live in imaging).

These are deliberately simple and explainable: shape, emptiness and contrast. The learned check — the
distance of the network's pooled features from the training images' — runs inside the predictor
because it needs the model's features.
"""

from __future__ import annotations

import numpy as np

from epiaid.xray.engine.imaging import ImageRejected

MAX_ASPECT = 2.0


def check_pixels(pixels: np.ndarray) -> None:
    if pixels.ndim != 2:
        raise ImageRejected("not_grey", f"expected a single grey channel, got array shape {pixels.shape}")
    h, w = pixels.shape
    if max(h, w) / max(min(h, w), 1) > MAX_ASPECT:
        raise ImageRejected("bad_aspect", f"{w}×{h} is too elongated for a chest radiograph (limit {MAX_ASPECT}:1)")
    if not np.isfinite(pixels).all():
        raise ImageRejected("bad_pixels", "pixel values include NaN or infinity")
    step = max(1, min(h, w) // 256)
    sample = pixels[::step, ::step]
    lo, hi = np.percentile(sample, [1, 99])
    if hi - lo <= 1e-6 * max(1.0, abs(float(hi))):
        raise ImageRejected("blank", "the image is blank (no contrast)")
    unit = np.clip((sample - lo) / (hi - lo), 0, 1)
    # A radiograph uses the grey range broadly; a binary mask, a text page or a screenshot does not.
    mid = float(np.mean((unit > 0.1) & (unit < 0.9)))
    if mid < 0.2:
        raise ImageRejected("not_radiograph", f"only {mid:.0%} of pixels are mid-grey; this looks like a "
                                              "drawing, document or mask rather than a radiograph")
