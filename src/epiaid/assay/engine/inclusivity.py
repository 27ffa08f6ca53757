"""Will an assay still detect these genomes? Mismatch-position-aware scoring and surveillance.

The rule (the issue's, used for scoring): a genome is *at risk* for an assay when any primer has a
mismatch in its 3′-terminal 5 bases, or any oligo has ≥ 2 mismatches. Deletions count as mismatches;
unknown bases (N, unaligned ends) do not, since they say nothing about the virus.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from epiaid.assay.engine.seqio import GAP, LETTERS, N, encode, revcomp

_IUPAC_SETS = {
    "A": "A",
    "C": "C",
    "G": "G",
    "T": "T",
    "U": "T",
    "R": "AG",
    "Y": "CT",
    "S": "CG",
    "W": "AT",
    "K": "GT",
    "M": "AC",
    "B": "CGT",
    "D": "AGT",
    "H": "ACT",
    "V": "ACG",
    "N": "ACGT",
}


@dataclass(frozen=True)
class PlacedOligo:
    """An oligo placed on the reference: ``strand`` '+' means the oligo reads like the reference."""

    assay: str
    name: str
    role: str  # forward / reverse / probe
    sequence: str
    start: int  # 0-based
    end: int
    strand: str

    @property
    def site(self) -> str:
        """The oligo as it reads on the reference's + strand."""
        return self.sequence.upper() if self.strand == "+" else revcomp(self.sequence)

    @property
    def three_prime_on_right(self) -> bool:
        return self.strand == "+"


def allowed_mask(site: str) -> np.ndarray:
    """(len, 6) booleans: which genome base codes match each site position (IUPAC aware; N always ok)."""
    mask = np.zeros((len(site), 6), dtype=bool)
    for i, ch in enumerate(site.upper()):
        for b in _IUPAC_SETS.get(ch, "ACGT"):
            mask[i, "ACGT".index(b)] = True
        mask[i, N] = True
    return mask


def mismatches(oligo: PlacedOligo, matrix: np.ndarray) -> np.ndarray:
    """(genomes, oligo length) booleans: mismatch at each oligo site position, in reference order."""
    site = oligo.site
    window = matrix[:, oligo.start : oligo.start + len(site)]
    mask = allowed_mask(site)[: window.shape[1]]
    return ~mask[np.arange(window.shape[1])[None, :], window]


