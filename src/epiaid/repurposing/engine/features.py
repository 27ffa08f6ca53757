"""Drug and protein featurisation: Morgan fingerprints and k-mer profiles, with their similarities.

Fingerprints serve two purposes: Tanimoto similarity (kernel neighbours, "how far do we extrapolate")
and a low-dimensional embedding (truncated SVD) that lets the booster see chemistry directly.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from scipy import sparse

FP_BITS = 2048
FP_RADIUS = 2
KMER = 3
_AA = "ACDEFGHIKLMNPQRSTVWY"
_AA_INDEX = {a: i for i, a in enumerate(_AA)}
KMER_VOCAB = ["".join(t) for t in itertools.product(_AA, repeat=KMER)]


def parse_smiles(smiles: list[str]) -> list[Any]:
    """RDKit molecules (None where a SMILES does not parse), parsed once for every featuriser below."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]
    return [Chem.MolFromSmiles(smi) for smi in smiles]


def morgan_bits(smiles: list[str], mols: list[Any] | None = None) -> tuple[np.ndarray, list[int]]:
    """Morgan (ECFP4) bit matrix, uint8 (n × FP_BITS); also the indices whose SMILES did not parse."""
    from rdkit import DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=FP_RADIUS, fpSize=FP_BITS)
    out = np.zeros((len(smiles), FP_BITS), dtype=np.uint8)
    failed: list[int] = []
    for i, mol in enumerate(mols if mols is not None else parse_smiles(smiles)):
        if mol is None:
            failed.append(i)
            continue
        DataStructs.ConvertToNumpyArray(gen.GetFingerprint(mol), out[i])
    return out, failed


def descriptors(smiles: list[str], mols: list[Any] | None = None) -> np.ndarray:
    """A handful of physicochemical descriptors (weight, logP, TPSA, HBD/HBA, rotatable bonds, rings)."""
    from rdkit.Chem import Crippen, Descriptors, Lipinski, rdMolDescriptors

    rows = []
    for mol in mols if mols is not None else parse_smiles(smiles):
        if mol is None:
            rows.append([np.nan] * 8)
            continue
        rows.append(
            [
                Descriptors.MolWt(mol),  # type: ignore[attr-defined]
                Crippen.MolLogP(mol),  # type: ignore[attr-defined]
                rdMolDescriptors.CalcTPSA(mol),
                Lipinski.NumHDonors(mol),  # type: ignore[attr-defined]
                Lipinski.NumHAcceptors(mol),  # type: ignore[attr-defined]
                Lipinski.NumRotatableBonds(mol),  # type: ignore[attr-defined]
                rdMolDescriptors.CalcNumAromaticRings(mol),
                mol.GetNumHeavyAtoms(),
            ]
        )
    return np.asarray(rows, dtype=np.float32).reshape(len(smiles), 8)


DESCRIPTOR_NAMES = ["mol_wt", "logp", "tpsa", "hbd", "hba", "rot_bonds", "arom_rings", "heavy_atoms"]


def tanimoto(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Tanimoto similarity between two bit matrices (dense matrix products beat per-pair RDKit calls here)."""
    af = a.astype(np.float32)
    bf = b.astype(np.float32)
    inter = af @ bf.T
    union = af.sum(1)[:, None] + bf.sum(1)[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(union > 0, inter / union, 0.0)
    return sim.astype(np.float32)


_CODE = np.full(256, -1, dtype=np.int64)
_CODE[np.frombuffer(_AA.encode(), dtype=np.uint8)] = np.arange(len(_AA))


def kmer_profiles(sequences: list[str]) -> sparse.csr_matrix:
    """L2-normalised 3-mer count vectors (8,000 columns); k-mers with non-standard residues are skipped."""
    indptr, cols, vals = [0], [], []
    for seq in sequences:
        codes = _CODE[np.frombuffer(seq.upper().encode("ascii", "replace"), dtype=np.uint8)]
        a, b, c = codes[:-2], codes[1:-1], codes[2:]
        ok = (a >= 0) & (b >= 0) & (c >= 0)
        counts = np.bincount(((a * 20 + b) * 20 + c)[ok], minlength=20**KMER)
        nz = np.nonzero(counts)[0]
        norm = float(np.sqrt(float((counts[nz] ** 2).sum()))) or 1.0
        cols.append(nz)
        vals.append(counts[nz] / norm)
        indptr.append(indptr[-1] + len(nz))
    return sparse.csr_matrix(
        (np.concatenate(vals or [np.zeros(0)]).astype(np.float32), np.concatenate(cols or [np.zeros(0, int)]), indptr),
        shape=(len(sequences), 20**KMER),
    )


def cosine(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    """Cosine similarity of L2-normalised k-mer profiles (a proxy for normalised Smith–Waterman scores)."""
    return np.asarray((a @ b.T).toarray(), dtype=np.float32)


def composition(sequences: list[str]) -> np.ndarray:
    """Amino-acid composition (20 fractions) plus log length."""
    out = np.zeros((len(sequences), 21), dtype=np.float32)
    for r, seq in enumerate(sequences):
        s = seq.upper()
        n = max(len(s), 1)
        for c in s:
            i = _AA_INDEX.get(c)
            if i is not None:
                out[r, i] += 1.0 / n
        out[r, 20] = np.log(n)
    return out
