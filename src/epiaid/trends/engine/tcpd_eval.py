"""Leave-one-series-out evaluation of the default change-point configuration on TCPD series.

    python -m epiaid.trends.engine.tcpd_eval [--data ../shared/data/trends/tcpd_dev] [--json out.json]

For each series in turn, the hyperparameters (penalty per log n, minimum segment length, variance
floor) are chosen on the *other* series by the mean of (F1 + cover) / 2, smoothed over the
neighbouring grid points (a 3x3x3 box, so a setting on a knife's edge is not chosen), and the
held-out series is scored with that choice. The same rule applied to all series gives the shipped
default (``changepoints.DEFAULT``). Printed beside it: ruptures Binseg and PELT (l2 cost, penalty
2 log n on the z-scored series, ruptures' defaults otherwise), predicting no change, and an oracle
that picks the best penalty for each series after seeing its annotations.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.ndimage import uniform_filter

from epiaid.trends.engine import changepoints as cp
from epiaid.trends.engine import tcpd

BETAS = (2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)
MIN_SIZES = (2, 5, 10)
FLOORS = (0.03, 0.05, 0.1, 0.2)
DEFAULT_DATA = Path("../shared/data/trends/tcpd_dev")


@dataclass
class Result:
    table: dict[str, tuple[float, float]]
    per_series: dict[str, dict[str, tuple[float, float]]]
    chosen: dict[str, tuple[float, int, float]]  # held-out series -> configuration chosen without it
    selected: tuple[float, int, float]  # on all series: the default
    n_series: int

    def stability(self) -> dict[str, int]:
        counts = collections.Counter(self.chosen.values())
        return {f"beta={b:g} min_size={m} var_floor={f:g}": c for (b, m, f), c in counts.most_common()}


def _settings(beta: float, min_size: int, floor: float) -> cp.Settings:
    return replace(cp.DEFAULT, penalty_per_log_n=beta, min_size=min_size, var_floor=floor)


def _zscore(values: Sequence[float | None]) -> np.ndarray:
    y = cp.fill_missing(tcpd.as_float_array(values))
    sd = float(y.std()) or 1.0
    return (y - float(y.mean())) / sd


def ruptures_l2(name: str) -> Callable[[Sequence[float | None]], list[int]]:
    """ruptures as a user would first call it: l2 cost, penalty 2 log n, z-scored, defaults otherwise."""

    def run(values: Sequence[float | None]) -> list[int]:
        import ruptures as rpt

        z = _zscore(values)
        algo: Any = rpt.Binseg(model="l2") if name == "binseg" else rpt.Pelt(model="l2")
        try:
            bkps = algo.fit(z.reshape(-1, 1)).predict(pen=2 * math.log(len(z)))
        except Exception:  # ruptures refuses series too short for its default min_size/jump
            return []
        return [int(b) for b in bkps if 0 < b < len(z)]

    return run


def _selection_objective(scores: np.ndarray, train: list[int]) -> np.ndarray:
    """scores: (beta, min_size, floor, series, 2) -> smoothed mean (F1 + cover) / 2 over train."""
    obj = scores[..., train, :].mean(axis=-1).mean(axis=-1)
    return np.asarray(uniform_filter(obj, size=3, mode="nearest"))


def _argmax(obj: np.ndarray) -> tuple[float, int, float]:
    b, m, f = np.unravel_index(int(np.argmax(obj)), obj.shape)
    return BETAS[b], MIN_SIZES[m], FLOORS[f]


def evaluate(series: Sequence[tcpd.Series]) -> Result:
    names = [s.name for s in series]
    grid = np.zeros((len(BETAS), len(MIN_SIZES), len(FLOORS), len(series), 2))
    for (bi, b), (mi, m), (fi, f) in itertools.product(enumerate(BETAS), enumerate(MIN_SIZES), enumerate(FLOORS)):
        settings = _settings(b, m, f)
        for si, s in enumerate(series):
            grid[bi, mi, fi, si] = s.score(cp.segment_indices(s.values, settings))
    per: dict[str, dict[str, tuple[float, float]]] = {n: {} for n in names}
    chosen: dict[str, tuple[float, int, float]] = {}
    for si, s in enumerate(series):
        train = [j for j in range(len(series)) if j != si]
        b, m, f = _argmax(_selection_objective(grid, train))
        chosen[s.name] = (b, m, f)
        per[s.name]["default (LOSO)"] = tuple(grid[BETAS.index(b), MIN_SIZES.index(m), FLOORS.index(f), si])  # type: ignore[assignment]
    selected = _argmax(_selection_objective(grid, list(range(len(series)))))
    sb, sm, sf = BETAS.index(selected[0]), MIN_SIZES.index(selected[1]), FLOORS.index(selected[2])
    for si, s in enumerate(series):
        per[s.name]["default (all series, in-sample)"] = tuple(grid[sb, sm, sf, si])  # type: ignore[assignment]
        # oracle: the best penalty for this series (min_size and floor as selected), seen its labels
        best = max(range(len(BETAS)), key=lambda bi: grid[bi, sm, sf, si].mean())
        per[s.name]["oracle penalty"] = tuple(grid[best, sm, sf, si])  # type: ignore[assignment]
        per[s.name]["binseg (ruptures, l2, 2 log n)"] = s.score(ruptures_l2("binseg")(s.values))
        per[s.name]["pelt (ruptures, l2, 2 log n)"] = s.score(ruptures_l2("pelt")(s.values))
        per[s.name]["zero (no change)"] = s.score([])
        per[s.name]["legacy consensus (PELT+BOCPD)"] = s.score(
            cp.detect_indices(s.values, replace(cp.DEFAULT, methods=("pelt", "bocpd")))
        )
    rows = list(per[names[0]])
    table = {
        r: (float(np.mean([per[n][r][0] for n in names])), float(np.mean([per[n][r][1] for n in names]))) for r in rows
    }
    return Result(table, per, chosen, selected, len(series))


def format_table(result: Result) -> str:
    lines = [f"| method ({result.n_series} series) | F1 | cover |", "|---|---|---|"]
    for name, (f1, cover) in result.table.items():
        lines.append(f"| {name} | {f1:.3f} | {cover:.3f} |")
    b, m, f = result.selected
    lines.append("")
    lines.append(
        f"selected on all series (the default): beta={b:g} (penalty beta*log n), min_size={m}, var_floor={f:g}"
    )
    lines.append("chosen per LOSO fold: " + ", ".join(f"{k}: {v}" for k, v in result.stability().items()))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", type=Path, default=None, help="also write the table and per-series scores")
    a = ap.parse_args(argv)
    result = evaluate(tcpd.load(a.data))
    print(format_table(result))
    if a.json:
        a.json.write_text(
            json.dumps(
                {
                    "table": result.table,
                    "per_series": result.per_series,
                    "chosen": {k: list(v) for k, v in result.chosen.items()},
                    "selected": list(result.selected),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
