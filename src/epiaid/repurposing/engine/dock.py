"""Docking re-rank with AutoDock Vina: receptor and ligand preparation, parallel, time-limited, resumable.

- Receptor: protein chain(s) of the PDB without waters or ligands, hydrogens and Gasteiger charges
  added by meeko's residue templates (``mk_prepare_receptor``; no Open Babel, no network).
- Box: around the co-crystallised ligand (6LU7: the N3 inhibitor, residues 02J/PJE/010 of chain C).
- Ligand: RDKit adds hydrogens and embeds a 3D conformer (ETKDG, MMFF-relaxed); meeko writes PDBQT.
- Each drug runs in its own process with a wall-clock limit; results are appended to a JSONL file
  as they finish, so an interrupted run resumes where it stopped. A run refuses to resume into a
  results file made with different settings, so results of two set-ups are never mixed.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: In 6LU7 the N3 inhibitor is chain C: HETATM 02J/PJE/010 plus ATOM records ALA/VAL/LEU (peptidic part).
N3_CHAIN = "C"
WATER = {"HOH", "WAT", "DOD"}


@dataclass(frozen=True)
class DockConfig:
    receptor_sha256: str
    center: tuple[float, float, float]
    size: tuple[float, float, float]
    exhaustiveness: int
    seed: int
    time_limit_s: float

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def ligand_box(
    pdb_path: Path,
    ligand_chain: str | None = None,
    resnames: tuple[str, ...] | None = None,
    padding: float = 8.0,
) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Centre and edge lengths (Å) of a box around the co-crystallised ligand.

    With ``ligand_chain`` every atom of that chain counts (peptidic inhibitors such as N3 are partly
    ATOM records); otherwise the non-water HETATM records.
    """
    coords = []
    for line in Path(pdb_path).read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("HETATM") and not (ligand_chain is not None and line.startswith("ATOM")):
            continue
        res = line[17:20].strip()
        if res in WATER:
            continue
        if resnames is not None and res not in resnames:
            continue
        if ligand_chain is not None and line[21] != ligand_chain:
            continue
        coords.append((float(line[30:38]), float(line[38:46]), float(line[46:54])))
    if not coords:
        raise ValueError(f"{pdb_path}: no ligand HETATM records to centre the docking box on")
    xyz = np.asarray(coords)
    lo, hi = xyz.min(0), xyz.max(0)
    center = tuple(float(v) for v in (lo + hi) / 2)
    size = tuple(float(v) for v in np.minimum(hi - lo + padding, 30.0))
    return center, size  # type: ignore[return-value]


def protein_only_pdb(pdb_path: Path, chains: str = "A") -> str:
    """ATOM records of the chosen chains (waters, ions and ligands dropped; first altloc kept)."""
    keep = []
    for line in Path(pdb_path).read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("ATOM") and line[21] in chains and line[16] in " A":
            keep.append(line[:16] + " " + line[17:])
    if not keep:
        raise ValueError(f"{pdb_path}: no ATOM records for chain(s) {chains!r}")
    return "\n".join(keep) + "\nEND\n"


