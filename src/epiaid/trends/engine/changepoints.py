"""Change points in a univariate series: several detectors and one consensus.

Why our own PELT/BOCPD instead of only ruptures: the default configuration must handle a thousand
daily series in well under a minute, and ruptures' pure-Python cost evaluation is ~100x slower than a
cumulative-sum PELT compiled with numba (``bench/trends/run.sh`` measures the ratio). ruptures'
Binseg / Window / PELT stay available as members of the ensemble for users who want them.

Scale is estimated robustly from first differences (MAD), so a series' units and a few outliers do not
change the answer; the penalty grows with ``log(n)`` (BIC-like) so longer series need stronger
evidence per change. Predicting few, confident change points is deliberate: a spurious change costs
more to a communicator than a missed small one.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numba import njit

from epiaid.trends.engine import segments

MIN_LENGTH = 8


class SeriesError(ValueError):
    """A series that cannot be analysed at all (e.g. nothing numeric in it)."""


# --------------------------------------------------------------------------------------------------
# preparation


def as_array(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Floats with NaN for missing (None, null, non-numeric strings, inf)."""
    out = np.empty(len(values), dtype=float)
    for i, v in enumerate(values):
        try:
            f = float(v) if v is not None else math.nan
        except (TypeError, ValueError):
            f = math.nan
        out[i] = f if math.isfinite(f) else math.nan
    return out


def fill_missing(y: np.ndarray) -> np.ndarray:
    """Linear interpolation inside, nearest value at the edges: indices keep their meaning."""
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y)
    if ok.all():
        return y.copy()
    if not ok.any():
        raise SeriesError("the series has no numeric values")
    idx = np.arange(len(y))
    return np.interp(idx, idx[ok], y[ok])


