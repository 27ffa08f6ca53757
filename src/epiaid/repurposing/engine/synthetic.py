"""A small seeded benchmark in DeepDTA's layout, so tests and demos run on a fresh clone.

Affinities follow a planted structure (drug family × protein family effects plus noise) that the
model must recover; it is a fixture, not a stand-in for real chemistry.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

#: Small real molecules in three rough families (so Tanimoto neighbours are meaningful).
SMILES = [
    "CC(=O)Nc1ccc(O)cc1",
    "CC(=O)Nc1ccc(OC)cc1",
    "CC(=O)Nc1ccc(Cl)cc1",
    "CC(=O)Nc1ccc(F)cc1",
    "CC(C)Cc1ccc(C(C)C(=O)O)cc1",
    "CC(C)Cc1ccc(CC(=O)O)cc1",
    "COc1ccc2cc(C(C)C(=O)O)ccc2c1",
    "c1ccc2[nH]ccc2c1",
    "Cc1ccc2[nH]ccc2c1",
    "COc1ccc2[nH]ccc2c1",
    "Clc1ccc2[nH]ccc2c1",
    "CN1CCN(CC1)c1ccccc1",
    "CN1CCN(CC1)c1ccc(F)cc1",
    "CCN1CCN(CC1)c1ccc(Cl)cc1",
    "O=C(O)c1ccccc1O",
    "O=C(O)c1ccccc1OC(C)=O",
]
FAMILY = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 1, 1]
AA = "ACDEFGHIKLMNPQRSTVWY"


def _protein(rng: np.random.Generator, base: str, mutate: float) -> str:
    seq = list(base)
    for i in range(len(seq)):
        if rng.random() < mutate:
            seq[i] = AA[rng.integers(0, 20)]
    return "".join(seq)


def make_benchmark(root: Path, name: str = "davis", seed: int = 0, n_proteins: int = 14) -> Path:
    """Write ``root/<name>/{ligands_can.txt,proteins.txt,train.csv,test_pairs.csv}``; returns root."""
    rng = np.random.default_rng(seed)
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    drugs = {f"D{i:03d}": s for i, s in enumerate(SMILES)}
    bases = ["".join(rng.choice(list(AA), 220)) for _ in range(3)]
    proteins, pfam = {}, []
    for j in range(n_proteins):
        fam = j % 3
        proteins[f"P{j:03d}"] = _protein(rng, bases[fam], 0.08)
        pfam.append(fam)
    effect = rng.normal(0, 1.0, (4, 3))
    rows = []
    for i, d in enumerate(drugs):
        for j, p in enumerate(proteins):
            y = 6.0 + effect[FAMILY[i], pfam[j]] + 0.3 * rng.normal() + 0.2 * (i % 3)
            rows.append((d, p, y))
    frame = pd.DataFrame(rows, columns=["drug_id", "protein_id", "y"])
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    n_test = len(frame) // 6
    test, train = frame.iloc[:n_test], frame.iloc[n_test:].copy()
    train["fold"] = np.arange(len(train)) % 5
    if name == "davis":
        train["affinity"] = np.power(10.0, 9.0 - train["y"])  # Kd in nM
    else:
        train["affinity"] = train["y"] + 5.0
    (folder / "ligands_can.txt").write_text(json.dumps(drugs), encoding="utf-8")
    (folder / "proteins.txt").write_text(json.dumps(proteins), encoding="utf-8")
    train[["drug_id", "protein_id", "fold", "affinity"]].to_csv(folder / "train.csv", index=False)
    test[["drug_id", "protein_id"]].to_csv(folder / "test_pairs.csv", index=False)
    return Path(root)


def make_targets_and_library(root: Path, seed: int = 0) -> tuple[Path, Path]:
    """A FASTA with two good targets and three bad records, and a library with two bad rows."""
    rng = np.random.default_rng(seed + 1)
    root = Path(root)
    fasta = root / "targets.fasta"
    fasta.write_text(
        ">viral_protease demo\n" + "".join(rng.choice(list(AA), 180)) + "\n"
        ">viral_polymerase\n" + "".join(rng.choice(list(AA), 260)) + "\n"
        ">empty_record\n\n"
        ">dna_by_mistake\n" + "ACGT" * 30 + "\n"
        ">garbled\nMKT1234%%%LLV\n",
        encoding="utf-8",
    )
    library = root / "library.csv"
    pd.DataFrame(
        {
            "name": ["Paracetamol", "Ibuprofen", "Indole", "Broken", "Empty", "Fluoro-piperazine", "한글약"],
            "smiles": [
                "CC(=O)Nc1ccc(O)cc1",
                "CC(C)Cc1ccc(C(C)C(=O)O)cc1",
                "c1ccc2[nH]ccc2c1",
                "C1CC(",
                "",
                "CN1CCN(CC1)c1ccc(F)cc1",
                "OCCO",
            ],
        }
    ).to_csv(library, index=False)
    return fasta, library
