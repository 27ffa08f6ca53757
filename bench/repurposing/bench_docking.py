"""Docking seconds per drug, small rigid vs large flexible drugs, on 6LU7's N3 site (Vina, exhaustiveness 8)."""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from epiaid.repurposing.engine import dock as D
from epiaid.repurposing.engine.data import default_data_dir

SMALL = [("paracetamol", "Paracetamol", "CC(=O)Nc1ccc(O)cc1"), ("favipiravir", "Favipiravir", "NC(=O)c1nc(F)c[nH]c1=O")]
LARGE = [
    (
        "ritonavir",
        "Ritonavir",
        "CC(C)c1nc(CN(C)C(=O)N[C@H](C(=O)N[C@@H](Cc2ccccc2)C[C@H](O)[C@H](Cc2ccccc2)NC(=O)OCc2cncs2)C(C)C)cs1",
    ),
    (
        "atazanavir",
        "Atazanavir",
        "COC(=O)N[C@H](C(=O)N[C@@H](Cc1ccccc1)[C@@H](O)CN(Cc1ccc(-c2ccccn2)cc1)NC(=O)[C@@H](NC(=O)OC)C(C)(C)C)C(C)(C)C",
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--exhaustiveness", type=int, default=8)
    args = parser.parse_args()
    pdb = default_data_dir() / "structures" / "6lu7.pdb"
    with tempfile.TemporaryDirectory() as tmp:
        center, size = D.ligand_box(pdb, ligand_chain="C")
        receptor = D.prepare_receptor(pdb, Path(tmp) / "receptor")
        results = D.dock_library(
            SMALL + LARGE,
            receptor,
            center,
            size,
            Path(tmp) / "run",
            exhaustiveness=args.exhaustiveness,
            time_limit_s=900,
            workers=args.workers,
        )
    by_id = {r["drug_id"]: r for r in results}
    for drug_id, name, _ in SMALL + LARGE:
        r = by_id[drug_id]
        print(
            f"[docking] {name}: {r['status']} {r.get('score_kcal_mol', float('nan')):.2f} kcal/mol, "
            f"{r['seconds']:.1f} s, {r.get('heavy_atoms')} heavy atoms, {r.get('rot_bonds')} rotatable bonds"
        )
    small = statistics.mean(by_id[d]["seconds"] for d, _, _ in SMALL)
    large = statistics.mean(by_id[d]["seconds"] for d, _, _ in LARGE)
    print(
        f"[docking] small {small:.1f} s/drug, large flexible {large:.1f} s/drug: large/small = {large / small:.1f}×"
        f" ({args.workers} workers in parallel, exhaustiveness {args.exhaustiveness})"
    )


if __name__ == "__main__":
    main()
