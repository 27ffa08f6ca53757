"""Time-split evaluation: design only from what a designer had, score on genomes that came later.

Splits (all from ../shared/data/assay; the held-back 2022+ lineages are not used or looked for):
  A  design on the 418 early-2020 genomes (Dec 2019 – May 2020) → score on the 420 Pango-lineage
     representatives designated before June 2021 (reference-anchored MSA).
  B  design on genomes collected before 2020-03-01 → score on genomes collected March–May 2020 and on
     the pre-2021 lineages.
  C  design on the pre-2021 lineages except the variants of concern (Alpha, Beta, Gamma, Delta/Kappa)
     → score on those 11 VOC lineages.
Rule (the issue's): at risk when any primer mismatches in its last 5 bases at the 3′ end, or any oligo
has ≥ 2 mismatches. Also scores the published reference assays on the same sets, and the learned
prior's AUC for positions that first varied later.

Usage: OMP_NUM_THREADS=1 .venv/bin/python bench/assay/evaluate_timesplit.py [--shared ../shared/data] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from epiaid.assay.engine import align, design, genes, inclusivity, prior, seqio, variability


def score(result: design.DesignResult, matrix: np.ndarray) -> dict[str, float]:
    return {k: round(v, 4) for k, v in inclusivity.panel_detection(result.placed(), matrix).items()}


def reference_assays(path: Path, codes: np.ndarray, matrix: np.ndarray, names: list[str]) -> dict[str, float]:
    table, _ = inclusivity.surveil(inclusivity.load_assays(path, codes), matrix, names, codes)
    return {row.assay: round(row.at_risk_fraction, 4) for row in table.itertuples()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    d = args.shared / "assay"
    ref_path = d / "reference" / "MN908947.3.fasta"
    early = d / "sars2" / "ncov_example_2019-12_to_2020-05_genbank.fasta.gz"
    neighbours = d / "near_neighbours" / "coronavirus_near_neighbours.fasta"
    assays = d / "primers" / "reference_assays.tsv"
    ref = seqio.read_reference(ref_path)
    codes = seqio.encode(ref.seq)
    msa_records = list(seqio.read_fasta(d / "experiments" / "msa_lineages_pre2021-06.fasta.xz"))
    lineages = align.matrix_from_msa(msa_records, ref.seq)
    lineage_names = [r.name for r in msa_records]
    out: dict[str, object] = {}

    t = time.perf_counter()
    res_a = design.design(design.DesignInput(early, ref_path, 3, neighbours))
    out["A_design_seconds"] = round(time.perf_counter() - t, 1)
    out["A_panel"] = [{"target": a.target, "oligos": [o.sequence for o in a.oligos]} for a in res_a.panel]
    out["A_must_exclude_amplified"] = sorted({r.neighbour for r in res_a.exclusivity if r.must_exclude and r.amplifies})
    out["A_panel_on_pre2021_lineages"] = score(res_a, lineages)
    out["A_reference_assays_at_risk_on_pre2021_lineages"] = reference_assays(assays, codes, lineages, lineage_names)

    # the learned prior: does it rank positions that first varied in later lineages?
    from sklearn.metrics import roc_auc_score

    var_early = res_a.variability.variable
    var_later = variability.variability(lineages, codes).variable
    newly = var_later & ~var_early
    unseen = ~var_early
    gene_list = genes.genes_for(ref.name, len(ref.seq))
    features = prior.position_features(codes, gene_list)
    out["prior_auc_new_variable_positions"] = round(
        float(roc_auc_score(newly[unseen], res_a.prior.probability[unseen])), 4
    )
    out["baseline_auc_third_codon_position"] = round(float(roc_auc_score(newly[unseen], features[unseen, 15])), 4)
    out["prior_top_coefficients"] = res_a.prior.feature_importance

    meta = pd.read_csv(d / "sars2" / "ncov_example_2019-12_to_2020-05_genbank.metadata.tsv", sep="\t", dtype=str)
    before = set(meta.loc[meta["date"] < "2020-03-01", "strain"])
    records = list(seqio.read_fasta(early))
    with tempfile.TemporaryDirectory() as tmp:
        train = Path(tmp) / "train.fasta"
        train.write_text("".join(f">{r.name}\n{r.seq}\n" for r in records if r.name.split()[0] in before))
        test_records = [r for r in records if r.name.split()[0] not in before]
        qc = seqio.qc_records(test_records, reference_length=len(ref.seq))
        later = align.align_records(qc.kept, ref.seq)
        t = time.perf_counter()
        res_b = design.design(design.DesignInput(train, ref_path, 3, neighbours))
        out["B_design_seconds"] = round(time.perf_counter() - t, 1)
        out["B_train_genomes"] = len(res_b.names)
        out["B_test_genomes_mar_may_2020"] = int(later.matrix.shape[0])
        out["B_panel"] = [{"target": a.target, "oligos": [o.sequence for o in a.oligos]} for a in res_b.panel]
        out["B_panel_on_mar_may_2020"] = score(res_b, later.matrix)
        out["B_panel_on_pre2021_lineages"] = score(res_b, lineages)
        no_prior = design.design(design.DesignInput(train, ref_path, 3, neighbours, prior_weight=0.0))
        out["B_without_prior_panel_on_pre2021_lineages"] = score(no_prior, lineages)
        out["B_reference_assays_at_risk_on_mar_may_2020"] = reference_assays(assays, codes, later.matrix, later.names)
    # C: hold out the variants of concern (Alpha, Beta, Gamma, Delta/Kappa) as "what came next"
    import re

    voc = re.compile(r"^(B\.1\.1\.7|Q\.\d+|B\.1\.351(\.\d+)*|P\.1(\.\d+)*|B\.1\.617(\.\d+)*|AY\.\d+)$")
    is_voc = np.array([bool(voc.match(name.split()[0])) for name in lineage_names])
    with tempfile.TemporaryDirectory() as tmp:
        train = Path(tmp) / "non_voc.fasta"
        train.write_text("".join(f">{r.name}\n{r.seq}\n" for r, v in zip(msa_records, is_voc, strict=True) if not v))
        res_c = design.design(design.DesignInput(train, ref_path, 3, neighbours))
    out["C_train_non_voc_lineages"] = int((~is_voc).sum())
    out["C_test_voc_lineages"] = [n for n, v in zip(lineage_names, is_voc, strict=True) if v]
    out["C_panel"] = [{"target": a.target, "oligos": [o.sequence for o in a.oligos]} for a in res_c.panel]
    out["C_panel_on_voc_lineages"] = score(res_c, lineages[is_voc])
    out["C_reference_assays_at_risk_on_voc_lineages"] = reference_assays(
        assays, codes, lineages[is_voc], [n for n, v in zip(lineage_names, is_voc, strict=True) if v]
    )
    text = json.dumps(out, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
