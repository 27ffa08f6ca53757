"""Primer and probe candidates from conserved k-mers of the reference, scored for risk and chemistry.

Why not primer3's ``design_primers`` in a window loop: it can take ~90 s per window. Here every
window of every length is screened at once with cumulative sums (conservation, GC, runs, risk,
near-neighbour discrimination), and primer3's thermodynamics is called only on the few thousand
survivors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from epiaid.assay.engine import thermo
from epiaid.assay.engine.seqio import LETTERS, N, revcomp

#: 3′-terminal bases whose mismatches break a primer (the scoring rule's "last 5 bases").
THREE_PRIME = 5
#: Extra weight of risk in the 3′-terminal bases of a primer.
THREE_PRIME_WEIGHT = 4.0


@dataclass(frozen=True)
class OligoRules:
    primer_lengths: tuple[int, int] = (18, 26)
    probe_lengths: tuple[int, int] = (18, 30)
    primer_tm: tuple[float, float] = (57.0, 63.0)
    probe_tm: tuple[float, float] = (64.0, 72.0)
    primer_gc: tuple[float, float] = (0.35, 0.65)
    probe_gc: tuple[float, float] = (0.35, 0.70)
    max_run: int = 4  # longest homopolymer
    max_hairpin_tm: float = 47.0  # primer3's default PRIMER_MAX_HAIRPIN_TH
    min_homodimer_dg: float = -9.0  # kcal/mol
    min_end_stability_dg: float = -9.0  # kcal/mol, 3′ pentamer
    max_gc_in_three_prime: int = 3  # of the last 5 bases
    per_role_limit: int = 20000  # survivors scored with primer3, best risk first


def _cumsum(values: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(values, dtype=float)])


def _window_sum(cs: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    return cs[starts + length] - cs[starts]


def neighbour_binding_bits(
    reference: np.ndarray,
    neighbours: np.ndarray,
    starts: np.ndarray,
    length: int,
    three_prime_at_end: bool,
    primer: bool,
) -> np.ndarray:
    """Bit k set when excluded neighbour k (projected on the reference) would bind at the homologous site.

    Binding is judged leniently on purpose (≤ 3 mismatches and, for primers, none in the two 3′-terminal
    bases), so that a candidate counted as *not* binding really discriminates.
    """
    bits = np.zeros(len(starts), dtype=np.int64)
    for k, row in enumerate(neighbours):
        mismatch = (row != reference).astype(float)
        cs = _cumsum(mismatch)
        total = _window_sum(cs, starts, length)
        binds = total <= 3
        if primer:
            tail = _window_sum(cs, starts + length - 2, 2) if three_prime_at_end else _window_sum(cs, starts, 2)
            binds &= tail == 0
        bits |= binds.astype(np.int64) << k
    return bits


def screen(
    reference: np.ndarray,
    risk: np.ndarray,
    variable: np.ndarray,
    role: str,
    rules: OligoRules,
    neighbours: np.ndarray | None = None,
) -> pd.DataFrame:
    """All windows that pass the cheap filters, with their risk; role is forward, reverse or probe.

    Columns: start (0-based on the reference), length, strand ('+' when the oligo equals the reference,
    '-' when it is the reverse complement), risk, tail_variable, gc, nb_bits.
    """
    ref_len = len(reference)
    lengths = rules.probe_lengths if role == "probe" else rules.primer_lengths
    gc_range = rules.probe_gc if role == "probe" else rules.primer_gc
    is_gc = np.isin(reference, [1, 2]).astype(float)
    unknown = (reference >= N).astype(float)
    run = np.zeros(ref_len, dtype=bool)  # a homopolymer longer than max_run starts here
    width = rules.max_run + 1
    same = np.ones(ref_len - width + 1, dtype=bool)
    for j in range(1, width):
        same &= reference[j : ref_len - width + 1 + j] == reference[: ref_len - width + 1]
    run[: len(same)] = same
    cs_gc, cs_unknown, cs_run = _cumsum(is_gc), _cumsum(unknown), _cumsum(run.astype(float))
    cs_risk, cs_var = _cumsum(risk), _cumsum(variable.astype(float))
    frames = []
    for length in range(lengths[0], lengths[1] + 1):
        starts = np.arange(0, ref_len - length + 1)
        gc = _window_sum(cs_gc, starts, length) / length
        ok = (_window_sum(cs_unknown, starts, length) == 0) & (gc >= gc_range[0]) & (gc <= gc_range[1])
        ok &= _window_sum(cs_run, starts, length - rules.max_run) == 0
        total_risk = _window_sum(cs_risk, starts, length)
        tail_var = np.zeros(len(starts))
        if role == "forward":
            tail_start = starts + length - THREE_PRIME
        elif role == "reverse":
            tail_start = starts
        else:
            tail_start = None
        if tail_start is not None:
            tail_risk = _window_sum(cs_risk, tail_start, THREE_PRIME)
            tail_var = _window_sum(cs_var, tail_start, THREE_PRIME)
            total_risk = total_risk + (THREE_PRIME_WEIGHT - 1) * tail_risk
            tail_gc = _window_sum(cs_gc, tail_start, THREE_PRIME)
            ok &= (tail_var == 0) & (tail_gc >= 1) & (tail_gc <= rules.max_gc_in_three_prime)
            # a G or C as the very last 3′ base (a clamp)
            last = reference[starts + length - 1] if role == "forward" else reference[starts]
            ok &= np.isin(last, [1, 2])
        else:
            first = reference[starts]  # the probe's 5′ base: no G next to the reporter dye
            ok &= first != 2
        frame = pd.DataFrame(
            {
                "start": starts[ok],
                "length": length,
                "risk": total_risk[ok],
                "gc": gc[ok],
                "tail_variable": tail_var[ok],
            }
        )
        if neighbours is not None and len(neighbours) and len(frame):
            frame["nb_bits"] = neighbour_binding_bits(
                reference,
                neighbours,
                starts[ok],
                length,
                three_prime_at_end=(role == "forward"),
                primer=role != "probe",
            )
        else:
            frame["nb_bits"] = np.int64(0)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["strand"] = "-" if role == "reverse" else "+"
    out["role"] = role
    return out


def add_thermodynamics(frame: pd.DataFrame, reference: np.ndarray, role: str, rules: OligoRules) -> pd.DataFrame:
    """Sequence and primer3 Tm; keeps the lowest-risk ``per_role_limit`` windows in the Tm range.

    Hairpin, homodimer and 3′ stability cost ~100× a Tm, so they are judged later by
    :func:`structure_ok`, only for oligos that make it into a candidate amplicon.
    """
    if frame.empty:
        return frame.assign(sequence=[], tm=[], end=[])
    frame = frame.copy()
    ref_text = LETTERS[reference].tobytes().decode("ascii")
    seqs = [ref_text[s : s + n] for s, n in zip(frame["start"], frame["length"], strict=True)]
    if role == "reverse":
        seqs = [revcomp(s) for s in seqs]
    frame["sequence"] = seqs
    frame["tm"] = [thermo.tm(s) for s in seqs]  # ~8 µs each: cheap enough for every screened window
    tm_range = rules.probe_tm if role == "probe" else rules.primer_tm
    frame = frame[(frame["tm"] >= tm_range[0]) & (frame["tm"] <= tm_range[1])]
    frame = frame.sort_values(["risk", "length"]).head(rules.per_role_limit).copy()
    frame["end"] = frame["start"] + frame["length"]
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class Structure:
    hairpin_tm: float
    homodimer_dg: float
    end_dg: float
    ok: bool


_STRUCTURE_CACHE: dict[tuple[str, bool, OligoRules], Structure] = {}


def structure(sequence: str, primer: bool, rules: OligoRules) -> Structure:
    """Hairpin Tm, homodimer ΔG and (primers) 3′ pentamer stability, with the verdict; cached per sequence."""
    key = (sequence, primer, rules)
    cached = _STRUCTURE_CACHE.get(key)
    if cached is not None:
        return cached
    hairpin_tm = thermo.hairpin(sequence)[1]
    homodimer_dg = thermo.homodimer(sequence)
    end_dg = thermo.end_stability(sequence) if primer else 0.0
    ok = hairpin_tm <= rules.max_hairpin_tm and homodimer_dg >= rules.min_homodimer_dg
    ok &= end_dg >= rules.min_end_stability_dg
    result = Structure(hairpin_tm, homodimer_dg, end_dg, bool(ok))
    if len(_STRUCTURE_CACHE) > 200_000:
        _STRUCTURE_CACHE.clear()
    _STRUCTURE_CACHE[key] = result
    return result
