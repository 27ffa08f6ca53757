"""Per-position variability of the design genomes: what has already changed, and how much."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from epiaid.assay.engine.seqio import GAP, N


@dataclass
class Variability:
    reference: np.ndarray  # base codes of the reference
    counts: np.ndarray  # (6, L): A C G T N GAP per position
    entropy: np.ndarray  # Shannon entropy (bits) over A C G T gap among known bases
    gap_fraction: np.ndarray
    alt_fraction: np.ndarray  # share of known genomes differing from the reference (gaps included)
    alt_count: np.ndarray  # genomes differing from the reference
    density: np.ndarray  # share of variable positions in a ±100 nt window (mutation density)

    @property
    def variable(self) -> np.ndarray:
        return self.alt_count > 0


def window_mean(values: np.ndarray, half_width: int) -> np.ndarray:
    kernel = np.ones(2 * half_width + 1) / (2 * half_width + 1)
    return np.convolve(values.astype(float), kernel, mode="same")


def variability(matrix: np.ndarray, reference: np.ndarray, window: int = 100) -> Variability:
    length = reference.shape[0]
    counts = np.zeros((6, length), dtype=np.int32)
    for code in range(6):
        counts[code] = (matrix == code).sum(axis=0)
    known = counts[[0, 1, 2, 3, GAP]]
    total = known.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, known / np.maximum(total, 1), 0.0)
        entropy = -(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1)), 0.0)).sum(axis=0)
    ref_idx = np.minimum(reference, N).astype(np.intp)
    same = np.where(reference < N, counts[np.minimum(ref_idx, 3), np.arange(length)], 0)
    alt_count = (total - same).astype(np.int32)
    alt_fraction = np.where(total > 0, alt_count / np.maximum(total, 1), 0.0)
    gap_fraction = np.where(total > 0, counts[GAP] / np.maximum(total, 1), 0.0)
    density = window_mean(alt_count > 0, window)
    return Variability(reference, counts, entropy, gap_fraction, alt_fraction, alt_count, density)
