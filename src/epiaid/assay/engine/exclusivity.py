"""Exclusivity: would the panel amplify a near neighbour (SARS-CoV-1, RaTG13, MERS, seasonal CoVs)?

Every oligo is scanned along both strands of every neighbour genome (not only the homologous site),
and amplification is predicted when a forward-binding and a reverse-binding primer face each other
within ``max_product`` nt. Binding is judged leniently on purpose — ≤ 3 mismatches and none in the
two 3′-terminal bases — so that "does not amplify" is a conservative claim. A human/background
check would need a genome index that this machine does not hold; it is not run.
"""

from __future__ import annotations

from dataclasses import dataclass

import mappy
import numpy as np

from epiaid.assay.engine.inclusivity import allowed_mask
from epiaid.assay.engine.seqio import N, Record, encode, revcomp

MAX_MISMATCHES = 3
THREE_PRIME_EXACT = 2

#: Neighbour groups that must never be predicted to amplify (matched in the FASTA header, case-insensitive).
MUST_EXCLUDE = ("sars-cov-1", "sars coronavirus", "ratg13", "mers")


def must_exclude(name: str) -> bool:
    low = name.lower()
    return any(tag in low for tag in MUST_EXCLUDE)


def binding_sites(sequence: str, genome: np.ndarray, primer: bool) -> list[tuple[int, str, int]]:
    """(position, strand, mismatches) where the oligo binds the genome; position is the 3′ end's.

    Mismatches are accumulated one oligo position at a time over the whole genome (n vector passes)
    rather than by indexing an (L × n) window view: same result, a fraction of the memory traffic.
    """
    out: list[tuple[int, str, int]] = []
    n = len(sequence)
    width = len(genome) - n + 1
    if width <= 0:
        return out
    for strand, site in (("+", sequence.upper()), ("-", revcomp(sequence))):
        mask = allowed_mask(site)
        mask[:, N] = False  # an unknown base in a neighbour is not evidence of binding
        total = np.zeros(width, dtype=np.int16)
        tail = np.zeros(width, dtype=bool)
        tail_positions = range(n - THREE_PRIME_EXACT, n) if strand == "+" else range(THREE_PRIME_EXACT)
        for j in range(n):
            miss = ~mask[j][genome[j : j + width]]
            total += miss
            if primer and j in tail_positions:
                tail |= miss
        ok = total <= MAX_MISMATCHES
        if primer:
            ok &= ~tail
        for i in np.flatnonzero(ok):
            out.append((int(i + n - 1) if strand == "+" else int(i), strand, int(total[i])))
    return out


@dataclass
class ExclusivityRow:
    neighbour: str
    target: str
    amplifies: bool
    detected: bool  # amplifies and the probe binds inside the product
    must_exclude: bool
    best_forward_mismatches: int
    best_reverse_mismatches: int


def check(
    targets: dict[str, tuple[str, str, str]],
    neighbours: list[Record],
    max_product: int = 2000,
) -> list[ExclusivityRow]:
    """targets: name → (forward, reverse, probe) sequences."""
    rows = []
    for record in neighbours:
        genome = encode(record.seq)
        for target, (fwd, rev, probe) in targets.items():
            sites = [(p, s, m, "F") for p, s, m in binding_sites(fwd, genome, True)]
            sites += [(p, s, m, "R") for p, s, m in binding_sites(rev, genome, True)]
            plus = [p for p, s, _, _ in sites if s == "+"]
            minus = [p for p, s, _, _ in sites if s == "-"]
            products = [(a, b) for a in plus for b in minus if 0 < b - a + 1 <= max_product or 0 < a - b <= max_product]
            probe_sites = [p for p, _, _ in binding_sites(probe, genome, False)]
            detected = any(min(a, b) <= q <= max(a, b) for a, b in products for q in probe_sites)
            best_f = min((m for _, _, m, w in sites if w == "F"), default=99)
            best_r = min((m for _, _, m, w in sites if w == "R"), default=99)
            rows.append(
                ExclusivityRow(record.name, target, bool(products), detected, must_exclude(record.name), best_f, best_r)
            )
    return rows


def project_neighbours(neighbours: list[Record], reference: str) -> tuple[list[str], np.ndarray]:
    """Must-exclude neighbours aligned onto reference coordinates (N where they do not align).

    Used while screening candidates, to prefer oligos that mismatch the neighbour at the homologous
    site; the full two-strand scan in :func:`check` is the verdict.
    """
    aligner = mappy.Aligner(seq=reference, preset="asm20")
    names, rows = [], []
    for record in neighbours:
        if not must_exclude(record.name):
            continue
        row = np.full(len(reference), N, dtype=np.uint8)
        for hit in aligner.map(record.seq):
            query = record.seq if hit.strand == 1 else revcomp(record.seq)
            q = hit.q_st if hit.strand == 1 else len(record.seq) - hit.q_en
            r = hit.r_st
            for length, op in hit.cigar:
                if op in (0, 7, 8):
                    row[r : r + length] = encode(query[q : q + length])
                    r += length
                    q += length
                elif op == 1:
                    q += length
                elif op in (2, 3):
                    r += length
        names.append(record.name)
        rows.append(row)
    matrix = np.vstack(rows) if rows else np.zeros((0, len(reference)), dtype=np.uint8)
    return names, matrix
