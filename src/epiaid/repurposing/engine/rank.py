"""Rank a drug library against target proteins: affinity, ensemble spread and how far we extrapolate.

Which model ranks: KIBA's by default. Both benchmarks hold only kinases, so any viral protease is far
from training; KIBA has 2,111 chemically diverse compounds (DAVIS 68) and its ``both`` model was
trained with inner folds that hide drugs and targets together, the situation of an approved-drug
library against a new virus. DAVIS can be chosen to get Kd in nM like Beck et al. (2020).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from epiaid.repurposing.engine import features as F
from epiaid.repurposing.engine.data import (
    RowProblem,
    load_benchmark,
    pkd_to_nm,
    read_fasta,
    read_smiles_library,
)
from epiaid.repurposing.engine.model import DTIModel
from epiaid.repurposing.engine.training import weights_for

#: Beck et al. 2020 (MT-DTI) top five for 3CLpro, with their predicted Kd (nM), plus nirmatrelvir.
BECK_TOP5 = {
    "Atazanavir": 94.94,
    "Remdesivir": 113.13,
    "Efavirenz": 199.17,
    "Ritonavir": 204.05,
    "Dolutegravir": 336.91,
}
LANDMARKS = (*BECK_TOP5, "Nirmatrelvir")


@dataclass
class RankResult:
    table: pd.DataFrame  # one row per (target, drug), rank within target
    problems: list[RowProblem] = field(default_factory=list)
    benchmark: str = "kiba"
    mode: str = "both"
    unit: str = "KIBA score"


def load_ranking_model(benchmark: str, data_dir: Path, weights_root: Path | None = None) -> DTIModel:
    """The ``both`` model when shipped (new drugs × new targets), else the ``pair`` model."""
    folder = weights_for(benchmark, "both", weights_root)
    if not (folder / "model.json").is_file():
        folder = weights_for(benchmark, "pair", weights_root)
    model = DTIModel.load(folder)
    bench = load_benchmark(data_dir, benchmark)
    model.attach_memory(bench.drugs, bench.proteins, bench.train)
    return model


def rank(
    targets_fasta: Path,
    library: Path,
    data_dir: Path,
    *,
    benchmark: str = "kiba",
    weights_root: Path | None = None,
    chunk_drugs: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> RankResult:
    """Score every library drug on every target; bad targets/drugs are listed in ``problems``."""
    targets, problems = read_fasta(targets_fasta)
    lib, lib_problems = read_smiles_library(library)
    problems += lib_problems
    if not targets:
        raise ValueError(f"{targets_fasta}: no usable protein sequence ({len(problems)} problems)")
    if lib.empty:
        raise ValueError(f"{library}: no parseable SMILES ({len(lib_problems)} problems)")
    model = load_ranking_model(benchmark, data_dir, weights_root)
    mem = model.memory
    assert mem is not None
    drugs = dict(zip(lib["drug_id"], lib["smiles"], strict=True))
    frames = []
    ids = list(drugs)
    total = len(ids)
    done = 0
    for start in range(0, total, chunk_drugs):
        part = ids[start : start + chunk_drugs]
        pairs = pd.DataFrame([(d, t) for t in targets for d in part], columns=["drug_id", "protein_id"])
        members = model.predict_members(pairs, drugs, targets)
        bits, _ = F.morgan_bits([drugs[d] for d in part])
        dsim = F.tanimoto(bits, mem.bits)
        best = dsim.argmax(1)
        near = pd.DataFrame(
            {
                "drug_id": part,
                "nearest_train_drug": [mem.drug_ids[i] for i in best],
                "nearest_drug_tanimoto": dsim.max(1),
            }
        )
        pairs["prediction"] = members.mean(0)
        pairs["uncertainty"] = members.std(0)
        frames.append(pairs.merge(near, on="drug_id"))
        done += len(part)
        if progress:
            progress(done, total)
    psim = F.cosine(F.kmer_profiles(list(targets.values())), mem.kmers)
    tnear = pd.DataFrame(
        {
            "protein_id": list(targets),
            "nearest_train_target": [mem.protein_ids[i] for i in psim.argmax(1)],
            "nearest_target_similarity": psim.max(1),
        }
    )
    table = pd.concat(frames).merge(tnear, on="protein_id")
    table = table.merge(
        lib[["drug_id", "name", "smiles"] + [c for c in ("atc", "is_J05_antiviral") if c in lib.columns]],
        on="drug_id",
        how="left",
    )
    if benchmark == "davis":
        table["kd_nm"] = pkd_to_nm(table["prediction"].to_numpy())
    table = table.sort_values(["protein_id", "prediction"], ascending=[True, False])
    table["rank"] = table.groupby("protein_id").cumcount() + 1
    table = table.rename(columns={"protein_id": "target"})
    unit = "pKd" if benchmark == "davis" else "KIBA score"
    return RankResult(table.reset_index(drop=True), problems, benchmark, model.mode, unit)


def landmarks(result: RankResult, target_hint: str = "3CL") -> pd.DataFrame:
    """Where Beck et al.'s top five and nirmatrelvir land for the target whose name contains the hint."""
    t = result.table
    names = [n for n in t["target"].unique() if target_hint.lower() in n.lower()]
    if not names:
        return pd.DataFrame(columns=["drug", "target", "rank", "of", "prediction", "beck_kd_nm"])
    sub = t[t["target"] == names[0]]
    rows: list[dict[str, Any]] = []
    for drug in LANDMARKS:
        hit = sub[sub["name"].str.lower() == drug.lower()]
        if hit.empty:
            rows.append(
                {
                    "drug": drug,
                    "target": names[0],
                    "rank": None,
                    "of": len(sub),
                    "prediction": None,
                    "beck_kd_nm": BECK_TOP5.get(drug),
                }
            )
            continue
        r = hit.iloc[0]
        rows.append(
            {
                "drug": drug,
                "target": names[0],
                "rank": int(r["rank"]),
                "of": len(sub),
                "prediction": float(r["prediction"]),
                "uncertainty": float(r["uncertainty"]),
                "beck_kd_nm": BECK_TOP5.get(drug),
            }
        )
    return pd.DataFrame(rows)


def write_outputs(result: RankResult, out_dir: Path, top: int = 25) -> dict[str, Path]:
    """ranking.csv (all), problems.csv, landmarks.csv and report.html into ``out_dir``."""
    from epiaid.repurposing.engine.report import html_report

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {
        "ranking": "ranking.csv",
        "problems": "problems.csv",
        "landmarks": "landmarks.csv",
        "report": "report.html",
    }
    # Written to a scratch folder and moved into place only when all four exist, so a crash never
    # leaves a new ranking beside an old report.
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".partial-") as scratch:
        tmp = {k: Path(scratch) / v for k, v in names.items()}
        result.table.to_csv(tmp["ranking"], index=False)
        pd.DataFrame([p.as_dict() for p in result.problems], columns=["source", "row", "field", "reason"]).to_csv(
            tmp["problems"], index=False
        )
        marks = landmarks(result)
        marks.to_csv(tmp["landmarks"], index=False)
        tmp["report"].write_text(html_report(result, marks, top=top), encoding="utf-8")
        paths = {k: out_dir / v for k, v in names.items()}
        for k in names:
            tmp[k].replace(paths[k])
    return paths