def robust_sigma(y: np.ndarray) -> float:
    """Noise scale from the MAD of first differences (insensitive to level shifts and trends).

    When more than half of the differences are zero (counts, step-like series) the MAD is 0; then the
    spread of the differences without their largest 2 % (the jumps) is used, and for an exactly
    piecewise-constant series 1 % of its range, so that every jump in it counts. Never returns 0.
    """
    d = np.diff(y)
    if len(d) == 0:
        return 1.0
    mad = float(np.median(np.abs(d - np.median(d)))) * 1.4826 / math.sqrt(2.0)
    if mad > 0:
        return mad
    keep = np.sort(np.abs(d))[: len(d) - max(1, len(d) // 50)]
    trimmed = float(np.sqrt(np.mean(keep**2)) / math.sqrt(2.0)) if len(keep) else 0.0
    if trimmed > 0:
        return trimmed
    spread = float(np.ptp(y)) * 0.01
    return spread if spread > 0 else 1.0


# --------------------------------------------------------------------------------------------------
# detectors (all take a standardised, gap-free array and return sorted change indices)


@njit(cache=True)
def _pelt_l2(y: np.ndarray, pen: float, min_size: int) -> np.ndarray:  # pragma: no cover - compiled
    n = y.shape[0]
    cs = np.zeros(n + 1)
    cs2 = np.zeros(n + 1)
    for i in range(n):
        cs[i + 1] = cs[i] + y[i]
        cs2[i + 1] = cs2[i] + y[i] * y[i]
    f = np.full(n + 1, np.inf)
    f[0] = -pen
    last = np.zeros(n + 1, dtype=np.int64)
    cand = np.zeros(n + 1, dtype=np.int64)
    ncand = 0
    for t in range(min_size, n + 1):
        tau_new = t - min_size
        if tau_new == 0 or tau_new >= min_size:
            cand[ncand] = tau_new
            ncand += 1
        best = np.inf
        arg = 0
        for j in range(ncand):
            s = cand[j]
            length = t - s
            seg = cs[t] - cs[s]
            cost = cs2[t] - cs2[s] - seg * seg / length
            v = f[s] + cost + pen
            if v < best:
                best = v
                arg = s
        f[t] = best
        last[t] = arg
        k = 0
        for j in range(ncand):
            s = cand[j]
            if s > t - min_size:
                cand[k] = s
                k += 1
                continue
            length = t - s
            seg = cs[t] - cs[s]
            cost = cs2[t] - cs2[s] - seg * seg / length
            if f[s] + cost <= best:
                cand[k] = s
                k += 1
        ncand = k
    return segments.backtrack(last, n)


def pelt_mean(z: np.ndarray, pen: float, min_size: int = 2) -> list[int]:
    """Exact penalised least squares (mean shifts) by PELT; O(n) on average."""
    if len(z) < 2 * min_size:
        return []
    return [int(i) for i in _pelt_l2(np.ascontiguousarray(z, dtype=np.float64), float(pen), int(min_size))]


def bocpd_runlength(z: np.ndarray, hazard: float = 1 / 250, prior_var: float = 25.0, max_run: int = 300) -> np.ndarray:
    """Online Bayesian change-point detection (Adams & MacKay 2007): the MAP run length per step.

    Observations are unit-variance Gaussians (the series is standardised first) with an unknown
    mean under a normal prior centred on the series' median; run lengths beyond ``max_run`` merge.
    """
    return _bocpd_map(np.ascontiguousarray(z, dtype=np.float64), hazard, prior_var, max_run)


@njit(cache=True)
def _bocpd_map(z: np.ndarray, hazard: float, prior_var: float, max_run: int) -> np.ndarray:  # pragma: no cover
    n = z.shape[0]
    out = np.zeros(n, dtype=np.int64)
    m = max_run + 1
    r = np.zeros(m)
    mu = np.zeros(m)
    var = np.full(m, prior_var)
    nr = np.zeros(m)
    nmu = np.zeros(m)
    nvar = np.zeros(m)
    r[0] = 1.0
    size = 1
    for t in range(n):
        x = z[t]
        new_size = min(size + 1, m)
        for i in range(new_size):
            nr[i] = 0.0
            nmu[i] = 0.0
            nvar[i] = 0.0
        cp = 0.0
        for i in range(size):
            if r[i] < 1e-9:  # negligible run lengths cost an exp() each and change nothing
                continue
            if var[i] < 1e-9 or not np.isfinite(var[i]):
                var[i] = 1e-9
            s2 = var[i] + 1.0
            w = r[i] * math.exp(-0.5 * (x - mu[i]) ** 2 / s2) / math.sqrt(s2)
            cp += w * hazard
            j = min(i + 1, m - 1)
            g = w * (1 - hazard)
            post_var = 1.0 / (1.0 / var[i] + 1.0)
            post_mu = post_var * (mu[i] / var[i] + x)
            nmu[j] += g * post_mu
            nvar[j] += g * post_var
            nr[j] += g
        total = cp
        for j in range(1, new_size):
            if nr[j] > 1e-300:
                nmu[j] /= nr[j]
                nvar[j] /= nr[j]
            else:
                nvar[j] = prior_var
            total += nr[j]
        nr[0] = cp
        nmu[0] = 0.0
        nvar[0] = prior_var
        if total <= 0 or not np.isfinite(total):
            for i in range(new_size):
                nr[i] = 0.0
            nr[0] = 1.0
            total = 1.0
        best = 0
        for i in range(new_size):
            r[i] = nr[i] / total
            mu[i] = nmu[i]
            var[i] = nvar[i]
            if r[i] > r[best]:
                best = i
        size = new_size
        out[t] = best
    return out


def bocpd(z: np.ndarray, min_size: int = 3, hazard: float | None = None) -> list[int]:
    """Change points where the MAP run length drops: the start of each new run that then persists."""
    n = len(z)
    if n < 2 * min_size:
        return []
    h = hazard if hazard is not None else 1.0 / max(50.0, n / 2)
    runs = bocpd_runlength(z, hazard=h)
    cps: list[int] = []
    for t in range(1, n - min_size):
        dropped = runs[t] < runs[t - 1] - min_size
        persists = runs[t + min_size] == runs[t] + min_size
        if dropped and persists:
            start = t - int(runs[t])
            if start >= min_size and n - start >= min_size and (not cps or start - cps[-1] >= min_size):
                cps.append(int(start))
    return cps


def ruptures_method(name: str) -> Callable[[np.ndarray, float, int], list[int]]:
    """A ruptures detector (``pelt``, ``binseg``, ``window``) with our penalty, model ``l2``."""

    def detect(z: np.ndarray, pen: float, min_size: int = 2) -> list[int]:
        import ruptures as rpt

        if len(z) < 2 * min_size + 1:
            return []
        if name == "pelt":
            algo: Any = rpt.Pelt(model="l2", min_size=min_size, jump=1)
        elif name == "binseg":
            algo = rpt.Binseg(model="l2", min_size=min_size, jump=1)
        elif name == "window":
            width = max(2 * min_size, min(40, len(z) // 5 * 2))
            width += width % 2
            if len(z) <= width:
                return []
            algo = rpt.Window(width=width, model="l2", min_size=min_size, jump=1)
        else:  # pragma: no cover - guarded by METHODS
            raise ValueError(f"unknown ruptures method {name!r}")
        bkps = algo.fit(z.reshape(-1, 1)).predict(pen=pen)
        return [int(b) for b in bkps if 0 < b < len(z)]

    return detect


# --------------------------------------------------------------------------------------------------
# consensus and labels


@dataclass
class ChangePoint:
    index: int
    kind: str  # "level_up", "level_down", "spike", "dip"
    votes: int
    magnitude: float  # jump in units of the robust noise scale
    methods: list[str] = field(default_factory=list)
    date: str | None = None
    model: str = "level"  # the segment model that explains it best: "level", "slope" or "variance"
    confidence: float = 1.0  # P(change) under a BIC-type approximation with the penalty as prior odds
    slope_change: float = 0.0  # change of slope, noise SDs per 10 steps
    variance_ratio: float = 1.0  # residual SD after / before

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Settings:
    """The one default configuration, chosen by leave-one-series-out on real annotated series.

    ``model``, ``penalty_per_log_n``, ``min_size`` and ``var_floor`` drive the default detector (exact
    PELT under a per-segment line + variance model, ``engine/segments.py``); ``tcpd_eval`` selects
    them on ``tcpd_dev``. The remaining fields configure the older detectors kept for comparison
    (``run_all``, ``methods=...``): robust MAD scaling, long-run rescaling and effect pruning.
    """

    model: str = "linvar"  # segment model: "mean", "meanvar", "linear" or "linvar"
    penalty_per_log_n: float = 6.0  # per change, in deviance units (BIC ~ 3-4 for a line + variance)
    min_size: int = 2
    var_floor: float = 0.05  # smallest residual variance, in units of the z-scored series
    stabilise: bool = True  # log scale for non-negative series spanning orders of magnitude
    methods: tuple[str, ...] = ("segments",)
    # the legacy consensus (pelt + bocpd on robustly scaled series), used when methods says so
    min_effect: float = 1.6  # jump / within-segment robust spread
    tolerance: int = 5  # detectors agreeing within this many steps vote for the same change
    min_votes: int = 1
    max_changes_per_100: float = 4.0
    long_run: bool = True  # rescale autocorrelated series by their long-run spread
    merge_spike_ends: bool = True  # legacy only: a spike is one event (its start)
    legacy_penalty_per_log_n: float = 8.0


DEFAULT = Settings()


def penalty_for(n: int, settings: Settings = DEFAULT) -> float:
    """Penalty of the legacy detectors (PELT/BOCPD/ruptures on robustly scaled series)."""
    return settings.legacy_penalty_per_log_n * math.log(max(n, 3))


def segment_penalty(n: int, settings: Settings = DEFAULT) -> float:
    """Penalty per change of the default detector, on the deviance scale."""
    return settings.penalty_per_log_n * math.log(max(n, 3))


def variance_stabilise(y: np.ndarray) -> np.ndarray:
    """Log scale for non-negative series spanning orders of magnitude (search volume, counts).

    A search term that goes from 0.02 to 100 has noise proportional to its level: on the raw scale
    the quiet months look perfectly flat and the busy weeks look like dozens of shifts; on the log
    scale both are comparable. Series with negatives or a modest range are left as they are.
    """
    if float(y.min()) < 0:
        return y
    pos = y[y > 0]
    if len(pos) < max(5, len(y) // 4):
        return y
    lo, hi = np.percentile(pos, [10, 99])
    if lo <= 0 or hi / lo < 100:
        return y
    return np.log(y + float(np.percentile(pos, 5)))


def _standardise(y: np.ndarray) -> np.ndarray:
    return (y - float(np.median(y))) / robust_sigma(y)


def _piecewise_fit(z: np.ndarray, cps: list[int]) -> np.ndarray:
    fit = np.empty_like(z)
    bounds = [0, *cps, len(z)]
    for a, b in itertools.pairwise(bounds):
        fit[a:b] = np.median(z[a:b])
    return fit


def long_run_scale(z: np.ndarray, pen: float, min_size: int, first_fit: list[int] | None = None) -> float:
    """How much more the series wanders than its step-to-step noise suggests (>= 1).

    Difference-based scales underestimate the noise of autocorrelated series (AR processes, seasonal
    wiggles, slow drifts), which then look like many small level shifts. We fit mean shifts once,
    measure the residuals' lag-1 autocorrelation rho and spread, and return the long-run standard
    deviation ``spread * sqrt((1 + rho) / (1 - rho))`` in units of the current scale.
    """
    if len(z) < 4 * min_size:
        return 1.0
    cps = pelt_mean(z, pen, min_size) if first_fit is None else first_fit
    resid = z - _piecewise_fit(z, cps)
    spread = _robust_spread(resid) or float(np.std(resid))
    r0, r1 = resid[:-1] - resid[:-1].mean(), resid[1:] - resid[1:].mean()
    denom = math.sqrt(float((r0 * r0).sum() * (r1 * r1).sum())) or 1.0
    rho = min(max(float((r0 * r1).sum()) / denom, 0.0), 0.9)
    return max(1.0, spread * math.sqrt((1 + rho) / (1 - rho)))


def _robust_spread(seg: np.ndarray) -> float:
    n = len(seg)
    if n < 2:
        return 0.0
    srt = np.sort(seg)

    # IQR / 1.349 with linear interpolation (numpy's default), without np.percentile's overhead.
    def q(p: float) -> float:
        pos = p * (n - 1)
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        return float(srt[lo] + (srt[hi] - srt[lo]) * (pos - lo))

    return (q(0.75) - q(0.25)) / 1.349


def _effect(z: np.ndarray, left: int, cp: int, right: int) -> float:
    """Jump between the adjacent segments' medians relative to their spread (noise or wandering)."""
    a, b = z[left:cp], z[cp:right]
    if len(a) == 0 or len(b) == 0:
        return 0.0
    jump = abs(float(np.median(b)) - float(np.median(a)))
    spread = max(_robust_spread(a), _robust_spread(b), 1.0)
    return jump / spread


def _prune_by_effect(z: np.ndarray, cps: list[int], min_effect: float) -> list[int]:
    """Drop the weakest change until every remaining one separates clearly different segments.

    Only the two neighbours' effects change when a change is dropped, so they alone are recomputed.
    """
    cps = sorted(cps)
    if not cps:
        return cps
    n = len(z)

    def effect_at(k: int) -> float:
        return _effect(z, cps[k - 1] if k > 0 else 0, cps[k], cps[k + 1] if k + 1 < len(cps) else n)

    effects = [effect_at(k) for k in range(len(cps))]
    while cps:
        weakest = int(np.argmin(effects))
        if effects[weakest] >= min_effect:
            break
        cps.pop(weakest)
        effects.pop(weakest)
        for k in (weakest - 1, weakest):
            if 0 <= k < len(cps):
                effects[k] = effect_at(k)
    return cps


def _cluster(found: dict[str, list[int]], tolerance: int) -> list[tuple[int, list[str]]]:
    """Group detections from different methods that lie within ``tolerance`` of each other.

    Two detections of the same method never merge: a spike's start and end are both real.
    """
    points = sorted((i, m) for m, idx in found.items() for i in idx)
    clusters: list[list[tuple[int, str]]] = []
    for i, m in points:
        if clusters and i - clusters[-1][-1][0] <= tolerance and m not in {x for _, x in clusters[-1]}:
            clusters[-1].append((i, m))
        else:
            clusters.append([(i, m)])
    out = []
    for c in clusters:
        methods = sorted({m for _, m in c})
        idx = sorted(i for i, _ in c)
        out.append((idx[len(idx) // 2], methods))
    return out


def _label(z: np.ndarray, cps: list[int], k: int) -> tuple[str, float]:
    bounds = [0, *cps, len(z)]
    left = z[bounds[k] : bounds[k + 1]]
    mid = z[bounds[k + 1] : bounds[k + 2]]
    right = z[bounds[k + 2] : bounds[k + 3]] if k + 3 < len(bounds) else np.empty(0)
    jump = float(np.median(mid) - np.median(left)) if len(left) and len(mid) else 0.0
    short = len(mid) <= max(7, len(z) // 50)
    if short and len(right):
        back = float(np.median(right) - np.median(left))
        if abs(back) < 0.5 * abs(jump):
            return ("spike" if jump > 0 else "dip"), jump
    return ("level_up" if jump > 0 else "level_down"), jump


DETECTORS: dict[str, Callable[[np.ndarray, float, int], list[int]]] = {
    "pelt": pelt_mean,
    "bocpd": lambda z, pen, min_size: bocpd(z, min_size=min_size),
    "rpt_pelt": ruptures_method("pelt"),
    "binseg": ruptures_method("binseg"),
    "window": ruptures_method("window"),
}
METHODS: tuple[str, ...] = tuple(DETECTORS)


def detect(
    values: Sequence[Any] | np.ndarray, settings: Settings = DEFAULT, dates: Sequence[str] | None = None
) -> list[ChangePoint]:
    """Change points of one series, each explained by a segment model; missing values are interpolated.

    The default (``methods=("segments",)``) is one exact PELT fit; any other ``methods`` run the
    legacy consensus of those detectors.
    """
    if tuple(settings.methods) == ("segments",):
        return _detect_segments(values, settings, dates)
    prepared = _prepare(values, settings)
    if prepared is None:
        return []
    z, pen, pelt_fit = prepared
    n = len(z)
    found = _run(z, pen, settings, settings.methods, pelt_fit)
    clusters = [(i, ms) for i, ms in _cluster(found, settings.tolerance) if len(ms) >= settings.min_votes]
    # Prefer the exact optimum's location when PELT voted for a cluster.
    chosen: list[tuple[int, list[str]]] = []
    for i, ms in clusters:
        if "pelt" in found:
            near = [p for p in found["pelt"] if abs(p - i) <= settings.tolerance]
            i = min(near, key=lambda p: abs(p - i)) if near else i
        chosen.append((i, ms))
    cap = max(1, int(settings.max_changes_per_100 * n / 100))
    if len(chosen) > cap:
        # Keep the largest jumps (votes break ties): a brief but huge spike outranks a small shift.
        strength = [
            (
                _effect(z, 0 if k == 0 else chosen[k - 1][0], i, n if k == len(chosen) - 1 else chosen[k + 1][0]),
                len(ms),
                k,
            )
            for k, (i, ms) in enumerate(chosen)
        ]
        keep = {k for _, _, k in sorted(strength, reverse=True)[:cap]}
        chosen = [c for k, c in enumerate(chosen) if k in keep]
    cps = [i for i, _ in chosen]
    result = []
    skip_next = False
    for k, (i, ms) in enumerate(chosen):
        if skip_next:
            skip_next = False
            continue
        kind, jump = _label(z, cps, k)
        if kind in ("spike", "dip") and settings.merge_spike_ends:
            skip_next = True
        result.append(
            ChangePoint(
                index=int(i),
                kind=kind,
                votes=len(ms),
                magnitude=round(jump, 3),
                methods=ms,
                date=(dates[i] if dates is not None else None),
            )
        )
    return result


def detect_indices(values: Sequence[Any] | np.ndarray, settings: Settings = DEFAULT) -> list[int]:
    """0-based change indices with the default configuration (what ``epiaid trends changepoints`` writes)."""
    return [c.index for c in detect(values, settings)]


def prepare(values: Sequence[Any] | np.ndarray, settings: Settings = DEFAULT) -> tuple[np.ndarray, float] | None:
    """Gap-filled, stabilised, robustly standardised series and its penalty (None: too short or flat)."""
    prepared = _prepare(values, settings)
    return None if prepared is None else prepared[:2]


def _prepare(
    values: Sequence[Any] | np.ndarray, settings: Settings
) -> tuple[np.ndarray, float, list[int] | None] | None:
    """As :func:`prepare`, plus PELT's answer when the long-run rescaling left the series unchanged."""
    with np.errstate(all="ignore"):  # absurd magnitudes (1e308) must not print warnings mid-benchmark
        return _prepare_unchecked(values, settings)


def _prepare_unchecked(
    values: Sequence[Any] | np.ndarray, settings: Settings
) -> tuple[np.ndarray, float, list[int] | None] | None:
    raw = as_array(values)
    if len(raw) < MIN_LENGTH or np.isfinite(raw).sum() < MIN_LENGTH:
        return None
    y = fill_missing(raw)
    if float(np.ptp(y)) == 0.0:
        return None
    if settings.stabilise:
        y = variance_stabilise(y)
    z = _standardise(y)
    if not np.isfinite(z).all():
        return None
    pen = penalty_for(len(z), settings)
    first: list[int] | None = None
    if settings.long_run:
        first = pelt_mean(z, pen, settings.min_size)
        scale = long_run_scale(z, pen, settings.min_size, first_fit=first)
        if scale > 1.0:
            z, first = z / scale, None
    return z, pen, first


def _run(
    z: np.ndarray, pen: float, settings: Settings, methods: Sequence[str], pelt_fit: list[int] | None = None
) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for name in methods:
        if name not in DETECTORS:
            raise ValueError(f"unknown method {name!r}; choose from {', '.join(METHODS)}")
        raw = pelt_fit if (name == "pelt" and pelt_fit is not None) else DETECTORS[name](z, pen, settings.min_size)
        found[name] = _prune_by_effect(z, list(raw), settings.min_effect)
    return found


#: ruptures' detectors evaluate costs in Python: fine for a few hundred points, minutes for thousands.
RUPTURES_MAX_LENGTH = 400


def run_all(
    values: Sequence[Any] | np.ndarray, settings: Settings = DEFAULT, methods: Sequence[str] | None = None
) -> dict[str, list[int]]:
    """Each detector separately (comparison tables, the report), same preparation and pruning.

    By default ruptures' Binseg and Window join for series up to ``RUPTURES_MAX_LENGTH`` points; its
    PELT is left out because it finds exactly what our compiled PELT finds (a test checks this).
    """
    prepared = _prepare(values, settings)
    if methods is None:
        methods = ["pelt", "bocpd"]
        if prepared is not None and len(prepared[0]) <= RUPTURES_MAX_LENGTH:
            methods += ["binseg", "window"]
    if prepared is None:
        return {m: [] for m in methods}
    return _run(prepared[0], prepared[1], settings, methods, prepared[2])


# --------------------------------------------------------------------------------------------------
# the default: one exact fit under a line + variance segment model, then an explanation per change


def standardise_for_segments(values: Sequence[Any] | np.ndarray, settings: Settings = DEFAULT) -> np.ndarray | None:
    """Gap-filled (linear interpolation), optionally log-stabilised, z-scored series; None if too short/flat.

    z-scoring only fixes the units of ``var_floor``: the line + variance cost itself is scale-free.
    """
    raw = as_array(values)
    if len(raw) < MIN_LENGTH or np.isfinite(raw).sum() < MIN_LENGTH:
        return None
    with np.errstate(all="ignore"):
        y = fill_missing(raw)
        if float(np.ptp(y)) == 0.0:
            return None
        if settings.stabilise:
            y = variance_stabilise(y)
        sd = float(np.std(y))
        if not math.isfinite(sd) or sd == 0.0:
            return None
        z = (y - float(np.mean(y))) / sd
    return z if np.isfinite(z).all() else None


def segment_indices(values: Sequence[Any] | np.ndarray, settings: Settings = DEFAULT) -> list[int]:
    """The default detector's change indices without explanations (what the benchmarks time)."""
    z = standardise_for_segments(values, settings)
    if z is None:
        return []
    return segments.pelt(z, segment_penalty(len(z), settings), settings.model, settings.min_size, settings.var_floor)


def _dev(rss: float, n: int, floor: float) -> float:
    v = rss / n
    return n * math.log(v) + n if v >= floor else n * math.log(floor) + rss / floor


def _ols_rss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    r = y - x @ coef
    return float(r @ r), coef


def explain(z: np.ndarray, left: int, cp: int, right: int, pen: float, floor: float) -> dict[str, Any]:
    """Why there is a change at ``cp`` between segments ``[left, cp)`` and ``[cp, right)``.

    Three one-component alternatives to "no change" (one line, one variance over both segments) are
    fitted: a level shift (common slope and variance), a slope change (a hinge, continuous) and a
    variance change (common line, two variances). The component with the largest deviance drop is
    the segment model that explains the change. The confidence compares the full change (two lines,
    two variances) with no change: ``1 / (1 + exp(-(gain - pen) / 2))`` — 0.5 exactly at the penalty.
    """
    y = z[left:right]
    n = len(y)
    t = np.arange(n, dtype=float)
    k = cp - left
    ones = np.ones(n)
    step = (t >= k).astype(float)
    hinge = np.maximum(t - k, 0.0)
    rss0, _ = _ols_rss(np.column_stack([ones, t]), y)
    d0 = _dev(rss0, n, floor)
    rss_level, coef_level = _ols_rss(np.column_stack([ones, t, step]), y)
    rss_slope, _ = _ols_rss(np.column_stack([ones, t, hinge]), y)
    r = y - np.column_stack([ones, t]) @ _ols_rss(np.column_stack([ones, t]), y)[1]
    d_var = _dev(float(r[:k] @ r[:k]), k, floor) + _dev(float(r[k:] @ r[k:]), n - k, floor)
    gains = {"level": d0 - _dev(rss_level, n, floor), "slope": d0 - _dev(rss_slope, n, floor), "variance": d0 - d_var}
    model = max(gains, key=lambda m: gains[m])
    full = segments.segment_cost(z, left, cp, "linvar", floor) + segments.segment_cost(z, cp, right, "linvar", floor)
    gain = d0 - full
    confidence = 1.0 / (1.0 + math.exp(-min(max((gain - pen) / 2.0, -50.0), 50.0)))
    # effect sizes on each side's own line, in units of the pooled residual SD
    a, b = y[:k], y[k:]
    fa = np.polyfit(t[:k], a, 1) if k >= 2 else np.array([0.0, float(a.mean())])
    fb = np.polyfit(t[k:], b, 1) if n - k >= 2 else np.array([0.0, float(b.mean())])
    ra, rb = a - np.polyval(fa, t[:k]), b - np.polyval(fb, t[k:])
    sd = math.sqrt(max(float(ra @ ra + rb @ rb) / n, floor))
    sda = math.sqrt(max(float(ra @ ra) / max(k, 1), floor))
    sdb = math.sqrt(max(float(rb @ rb) / max(n - k, 1), floor))
    jump = float(coef_level[2]) / sd
    return {
        "model": model,
        "confidence": round(confidence, 3),
        "magnitude": round(jump, 3),
        "slope_change": round(float(fb[0] - fa[0]) * 10.0 / sd, 3),
        "variance_ratio": round(sdb / sda, 3),
        "gains": {m: round(g, 2) for m, g in gains.items()},
    }


def _kind(z: np.ndarray, cps: list[int], k: int, info: dict[str, Any]) -> str:
    model = info["model"]
    if model == "slope":
        return "slope_up" if info["slope_change"] > 0 else "slope_down"
    if model == "variance":
        return "variance_up" if info["variance_ratio"] > 1 else "variance_down"
    kind, _ = _label(z, cps, k)
    if k > 0 and cps[k] - cps[k - 1] <= max(7, len(z) // 50):  # the end of a short excursion
        prev, _ = _label(z, cps, k - 1)
        if prev in ("spike", "dip"):
            return f"{prev}_end"
    return kind


def _detect_segments(
    values: Sequence[Any] | np.ndarray, settings: Settings, dates: Sequence[str] | None
) -> list[ChangePoint]:
    z = standardise_for_segments(values, settings)
    if z is None:
        return []
    n = len(z)
    pen = segment_penalty(n, settings)
    cps = segments.pelt(z, pen, settings.model, settings.min_size, settings.var_floor)
    bounds = [0, *cps, n]
    out = []
    for k, i in enumerate(cps):
        info = explain(z, bounds[k], i, bounds[k + 2], pen, settings.var_floor)
        out.append(
            ChangePoint(
                index=int(i),
                kind=_kind(z, cps, k, info),
                votes=1,
                magnitude=info["magnitude"],
                methods=[f"pelt_{settings.model}"],
                date=(dates[i] if dates is not None else None),
                model=info["model"],
                confidence=info["confidence"],
                slope_change=info["slope_change"],
                variance_ratio=info["variance_ratio"],
            )
        )
    return out