def prepare_receptor(pdb_path: Path, work_dir: Path, chains: str = "A") -> Path:
    """Receptor PDBQT via meeko (cached in work_dir by input hash)."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    pdb = protein_only_pdb(pdb_path, chains)
    tag = hashlib.sha256(pdb.encode()).hexdigest()[:12]
    out = work_dir / f"receptor_{tag}.pdbqt"
    if out.is_file():
        return out
    src = work_dir / f"receptor_{tag}.pdb"
    src.write_text(pdb, encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "meeko.cli.mk_prepare_receptor",
            "--read_pdb",
            str(src),
            "-o",
            str(work_dir / f"receptor_{tag}"),
            "-p",
            "-a",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0 or not out.is_file():
        raise RuntimeError(f"receptor preparation failed: {proc.stdout[-800:]} {proc.stderr[-800:]}")
    return out


def ligand_pdbqt(smiles: str, seed: int = 0) -> tuple[str, dict[str, int]]:
    """Protonated 3D ligand as PDBQT, with its size (heavy atoms, rotatable bonds)."""
    from meeko import MoleculePreparation, PDBQTWriterLegacy
    from rdkit import Chem, RDLogger
    from rdkit.Chem import AllChem

    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]
    mol = _largest_fragment(smiles)
    if mol is None:
        raise ValueError("unparseable SMILES")
    molh = Chem.AddHs(mol)
    params = AllChem.ETKDGv3()  # type: ignore[attr-defined]
    params.randomSeed = seed
    if AllChem.EmbedMolecule(molh, params) != 0:  # type: ignore[attr-defined]
        params.useRandomCoords = True
        if AllChem.EmbedMolecule(molh, params) != 0:  # type: ignore[attr-defined]
            raise ValueError("3D embedding failed")
    if AllChem.MMFFHasAllMoleculeParams(molh):  # type: ignore[attr-defined]
        AllChem.MMFFOptimizeMolecule(molh, maxIters=500)  # type: ignore[attr-defined]
    setups = MoleculePreparation().prepare(molh)
    text, ok, err = PDBQTWriterLegacy.write_string(setups[0])
    if not ok:
        raise ValueError(f"PDBQT writing failed: {err}")
    return text, _size(mol)


def _largest_fragment(smiles: str) -> Any:
    """The drug itself without counter-ions and salts, or None for unparseable SMILES."""
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    return max(Chem.GetMolFrags(mol, asMols=True), key=lambda m: m.GetNumHeavyAtoms())


def molecule_size(smiles: str) -> dict[str, int]:
    """Heavy atoms and rotatable bonds: what makes docking slow, shown for timeouts too."""
    mol = _largest_fragment(smiles)
    return {} if mol is None else _size(mol)


def _size(mol: Any) -> dict[str, int]:
    from rdkit.Chem import Lipinski

    return {"heavy_atoms": mol.GetNumHeavyAtoms(), "rot_bonds": Lipinski.NumRotatableBonds(mol)}  # type: ignore[attr-defined]


def _dock_worker(smiles: str, receptor: str, cfg: dict[str, Any], conn: Any) -> None:
    """Runs in a child process so that a stuck or crashing docking can be killed on its own."""
    t0 = time.perf_counter()
    try:
        lig, size = ligand_pdbqt(smiles, cfg["seed"])
    except Exception as exc:  # any preparation failure is a per-drug outcome, not a crash of the run
        conn.send({"status": "prep_failed", "error": str(exc)[:300], "seconds": time.perf_counter() - t0})
        return
    try:
        from vina import Vina

        v = Vina(sf_name="vina", cpu=1, seed=cfg["seed"], verbosity=0)
        v.set_receptor(receptor)  # a PDBQT file path: Vina reads receptors from files only
        v.set_ligand_from_string(lig)
        v.compute_vina_maps(center=list(cfg["center"]), box_size=list(cfg["size"]))
        v.dock(exhaustiveness=cfg["exhaustiveness"], n_poses=5)
        energy = float(v.energies(n_poses=1)[0][0])
        conn.send(
            {
                "status": "ok",
                "score_kcal_mol": energy,
                "seconds": time.perf_counter() - t0,
                "pose_pdbqt": v.poses(n_poses=1),
                **size,
            }
        )
    except Exception as exc:
        conn.send({"status": "dock_failed", "error": str(exc)[:300], "seconds": time.perf_counter() - t0, **size})


def read_results(path: Path) -> list[dict[str, Any]]:
    if not Path(path).is_file():
        return []
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by a kill: that drug is simply redone
    return out


def dock_library(
    drugs: list[tuple[str, str, str]],
    receptor_pdbqt: Path,
    center: tuple[float, float, float],
    size: tuple[float, float, float],
    out_dir: Path,
    *,
    exhaustiveness: int = 8,
    seed: int = 0,
    time_limit_s: float = 300.0,
    workers: int = 2,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Dock (drug_id, name, smiles) triples; returns every result of the run folder, old and new."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    receptor_text = Path(receptor_pdbqt).read_text(encoding="utf-8")
    cfg = DockConfig(
        hashlib.sha256(receptor_text.encode()).hexdigest(),
        (float(center[0]), float(center[1]), float(center[2])),
        (float(size[0]), float(size[1]), float(size[2])),
        exhaustiveness,
        seed,
        time_limit_s,
    )
    cfg_path = out_dir / "dock_config.json"
    if cfg_path.is_file():
        old = json.loads(cfg_path.read_text(encoding="utf-8"))
        if old.get("key") != cfg.key():
            raise ValueError(f"{out_dir} holds results made with other settings ({old}); use a new --out folder")
    else:
        cfg_path.write_text(json.dumps({**asdict(cfg), "key": cfg.key()}, indent=2), encoding="utf-8")
    results_path = out_dir / "results.jsonl"
    done = {r["drug_id"] for r in read_results(results_path)}
    todo = [d for d in drugs if d[0] not in done]
    poses = out_dir / "poses"
    poses.mkdir(exist_ok=True)
    ctx = mp.get_context("fork")
    running: dict[str, tuple[Any, Any, float, tuple[str, str, str]]] = {}
    queue = list(todo)
    cfg_d = asdict(cfg)
    with results_path.open("a", encoding="utf-8") as sink:

        def finish(rec: dict[str, Any], item: tuple[str, str, str]) -> None:
            if "heavy_atoms" not in rec:  # a killed or failed worker could not say how big the drug was
                rec = {**molecule_size(item[2]), **rec}
            rec = {"drug_id": item[0], "name": item[1], "smiles": item[2], **rec}
            pose = rec.pop("pose_pdbqt", None)
            if pose:
                (poses / f"{hashlib.sha256(item[0].encode()).hexdigest()[:12]}.pdbqt").write_text(pose)
            sink.write(json.dumps(rec) + "\n")
            sink.flush()
            if progress:
                progress(rec)

        while queue or running:
            while queue and len(running) < max(1, workers):
                item = queue.pop(0)
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_dock_worker, args=(item[2], str(receptor_pdbqt), cfg_d, child), daemon=True)
                proc.start()
                child.close()
                running[item[0]] = (proc, parent, time.perf_counter(), item)
            time.sleep(0.05)
            for key, (proc, conn, started, item) in list(running.items()):
                if conn.poll():
                    try:
                        rec = conn.recv()
                    except EOFError:
                        rec = {
                            "status": "dock_failed",
                            "error": "worker died",
                            "seconds": time.perf_counter() - started,
                        }
                    proc.join(timeout=5)
                    del running[key]
                    finish(rec, item)
                elif time.perf_counter() - started > time_limit_s:
                    proc.terminate()
                    proc.join(timeout=5)
                    del running[key]
                    finish(
                        {
                            "status": "timeout",
                            "error": f"over the {time_limit_s:.0f} s limit",
                            "seconds": time.perf_counter() - started,
                        },
                        item,
                    )
                elif not proc.is_alive() and not conn.poll():
                    del running[key]
                    finish(
                        {
                            "status": "dock_failed",
                            "error": f"worker exited with code {proc.exitcode}",
                            "seconds": time.perf_counter() - started,
                        },
                        item,
                    )
    return read_results(results_path)
