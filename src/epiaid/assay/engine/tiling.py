"""Tiled amplicon schemes (ARTIC style: overlapping ~400 nt amplicons in two alternating pools).

The same risk map as the qPCR panel picks each primer: the lowest-risk conserved primer in the
window where the tiling needs it. Comparison with published schemes counts, per genome, amplicons
that would drop out (every LEFT or every RIGHT variant at risk by the inclusivity rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from epiaid.assay.engine import align, candidates, genes, inclusivity, prior, seqio, thermo, variability
from epiaid.assay.engine.design import load_genomes, risk_map

TILING_RULES = candidates.OligoRules(primer_lengths=(20, 28), primer_tm=(59.0, 65.0), per_role_limit=10**9)
_NAME = re.compile(r"_(\d+)_(LEFT|RIGHT)")


@dataclass
class TiledAmplicon:
    number: int
    pool: int
    left: inclusivity.PlacedOligo
    right: inclusivity.PlacedOligo


def _best(table: pd.DataFrame, lo: int, hi: int, key: str) -> pd.DataFrame:
    return table[(table[key] >= lo) & (table[key] <= hi)].sort_values("risk")


def _passes(seq: str) -> bool:
    return (
        thermo.hairpin(seq)[1] <= TILING_RULES.max_hairpin_tm and thermo.homodimer(seq) >= TILING_RULES.min_homodimer_dg
    )


def tile_scheme(
    reference: np.ndarray,
    risk: np.ndarray,
    variable: np.ndarray,
    amplicon: int = 400,
    overlap: tuple[int, int] = (20, 120),
    name: str = "epiaid",
) -> list[TiledAmplicon]:
    """Greedy left-to-right tiling; each amplicon overlaps the previous one by 20–120 nt."""
    tables = {}
    for role in ("forward", "reverse"):
        screened = candidates.screen(reference, risk, variable, role, TILING_RULES)
        text = seqio.decode(reference)
        seqs = [text[s : s + n] for s, n in zip(screened["start"], screened["length"], strict=True)]
        if role == "reverse":
            seqs = [seqio.revcomp(s) for s in seqs]
        screened["sequence"] = seqs
        screened["tm"] = [thermo.tm(s) for s in seqs]
        screened = screened[
            (screened["tm"] >= TILING_RULES.primer_tm[0]) & (screened["tm"] <= TILING_RULES.primer_tm[1])
        ]
        screened["end"] = screened["start"] + screened["length"]
        tables[role] = screened
    length = len(reference)
    scheme: list[TiledAmplicon] = []
    prev_right_start = None
    while True:
        left = right = None
        # widen the search step by step where the genome offers no conserved primer in the ideal window
        for widen in (0, 60, 150, 250):
            if prev_right_start is None:
                lefts = _best(tables["forward"], 0, 150 + widen, "start")
            else:
                lefts = _best(
                    tables["forward"],
                    prev_right_start - overlap[1] - widen,
                    prev_right_start - overlap[0],
                    "end",
                )
            for _, cand in lefts.head(15).iterrows():
                if not _passes(cand["sequence"]):
                    continue
                target_end = int(cand["start"]) + amplicon
                rights = _best(
                    tables["reverse"],
                    target_end - 60 - widen,
                    min(target_end + 10 + widen // 4, length),
                    "end",
                )
                rights = rights[np.abs(rights["tm"] - cand["tm"]) <= 3.0]
                right = next((row for _, row in rights.head(15).iterrows() if _passes(row["sequence"])), None)
                if right is not None:
                    left = cand
                    break
            if left is not None:
                break
        if left is None or right is None:
            break
        number = len(scheme) + 1
        pool = 1 if number % 2 else 2
        scheme.append(
            TiledAmplicon(
                number,
                pool,
                inclusivity.PlacedOligo(
                    f"{name}_{number}",
                    f"{name}_{number}_LEFT",
                    "forward",
                    str(left["sequence"]),
                    int(left["start"]),
                    int(left["end"]),
                    "+",
                ),
                inclusivity.PlacedOligo(
                    f"{name}_{number}",
                    f"{name}_{number}_RIGHT",
                    "reverse",
                    str(right["sequence"]),
                    int(right["start"]),
                    int(right["end"]),
                    "-",
                ),
            )
        )
        prev_right_start = int(right["start"])
        if int(right["end"]) >= length - 100:
            break
    return scheme


def read_primer_bed(
    path: Path | str,
    reference: np.ndarray,
) -> tuple[list[TiledAmplicon], dict[int, dict[str, list[inclusivity.PlacedOligo]]]]:
    """ARTIC primer BED (V3 without sequences, V4+ with); alternative primers kept as extra variants."""
    text = seqio.decode(reference)
    by_number: dict[int, dict[str, list[inclusivity.PlacedOligo]]] = {}
    pools: dict[int, int] = {}
    for lineno, line in enumerate(Path(path).read_text().splitlines(), start=1):
        cols = line.split("\t")
        if len(cols) < 6 or line.startswith("#"):
            continue
        m = _NAME.search(cols[3])
        if m is None:
            raise ValueError(f"{path}: line {lineno}: primer name '{cols[3]}' has no _<n>_LEFT/RIGHT")
        start, end, strand = int(cols[1]), int(cols[2]), cols[5]
        seq = cols[6].strip() if len(cols) > 6 and cols[6].strip() else text[start:end]
        if strand == "-" and not (len(cols) > 6 and cols[6].strip()):
            seq = seqio.revcomp(seq)
        number, side = int(m.group(1)), m.group(2)
        role = "forward" if side == "LEFT" else "reverse"
        if len(seq) != end - start:
            # some BEDs span a primer and its alternative; place the sequence where it fits best inside
            lo = max(start - 10, 0)
            found, _e, _s, _mm = inclusivity.locate(
                seq if strand == "+" else seqio.revcomp(seq), reference[lo : end + 10]
            )
            start = lo + found
        oligo = inclusivity.PlacedOligo(f"amplicon_{number}", cols[3], role, seq, start, start + len(seq), strand)
        by_number.setdefault(number, {"LEFT": [], "RIGHT": []})[side].append(oligo)
        pools[number] = int(cols[4]) if cols[4].isdigit() else (1 if number % 2 else 2)
    return [
        TiledAmplicon(n, pools[n], v["LEFT"][0], v["RIGHT"][0])
        for n, v in sorted(by_number.items())
        if v["LEFT"] and v["RIGHT"]
    ], by_number


def dropout_stats(
    variants: dict[int, dict[str, list[inclusivity.PlacedOligo]]], matrix: np.ndarray
) -> dict[str, float]:
    """Per genome, amplicons lost: all LEFT variants or all RIGHT variants at risk."""
    lost = np.zeros(matrix.shape[0], dtype=int)
    primers_at_risk = 0
    total_primers = 0
    for sides in variants.values():
        side_lost = []
        for oligos in (sides["LEFT"], sides["RIGHT"]):
            risks = np.vstack([inclusivity.oligo_risk(o, matrix)[0] for o in oligos])
            primers_at_risk += int(risks.any(axis=1).sum())
            total_primers += len(oligos)
            side_lost.append(risks.all(axis=0))
        lost += side_lost[0] | side_lost[1]
    return {
        "amplicons": len(variants),
        "primers": total_primers,
        "primers_at_risk_in_any_genome": primers_at_risk,
        "mean_amplicons_lost_per_genome": round(float(lost.mean()), 3),
        "genomes_with_any_dropout": round(float((lost > 0).mean()), 4),
    }


def scheme_variants(scheme: list[TiledAmplicon]) -> dict[int, dict[str, list[inclusivity.PlacedOligo]]]:
    return {a.number: {"LEFT": [a.left], "RIGHT": [a.right]} for a in scheme}


def run(
    genomes: Path,
    reference: Path,
    out: Path,
    amplicon: int,
    compare: list[Path],
    evaluate_msa: Path | None,
) -> tuple[list[TiledAmplicon], pd.DataFrame]:
    ref = seqio.read_reference(reference)
    codes = seqio.encode(ref.seq)
    _names, matrix, _issues, _n = load_genomes(genomes, ref.seq, None, lambda m, f: None)
    var = variability.variability(matrix, codes)
    learned = prior.learn_prior(codes, genes.genes_for(ref.name, len(ref.seq)), var.variable)
    scheme = tile_scheme(codes, risk_map(var, learned, 1.0), var.variable, amplicon)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "scheme.primer.bed").open("w") as fh:
        for a in scheme:
            for o in (a.left, a.right):
                fh.write(f"{ref.name}\t{o.start}\t{o.end}\t{o.name}\t{a.pool}\t{o.strand}\t{o.sequence}\n")
    eval_matrix = matrix
    if evaluate_msa is not None:
        eval_matrix = align.matrix_from_msa(list(seqio.read_fasta(evaluate_msa)), ref.seq)
    rows = [{"scheme": "epiaid", **_coverage(scheme), **dropout_stats(scheme_variants(scheme), eval_matrix)}]
    for bed in compare:
        amps, variants = read_primer_bed(bed, codes)
        rows.append(
            {
                "scheme": Path(bed).name.split(".primer")[0],
                **_coverage(amps),
                **dropout_stats(variants, eval_matrix),
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(out / "comparison.tsv", sep="\t", index=False)
    return scheme, table


def _coverage(scheme: list[TiledAmplicon]) -> dict[str, float]:
    if not scheme:
        return {"first": 0, "last": 0, "mean_length": 0.0}
    return {
        "first": scheme[0].left.start + 1,
        "last": scheme[-1].right.end,
        "mean_length": round(float(np.mean([a.right.end - a.left.start for a in scheme])), 1),
    }