def oligo_risk(oligo: PlacedOligo, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per genome: (at risk by the rule, number of mismatches)."""
    mm = mismatches(oligo, matrix)
    count = mm.sum(axis=1)
    at_risk = count >= 2
    if oligo.role in ("forward", "reverse"):
        tail = mm[:, -5:] if oligo.three_prime_on_right else mm[:, :5]
        at_risk |= tail.any(axis=1)
    return at_risk, count


def assay_risk(oligos: list[PlacedOligo], matrix: np.ndarray) -> np.ndarray:
    """Per genome, whether the assay (all its oligos) is at risk."""
    risk = np.zeros(matrix.shape[0], dtype=bool)
    for oligo in oligos:
        risk |= oligo_risk(oligo, matrix)[0]
    return risk


def breaking_positions(
    oligos: list[PlacedOligo], matrix: np.ndarray, names: list[str], reference: np.ndarray, top: int = 10
) -> list[dict[str, object]]:
    """Which reference positions break the assay, how often, and with which base: for the lab to act on."""
    rows: list[dict[str, object]] = []
    for oligo in oligos:
        mm = mismatches(oligo, matrix)
        at_risk, _ = oligo_risk(oligo, matrix)
        for offset in np.flatnonzero(mm[at_risk].any(axis=0)) if at_risk.any() else []:
            pos = oligo.start + int(offset)
            hit = mm[:, offset] & at_risk
            bases = matrix[hit, pos]
            observed = ",".join(sorted({"del" if b == GAP else LETTERS[b : b + 1].tobytes().decode() for b in bases}))
            dist = (oligo.end - 1 - pos) if oligo.three_prime_on_right else (pos - oligo.start)
            rows.append(
                {
                    "oligo": oligo.name,
                    "role": oligo.role,
                    "position": pos + 1,
                    "reference_base": LETTERS[reference[pos] : reference[pos] + 1].tobytes().decode(),
                    "observed": observed,
                    "distance_from_3prime": dist + 1,
                    "genomes": int(hit.sum()),
                    "example": names[int(np.flatnonzero(hit)[0])],
                }
            )
    rows.sort(key=lambda r: -int(r["genomes"]))  # type: ignore[call-overload]
    return rows[:top]


def locate(sequence: str, reference: np.ndarray) -> tuple[int, int, str, int]:
    """Best placement of an oligo on the reference by Hamming distance, both strands.

    Returns (start, end, strand, mismatches).
    """
    from numpy.lib.stride_tricks import sliding_window_view

    best = (0, 0, "+", 10**6)
    for strand, site in (("+", sequence.upper()), ("-", revcomp(sequence))):
        mask = allowed_mask(site)
        windows = sliding_window_view(reference, len(site))
        mm = (~mask[np.arange(len(site))[None, :], windows]).sum(axis=1)
        i = int(np.argmin(mm))
        if mm[i] < best[3]:
            best = (i, i + len(site), strand, int(mm[i]))
    return best


def load_assays(path: Path | str, reference: np.ndarray | None = None) -> list[PlacedOligo]:
    """An assay table: columns assay, oligo_name, role, sequence_5to3 and optionally ref_start_1based,
    ref_end, binds_strand (located on the reference when absent). Also reads ``panel.tsv``
    (target, oligo, role, sequence)."""
    table = pd.read_csv(path, sep="\t", dtype=str).fillna("")
    if {"target", "oligo", "role", "sequence"} <= set(table.columns):
        table = table.rename(columns={"target": "assay", "oligo": "oligo_name", "sequence": "sequence_5to3"})
    needed = {"assay", "oligo_name", "role", "sequence_5to3"}
    missing = needed - set(table.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    oligos = []
    for i, row in table.iterrows():
        role = row["role"].strip().lower()
        if role not in ("forward", "reverse", "probe"):
            raise ValueError(f"{path}: row {int(i) + 2}: role '{row['role']}' is not forward/reverse/probe")  # type: ignore[call-overload]
        seq = row["sequence_5to3"].strip().upper()
        if not seq or set(seq) - set(_IUPAC_SETS):
            raise ValueError(f"{path}: row {int(i) + 2}: sequence '{seq}' is not a nucleotide sequence")  # type: ignore[call-overload]
        if row.get("ref_start_1based") and row.get("binds_strand"):
            start = int(row["ref_start_1based"]) - 1
            strand = row["binds_strand"].strip()
            end = start + len(seq)
        elif reference is not None:
            start, end, strand, _ = locate(seq, reference)
        else:
            raise ValueError(f"{path}: row {int(i) + 2}: no coordinates and no reference to locate the oligo")  # type: ignore[call-overload]
        oligos.append(PlacedOligo(row["assay"], row["oligo_name"], role, seq, start, end, strand))
    return oligos


def surveil(
    assays: list[PlacedOligo],
    matrix: np.ndarray,
    names: list[str],
    reference: np.ndarray,
) -> tuple[pd.DataFrame, dict[str, list[dict[str, object]]]]:
    """Share of genomes at risk per assay, sorted worst first, and the positions breaking each."""
    by_assay: dict[str, list[PlacedOligo]] = {}
    for oligo in assays:
        by_assay.setdefault(oligo.assay, []).append(oligo)
    rows = []
    breaks: dict[str, list[dict[str, object]]] = {}
    for assay, oligos in by_assay.items():
        risk = assay_risk(oligos, matrix)
        rows.append(
            {
                "assay": assay,
                "genomes": int(matrix.shape[0]),
                "at_risk": int(risk.sum()),
                "at_risk_fraction": float(risk.mean()) if len(risk) else 0.0,
            }
        )
        breaks[assay] = breaking_positions(oligos, matrix, names, reference)
    table = pd.DataFrame(rows).sort_values("at_risk_fraction", ascending=False).reset_index(drop=True)
    return table, breaks


def panel_detection(
    targets: dict[str, list[PlacedOligo]],
    matrix: np.ndarray,
    min_targets: int = 2,
) -> dict[str, float]:
    """Per-target detection rates and the share of genomes detected by at least ``min_targets`` targets."""
    detected = {t: ~assay_risk(o, matrix) for t, o in targets.items()}
    out = {f"{t}_detected": float(d.mean()) for t, d in detected.items()}
    if detected:
        stacked = np.vstack(list(detected.values()))
        out[f"detected_by_{min_targets}_or_more"] = float(
            (stacked.sum(axis=0) >= min(min_targets, len(detected))).mean()
        )
        out["detected_by_all"] = float(stacked.all(axis=0).mean())
    return out


__all__ = ["PlacedOligo", "assay_risk", "encode", "load_assays", "locate", "panel_detection", "surveil"]
