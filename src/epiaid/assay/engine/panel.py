"""Amplicons per gene, then the single-tube multiplex panel with no strong cross-dimer anywhere."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from epiaid.assay.engine import candidates, thermo


@dataclass(frozen=True)
class PanelRules:
    amplicon: tuple[int, int] = (60, 150)
    max_primer_tm_difference: float = 2.5
    probe_tm_above_primers: tuple[float, float] = (4.0, 12.0)
    min_cross_dimer_dg: float = -9.0  # kcal/mol, every pair of oligos in the tube
    per_gene_alternatives: int = 4
    max_pairs_per_gene: int = 4000


@dataclass
class Oligo:
    name: str
    role: str
    sequence: str
    start: int  # 0-based on the reference
    end: int
    strand: str
    tm: float
    gc: float
    risk: float
    hairpin_tm: float
    homodimer_dg: float
    end_dg: float


@dataclass
class Amplicon:
    gene: str
    forward: Oligo
    reverse: Oligo
    probe: Oligo
    score: float
    excludes_all: bool
    dimer_dg: dict[str, float] = field(default_factory=dict)
    target: str = ""

    @property
    def start(self) -> int:
        return self.forward.start

    @property
    def end(self) -> int:
        return self.reverse.end

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def oligos(self) -> tuple[Oligo, Oligo, Oligo]:
        return self.forward, self.reverse, self.probe


class _Table:
    """A candidate table as plain numpy columns: row access in the pairing loop must be cheap."""

    def __init__(self, frame: pd.DataFrame) -> None:
        frame = frame.sort_values("start").reset_index(drop=True)
        self.start = frame["start"].to_numpy(dtype=np.int64)
        self.end = frame["end"].to_numpy(dtype=np.int64)
        self.tm = frame["tm"].to_numpy(dtype=float)
        self.risk = frame["risk"].to_numpy(dtype=float)
        self.gc = frame["gc"].to_numpy(dtype=float)
        self.bits = frame["nb_bits"].to_numpy(dtype=np.int64)
        self.sequence = frame["sequence"].tolist()
        self.strand = frame["strand"].tolist()

    def __len__(self) -> int:
        return len(self.start)

    def oligo(self, i: int, role: str, structure: candidates.Structure) -> Oligo:
        return Oligo(
            "",
            role,
            self.sequence[i],
            int(self.start[i]),
            int(self.end[i]),
            self.strand[i],
            float(self.tm[i]),
            float(self.gc[i]),
            float(self.risk[i]),
            structure.hairpin_tm,
            structure.homodimer_dg,
            structure.end_dg,
        )


def amplicons_for_gene(
    gene: str,
    fwd: pd.DataFrame,
    rev: pd.DataFrame,
    probes: pd.DataFrame,
    rules: PanelRules,
    exclusion_mask: int,
    oligo_rules: candidates.OligoRules | None = None,
) -> list[Amplicon]:
    """The best few non-overlapping amplicons in one gene; forward/reverse/probe tables come from candidates.

    An amplicon must discriminate every excluded neighbour at its homologous site: for each neighbour,
    forward or reverse primer does not bind (``nb_bits`` of both primers never share a bit).
    Hairpins, homodimers and 3′ stability are checked only here, best-scoring pairs first.
    """
    if fwd.empty or rev.empty or probes.empty:
        return []
    orules = oligo_rules or candidates.OligoRules()
    f, r, p = _Table(fwd), _Table(rev), _Table(probes)
    found: list[tuple[float, int, int, bool]] = []
    for i in range(len(f)):
        length = r.end - f.start[i]
        ok = (length >= rules.amplicon[0]) & (length <= rules.amplicon[1]) & (r.start >= f.end[i] + 18)
        ok &= np.abs(r.tm - f.tm[i]) <= rules.max_primer_tm_difference
        for j_np in np.flatnonzero(ok):
            j = int(j_np)
            excludes = (int(f.bits[i]) & int(r.bits[j]) & exclusion_mask) == 0
            score = f.risk[i] + r.risk[j] + 0.02 * abs(f.tm[i] - r.tm[j]) + 0.0005 * float(length[j])
            if not excludes:
                score += 100.0  # usable only when nothing better discriminates
            found.append((float(score), i, j, bool(excludes)))
    found.sort()
    chosen: list[Amplicon] = []
    for score, i, j, excludes in found:
        if len(chosen) >= rules.per_gene_alternatives:
            break
        start, end = int(f.start[i]), int(r.end[j])
        if any(start < a.end and a.start < end for a in chosen):
            continue
        top_tm = max(f.tm[i], r.tm[j])
        pm = (p.start >= f.end[i]) & (p.end <= r.start[j]) & (p.tm >= top_tm + rules.probe_tm_above_primers[0])
        pm &= p.tm <= top_tm + rules.probe_tm_above_primers[1]
        if not pm.any():
            continue
        fs = candidates.structure(f.sequence[i], True, orules)
        rs = candidates.structure(r.sequence[j], True, orules) if fs.ok else fs
        if not (fs.ok and rs.ok):
            continue
        for k_np in np.flatnonzero(pm)[np.argsort(p.risk[pm])][:10]:
            k = int(k_np)
            ps = candidates.structure(p.sequence[k], False, orules)
            if not ps.ok:
                continue
            amp = Amplicon(
                gene,
                f.oligo(i, "forward", fs),
                r.oligo(j, "reverse", rs),
                p.oligo(k, "probe", ps),
                score + float(p.risk[k]),
                excludes,
            )
            dimers = {
                "F×R": thermo.heterodimer(amp.forward.sequence, amp.reverse.sequence),
                "F×P": thermo.heterodimer(amp.forward.sequence, amp.probe.sequence),
                "R×P": thermo.heterodimer(amp.reverse.sequence, amp.probe.sequence),
            }
            if min(dimers.values()) < rules.min_cross_dimer_dg:
                continue
            amp.dimer_dg = dimers
            chosen.append(amp)
            break
    return chosen


def dimer_matrix(oligos: list[Oligo]) -> np.ndarray:
    """ΔG (kcal/mol) of every pair, homodimers on the diagonal."""
    n = len(oligos)
    m = np.zeros((n, n))
    for a in range(n):
        m[a, a] = oligos[a].homodimer_dg
        for b in range(a + 1, n):
            m[a, b] = m[b, a] = thermo.heterodimer(oligos[a].sequence, oligos[b].sequence)
    return m


def assemble_panel(per_gene: dict[str, list[Amplicon]], n_targets: int, rules: PanelRules) -> list[Amplicon]:
    """The lowest-risk set of amplicons from n different genes whose oligos never dimerise below the limit.

    Exhaustive over the few alternatives kept per gene (a handful of genes × ≤ 4 alternatives), with
    pair ΔG cached, so the optimum is exact for that shortlist.
    """
    amplicons = [a for alts in per_gene.values() for a in alts]
    if not amplicons:
        return []
    index = {id(o): i for i, o in enumerate(o for a in amplicons for o in a.oligos)}
    cache: dict[tuple[int, int], float] = {}

    def compatible(a: Amplicon, b: Amplicon) -> bool:
        for x in a.oligos:
            for y in b.oligos:
                key = (min(index[id(x)], index[id(y)]), max(index[id(x)], index[id(y)]))
                if key not in cache:
                    cache[key] = thermo.heterodimer(x.sequence, y.sequence)
                if cache[key] < rules.min_cross_dimer_dg:
                    return False
        return True

    genes = sorted(per_gene, key=lambda g: min((a.score for a in per_gene[g]), default=np.inf))
    n = min(n_targets, len([g for g in genes if per_gene[g]]))
    best: tuple[float, list[Amplicon]] = (np.inf, [])
    for combo in itertools.combinations([g for g in genes if per_gene[g]], n):
        lower = sum(per_gene[g][0].score for g in combo)
        if lower >= best[0]:
            continue
        for choice in itertools.product(*(per_gene[g] for g in combo)):
            total = sum(a.score for a in choice)
            if total >= best[0]:
                continue
            if all(compatible(a, b) for a, b in itertools.combinations(choice, 2)):
                best = (total, list(choice))
    return sorted(best[1], key=lambda a: a.start)
