"""Docking: receptor/ligand preparation, per-drug failures, time limit, resuming; Vina on 6LU7 when present."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from epiaid.repurposing.engine import dock as D

PDB = """\
ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N
ATOM      2  CA  ALA A   1      11.639   6.071  -5.147  1.00  0.00           C
HETATM    3  O   HOH A 101      30.000  30.000  30.000  1.00  0.00           O
ATOM      4  N   LEU C   1       1.000   2.000   3.000  1.00  0.00           N
HETATM    5  C1  02J C   2       3.000   4.000   5.000  1.00  0.00           C
"""


def test_box_surrounds_the_ligand_chain_including_its_peptidic_atoms(tmp_path: Path) -> None:
    pdb = tmp_path / "x.pdb"
    pdb.write_text(PDB, encoding="utf-8")
    center, size = D.ligand_box(pdb, ligand_chain="C", padding=8.0)
    assert center == pytest.approx((2.0, 3.0, 4.0))
    assert size == pytest.approx((10.0, 10.0, 10.0))
    with pytest.raises(ValueError, match="no ligand"):
        D.ligand_box(pdb, ligand_chain="Z")


def test_receptor_keeps_protein_atoms_and_drops_waters_and_ligands(tmp_path: Path) -> None:
    pdb = tmp_path / "x.pdb"
    pdb.write_text(PDB, encoding="utf-8")
    text = D.protein_only_pdb(pdb, "A")
    assert text.count("ATOM") == 2 and "HOH" not in text and "02J" not in text


def test_ligand_preparation_gives_3d_pdbqt_and_names_bad_smiles() -> None:
    text, size = D.ligand_pdbqt("CC(=O)Nc1ccc(O)cc1.Cl")  # the salt's chloride is dropped
    assert "ROOT" in text and size["heavy_atoms"] == 11
    with pytest.raises(ValueError, match="unparseable"):
        D.ligand_pdbqt("C1CC(")


def test_a_drug_that_cannot_be_prepared_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    receptor = tmp_path / "r.pdbqt"
    receptor.write_text("not used: preparation fails first\n", encoding="utf-8")
    results = D.dock_library(
        [("bad", "Broken", "C1CC(")], receptor, (0, 0, 0), (10, 10, 10), tmp_path / "run", time_limit_s=60, workers=1
    )
    assert [(r["drug_id"], r["status"]) for r in results] == [("bad", "prep_failed")]


def test_resuming_with_other_settings_is_refused(tmp_path: Path) -> None:
    receptor = tmp_path / "r.pdbqt"
    receptor.write_text("x\n", encoding="utf-8")
    D.dock_library([], receptor, (0, 0, 0), (10, 10, 10), tmp_path / "run", exhaustiveness=1)
    with pytest.raises(ValueError, match="other settings"):
        D.dock_library([], receptor, (0, 0, 0), (10, 10, 10), tmp_path / "run", exhaustiveness=2)


@pytest.fixture(scope="module")
def mpro(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, Any]:
    """6LU7 prepared once per module: receptor PDBQT and the N3 box."""
    pdb = shared_data / "dti" / "structures" / "6lu7.pdb"
    center, size = D.ligand_box(pdb, ligand_chain="C")
    return D.prepare_receptor(pdb, tmp_path_factory.mktemp("rec")), center, size


@pytest.mark.slow
def test_vina_docks_a_small_drug_into_the_n3_site_and_a_rerun_resumes(
    mpro: tuple[Path, Any, Any], tmp_path: Path
) -> None:
    receptor, center, size = mpro
    assert " HD" in receptor.read_text(encoding="utf-8")  # polar hydrogens were added
    drugs = [("apap", "Paracetamol", "CC(=O)Nc1ccc(O)cc1")]
    first = D.dock_library(drugs, receptor, center, size, tmp_path / "run", exhaustiveness=1, workers=1)
    assert first[0]["status"] == "ok" and -9 < first[0]["score_kcal_mol"] < 0
    assert len(list((tmp_path / "run" / "poses").glob("*.pdbqt"))) == 1
    seen = []
    again = D.dock_library(
        drugs, receptor, center, size, tmp_path / "run", exhaustiveness=1, workers=1, progress=seen.append
    )
    assert again == first and seen == []  # nothing redone


@pytest.mark.slow
def test_a_drug_over_the_time_limit_is_stopped_and_reported(mpro: tuple[Path, Any, Any], tmp_path: Path) -> None:
    receptor, center, size = mpro
    ritonavir = "CC(C)c1nc(CN(C)C(=O)N[C@H](C(=O)N[C@@H](Cc2ccccc2)C[C@H](O)[C@H](Cc2ccccc2)NC(=O)OCc2cncs2)C(C)C)cs1"
    results = D.dock_library(
        [("rit", "Ritonavir", ritonavir)],
        receptor,
        center,
        size,
        tmp_path / "run",
        exhaustiveness=8,
        time_limit_s=2.0,
        workers=1,
    )
    assert results[0]["status"] == "timeout"
    assert results[0]["heavy_atoms"] == 50 and results[0]["rot_bonds"] > 15  # why it was slow, shown anyway
