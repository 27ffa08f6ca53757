"""Pixel-level checks that an image can be a frontal chest radiograph (header checks live in imaging).

These are deliberately simple and explainable: shape, emptiness, contrast and symmetry, then a small
learned orientation check (:mod:`~epiaid.xray.engine.orientation`: a rotated or upside-down film is still
a radiograph and would otherwise be scored). The other learned check — the distance of the network's
pooled features from the training images' — runs inside the predictor because it needs the model's
features.
"""

from __future__ import annotations

import numpy as np

from epiaid.xray.engine.imaging import ImageRejected

MAX_ASPECT = 2.0
#: Left–right mirror correlation of a frontal film (64 px thumbnail). On the 473 development images it
#: ranges from -0.13 to 0.99 (median 0.78; 1st percentile 0.06), so only inputs far below any real frontal
#: film — left-right *anti*-symmetric patterns such as gradients, split screens or checkerboards — fail it.
MIN_MIRROR_CORRELATION = -0.3


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
        raise ImageRejected(
            "not_radiograph",
            f"only {mid:.0%} of pixels are mid-grey; this looks like a "
            "drawing, document or mask rather than a radiograph",
        )
    from epiaid.xray.engine.orientation import THUMB, shipped_model
    from epiaid.xray.engine.preprocess import to_unit_square

    thumb = to_unit_square(pixels, THUMB)  # one thumbnail serves the symmetry and orientation checks
    mirror = mirror_correlation(thumb)
    if mirror < MIN_MIRROR_CORRELATION:
        raise ImageRejected(
            "not_frontal",
            f"left and right halves are mirror-opposites (correlation "
            f"{mirror:.2f}); a frontal chest film is roughly symmetric",
        )
    turned = shipped_model().problem(thumb)
    if turned:
        raise ImageRejected("wrong_orientation", f"the film {turned}; rotate it upright and send it again")


def mirror_correlation(thumb: np.ndarray) -> float:
    """Correlation of the left half with the mirrored right half of the 64 px thumbnail."""
    half = thumb.shape[1] // 2
    left, right = thumb[:, :half].ravel(), thumb[:, half:][:, ::-1].ravel()
    if left.std() < 1e-6 or right.std() < 1e-6:
        return 0.0
    return float(np.corrcoef(left, right)[0, 1])
