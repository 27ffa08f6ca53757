"""Readers for the DeepDTA benchmark layout, FASTA targets and SMILES libraries.

Every reader reports bad rows instead of failing the whole file: a lab running a library of
thousands of drugs must get results for the good ones and a list of the rest with the reason.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

BENCHMARKS = ("davis", "kiba")
AMINO_ACIDS = frozenset("ACDEFGHIKLMNPQRSTVWY")
#: Ambiguity and rare residue codes accepted in a protein sequence (counted but not featurised).
EXTRA_RESIDUES = frozenset("BXZUO*")


def state_dir() -> Path:
    """Run-time state (caches) beside the web app's: ``EPIAID_DATA_DIR``, default ./var.

    The engine must not import Django, so it reads the same variable the settings read.
    """
    return Path(os.environ.get("EPIAID_DATA_DIR", Path.cwd() / "var")) / "repurposing"


def default_data_dir() -> Path:
    """``../shared/data/dti`` beside the checkout, overridable by ``EPIAID_SHARED_DATA``."""
    shared = os.environ.get("EPIAID_SHARED_DATA")
    if shared:
        return Path(shared) / "dti"
    return Path.cwd().parent / "shared" / "data" / "dti"


@dataclass
class RowProblem:
    """One input row that was skipped, with where it came from and why."""

    source: str
    row: str
    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "row": self.row, "field": self.field, "reason": self.reason}


@dataclass
class Benchmark:
    """A DTI benchmark: molecules, sequences and labelled training pairs in model units."""

    name: str
    drugs: dict[str, str]  # id -> SMILES
    proteins: dict[str, str]  # id -> sequence
    train: pd.DataFrame  # drug_id, protein_id, fold, y (model units)
    problems: list[RowProblem] = field(default_factory=list)


def to_model_units(benchmark: str, affinity: np.ndarray) -> np.ndarray:
    """DAVIS Kd (nM) becomes pKd = −log10(Kd/1e9); KIBA scores are used as they are."""
    if benchmark == "davis":
        return -np.log10(np.asarray(affinity, dtype=float) / 1e9)
    return np.asarray(affinity, dtype=float)


def pkd_to_nm(pkd: np.ndarray | float) -> np.ndarray:
    return np.power(10.0, 9.0 - np.asarray(pkd, dtype=float))


def _read_json_map(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {str(k): str(v) for k, v in data.items()}


def benchmark_dir(data_dir: Path, benchmark: str) -> Path:
    if benchmark not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {benchmark!r}: expected one of {', '.join(BENCHMARKS)}")
    path = Path(data_dir) / benchmark
    if not (path / "train.csv").is_file():
        raise FileNotFoundError(f"{path / 'train.csv'} not found: is --data the folder holding davis/ and kiba/?")
    return path


def load_benchmark(data_dir: Path, benchmark: str) -> Benchmark:
    """Load ligands, proteins and ``train.csv`` (labels converted to model units)."""
    path = benchmark_dir(data_dir, benchmark)
    drugs = _read_json_map(path / "ligands_can.txt")
    proteins = _read_json_map(path / "proteins.txt")
    frame = pd.read_csv(path / "train.csv", dtype={"drug_id": str, "protein_id": str})
    missing = {"drug_id", "protein_id", "fold", "affinity"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path / 'train.csv'}: missing columns {sorted(missing)}")
    problems: list[RowProblem] = []
    keep = np.ones(len(frame), dtype=bool)
    for i, (d, p, a) in enumerate(zip(frame.drug_id, frame.protein_id, frame.affinity, strict=True)):
        reason = ""
        if d not in drugs:
            reason, fld = f"unknown drug id {d!r}", "drug_id"
        elif p not in proteins:
            reason, fld = f"unknown protein id {p!r}", "protein_id"
        elif not (isinstance(a, float | int) and math.isfinite(a) and (benchmark != "davis" or a > 0)):
            reason, fld = f"affinity {a!r} is not a positive number", "affinity"
        if reason:
            keep[i] = False
            problems.append(RowProblem(str(path / "train.csv"), str(i + 2), fld, reason))
    frame = frame.loc[keep].reset_index(drop=True)
    frame["y"] = to_model_units(benchmark, frame["affinity"].to_numpy())
    return Benchmark(benchmark, drugs, proteins, frame[["drug_id", "protein_id", "fold", "y"]], problems)


def load_test_pairs(data_dir: Path, benchmark: str) -> pd.DataFrame:
    path = benchmark_dir(data_dir, benchmark) / "test_pairs.csv"
    frame = pd.read_csv(path, dtype={"drug_id": str, "protein_id": str})
    missing = {"drug_id", "protein_id"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    return frame[["drug_id", "protein_id"]]


def check_sequence(seq: str) -> str:
    """Return an error message for a sequence that is not a protein, or '' when it is one."""
    s = seq.strip().upper().rstrip("*")
    if not s:
        return "empty sequence"
    bad = sorted({c for c in s if c not in AMINO_ACIDS and c not in EXTRA_RESIDUES})
    if bad:
        return f"characters that are not amino acids: {''.join(bad[:10])}"
    if len(s) >= 20 and sum(c in "ACGTUN" for c in s) / len(s) > 0.9:
        return "looks like a nucleotide sequence (over 90% A/C/G/T/U/N), not a protein"
    if len(s) < 10:
        return f"too short for a protein target ({len(s)} residues, need at least 10)"
    return ""


def read_fasta(path: Path) -> tuple[dict[str, str], list[RowProblem]]:
    """Protein targets from a FASTA file; nucleotide, empty or garbled records are reported, not used."""
    records: list[tuple[str, int, list[str]]] = []
    problems: list[RowProblem] = []
    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(">"):
                name = line[1:].split()[0] if line[1:].split() else f"record_line_{lineno}"
                records.append((name, lineno, []))
            elif not records:
                problems.append(RowProblem(str(path), str(lineno), "header", "sequence before any '>' header"))
            else:
                records[-1][2].append(line)
    good: dict[str, str] = {}
    for name, lineno, chunks in records:
        seq = "".join(chunks).upper().rstrip("*")
        reason = check_sequence(seq)
        if not reason and name in good:
            reason = f"duplicate record name {name!r}"
        if reason:
            problems.append(RowProblem(str(path), str(lineno), name, reason))
        else:
            good[name] = seq
    return good, problems


def read_smiles_library(path: Path) -> tuple[pd.DataFrame, list[RowProblem]]:
    """A drug library: CSV/TSV with a ``smiles`` column (and ``name``/``id``), or ``.smi`` lines.

    Returns the rows with a parseable SMILES (columns ``drug_id``, ``name``, ``smiles`` plus any
    extra columns of the input) and one problem per skipped row.
    """
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]
    path = Path(path)
    if path.suffix.lower() in {".smi", ".txt"}:
        rows = []
        with path.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh, start=1):
                parts = line.strip().split(maxsplit=1)
                if parts:
                    rows.append({"smiles": parts[0], "name": parts[1] if len(parts) > 1 else f"mol{i}", "_row": i})
        frame = pd.DataFrame(rows, columns=["smiles", "name", "_row"])
    else:
        sep = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL)
        lower = {c.lower(): c for c in frame.columns}
        if "smiles" not in lower:
            raise ValueError(f"{path}: no 'smiles' column (columns: {', '.join(frame.columns)})")
        frame = frame.rename(columns={lower["smiles"]: "smiles"})
        frame["_row"] = np.arange(2, len(frame) + 2)
        if "name" not in frame.columns:
            frame["name"] = frame[lower["id"]] if "id" in lower else frame["_row"].astype(str)
    id_col = next((c for c in ("drugbank_id", "drug_id", "id") if c in frame.columns), None)
    frame["drug_id"] = frame[id_col].astype(str) if id_col else frame["name"].astype(str)
    problems: list[RowProblem] = []
    keep = []
    seen: set[str] = set()
    for smi, did, row in zip(frame["smiles"], frame["drug_id"], frame["_row"], strict=True):
        reason = ""
        if not str(smi).strip():
            reason = "empty SMILES"
        elif Chem.MolFromSmiles(str(smi)) is None:
            reason = f"unparseable SMILES {str(smi)[:60]!r}"
        elif did in seen:
            reason = f"duplicate drug id {did!r}"
        keep.append(not reason)
        if reason:
            problems.append(RowProblem(str(path), str(row), "smiles" if "SMILES" in reason else "id", reason))
        else:
            seen.add(did)
    out = frame.loc[keep].drop(columns=["_row"]).reset_index(drop=True)
    cols = ["drug_id", "name", "smiles"] + [c for c in out.columns if c not in {"drug_id", "name", "smiles"}]
    return out[cols], problems
