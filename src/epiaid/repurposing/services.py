"""Plain functions behind the CLI, the API and the web page (Python API of the capability).

Django is imported only inside the job functions, so ``predict_test_pairs``, ``rank_targets`` and
``run_docking`` work from a plain Python session or the CLI without a configured web app.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from epiaid.repurposing.engine.data import load_benchmark, load_test_pairs

#: Roles that may run and read repurposing jobs: reviewers (scientific review) and programme officers
#: (decide which candidates go to assays). Front-line staff do not need unvalidated affinity hypotheses.
ALLOWED_ROLES = ("reviewer", "programme_officer")
#: Most drugs one web job may dock (each takes ~10 s to ~15 min of one core).
MAX_WEB_DOCK_TOP = 50


# ---- science entry points (no Django) -------------------------------------------------------------
def predict_test_pairs(benchmark: str, data_dir: Path, weights_root: Path | None = None) -> tuple[pd.DataFrame, float]:
    """drug_id, protein_id, prediction for every pair of test_pairs.csv, in the benchmark's units."""
    from epiaid.repurposing.engine.model import DTIModel
    from epiaid.repurposing.engine.training import weights_for

    t0 = time.perf_counter()
    model = DTIModel.load(weights_for(benchmark, "pair", weights_root))
    bench = load_benchmark(data_dir, benchmark)
    pairs = load_test_pairs(data_dir, benchmark)
    unknown = pairs[~pairs["drug_id"].isin(list(bench.drugs)) | ~pairs["protein_id"].isin(list(bench.proteins))]
    if not unknown.empty:
        first = unknown.iloc[0]
        raise ValueError(
            f"test_pairs.csv row {unknown.index[0] + 2}: unknown id "
            f"(drug {first['drug_id']!r}, protein {first['protein_id']!r}); "
            f"{len(unknown)} such rows"
        )
    model.attach_memory(bench.drugs, bench.proteins, bench.train)
    out = pairs.copy()
    out["prediction"] = model.predict(pairs, bench.drugs, bench.proteins)
    return out, time.perf_counter() - t0


def rank_targets(
    targets_fasta: Path,
    library: Path,
    data_dir: Path,
    out_dir: Path,
    *,
    benchmark: str = "kiba",
    weights_root: Path | None = None,
    top: int = 25,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run a ranking and write its outputs; returns counts and output paths."""
    from epiaid.repurposing.engine import rank as R

    result = R.rank(targets_fasta, library, data_dir, benchmark=benchmark, weights_root=weights_root, progress=progress)
    paths = R.write_outputs(result, out_dir, top=top)
    return {
        "paths": {k: str(v) for k, v in paths.items()},
        "n_targets": int(result.table["target"].nunique()),
        "n_drugs": int(result.table["drug_id"].nunique()),
        "n_problems": len(result.problems),
        "unit": result.unit,
        "mode": result.mode,
    }


def shortlist(ranking: Path, target: str, top: int, include: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """The ``top`` best-ranked drugs of the target matching ``target``, plus named reference drugs.

    ``include`` (names or drug ids, any case) adds comparators such as a published top five or an
    approved inhibitor wherever they ranked; a name that matches nothing is an error, not a silent gap.
    """
    table = pd.read_csv(ranking, dtype={"drug_id": str})
    names = sorted(t for t in table["target"].unique() if target.lower() in str(t).lower())
    if not names:
        raise ValueError(f"{ranking}: no target matching {target!r} (targets: {', '.join(table['target'].unique())})")
    rows = table[table["target"] == names[0]].sort_values("rank")
    picked = rows.head(top)
    wanted = [w.strip().lower() for w in include if w.strip()]
    if wanted:
        key_name = rows["name"].astype(str).str.lower()
        key_id = rows["drug_id"].astype(str).str.lower()
        missing = [w for w in wanted if not ((key_name == w) | (key_id == w)).any()]
        if missing:
            raise ValueError(f"{ranking}: no drug named {', '.join(missing)} in the ranking of {names[0]}")
        extra = rows[key_name.isin(wanted) | key_id.isin(wanted)]
        picked = pd.concat([picked, extra]).drop_duplicates("drug_id")
    return list(
        zip(
            picked["drug_id"],
            picked["name"].astype(str),
            picked["smiles"] if "smiles" in picked else [""] * len(picked),
            strict=True,
        )
    )


def run_docking(
    *,
    ranking: Path | None,
    target: str,
    top: int,
    library: Path | None,
    include: tuple[str, ...] = (),
    pdb: Path,
    receptor_chains: str,
    ligand_chain: str,
    exhaustiveness: int,
    time_limit_s: float,
    workers: int,
    seed: int,
    out: Path,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Dock a ranking's shortlist (or a library) and write docking_ranked.csv (best Vina score first)."""
    from epiaid.repurposing.engine import dock as D
    from epiaid.repurposing.engine.data import read_smiles_library

    if ranking is not None:
        drugs = shortlist(ranking, target, top, include)
        if not all(s for _, _, s in drugs):
            raise ValueError(f"{ranking} has no smiles column: re-run `epiaid repurpose rank`")
    elif library is not None:
        lib, problems = read_smiles_library(library)
        for p in problems:
            print(f"skipped {p.source} row {p.row}: {p.reason}")
        drugs = list(zip(lib["drug_id"], lib["name"].astype(str), lib["smiles"], strict=True))[:top]
    else:
        raise ValueError("give --ranking (a ranking.csv) or --library (a SMILES file)")
    out = Path(out)
    center, size = D.ligand_box(pdb, ligand_chain=ligand_chain)
    receptor = D.prepare_receptor(pdb, out / "receptor", receptor_chains)
    if on_total:
        on_total(len(drugs))
    results = D.dock_library(
        drugs,
        receptor,
        center,
        size,
        out,
        exhaustiveness=exhaustiveness,
        seed=seed,
        time_limit_s=time_limit_s,
        workers=workers,
        progress=on_result,
    )
    wanted = {d[0] for d in drugs}
    table = pd.DataFrame([r for r in results if r["drug_id"] in wanted])
    if "score_kcal_mol" not in table:
        table["score_kcal_mol"] = float("nan")
    table = table.sort_values("score_kcal_mol", na_position="last")
    cols = [
        c
        for c in (
            "drug_id",
            "name",
            "status",
            "score_kcal_mol",
            "seconds",
            "heavy_atoms",
            "rot_bonds",
            "error",
        )
        if c in table.columns
    ]
    table[cols].to_csv(out / "docking_ranked.csv", index=False)
    return table[cols]


# ---- web jobs (Django) ----------------------------------------------------------------------------
def dti_data_dir() -> Path:
    from django.conf import settings

    return Path(getattr(settings, "EPIAID_REPURPOSING_DTI_DIR", Path(settings.SHARED_DATA_DIR) / "dti"))


def weights_root() -> Path | None:
    from django.conf import settings

    root = getattr(settings, "EPIAID_REPURPOSING_WEIGHTS", None)
    return Path(root) if root else None


def docking_structure() -> Path:
    """The receptor web jobs dock into: SARS-CoV-2 Mpro with the N3 inhibitor (box = chain C)."""
    return dti_data_dir() / "structures" / "6lu7.pdb"


def jobs_dir() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "repurposing" / "jobs"


def create_job(
    actor: Any,
    *,
    benchmark: str,
    targets_fasta: str = "",
    library_text: str = "",
    library_name: str = "",
    antivirals_only: bool = False,
    dock_top: int = 0,
    dock_target: str = "3CL",
    dock_exhaustiveness: int = 8,
    dock_time_limit_s: float = 300.0,
) -> Any:
    """Store a job's inputs (pasted FASTA / uploaded library or the shared defaults) and queue it.

    With ``dock_top`` > 0 the best-ranked drugs of the target matching ``dock_target`` are docked
    into the Mpro N3 site (6LU7) after the ranking; the limits keep one web job from holding the
    server's CPU for hours (the CLI has no such limits).
    """
    from epiaid.core.access import require
    from epiaid.core.jobs.service import check_capacity
    from epiaid.repurposing.models import RankJob

    actor = require(actor, *ALLOWED_ROLES, target="repurposing.job")
    user = actor.user
    if benchmark not in ("davis", "kiba"):
        raise ValueError(f"benchmark: unknown {benchmark!r} (davis or kiba)")
    check_capacity(user)
    if not 0 <= dock_top <= MAX_WEB_DOCK_TOP:
        raise ValueError(f"dock_top: {dock_top} is outside 0–{MAX_WEB_DOCK_TOP} drugs")
    if dock_top:
        if not dock_target.strip():
            raise ValueError("dock_target: name the target whose shortlist to dock (e.g. 3CL)")
        if not 1 <= dock_exhaustiveness <= 32:
            raise ValueError(f"dock_exhaustiveness: {dock_exhaustiveness} is outside 1–32")
        if not 5 <= dock_time_limit_s <= 3600:
            raise ValueError(f"dock_time_limit_s: {dock_time_limit_s:g} is outside 5–3600 seconds")
        if not docking_structure().is_file():
            raise ValueError(f"docking needs the receptor structure {docking_structure()}, which is absent")
    job = RankJob.objects.create(
        created_by=user if getattr(user, "is_authenticated", False) else None,
        benchmark=benchmark,
        antivirals_only=antivirals_only,
        targets_label="pasted FASTA" if targets_fasta.strip() else "SARS-CoV-2 proteins",
        library_label=library_name or ("uploaded library" if library_text else "approved drugs"),
        dock_top=dock_top,
        dock_target=dock_target.strip()[:100] if dock_top else "",
        dock_exhaustiveness=dock_exhaustiveness,
        dock_time_limit_s=dock_time_limit_s,
    )
    folder = jobs_dir() / str(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    data = dti_data_dir()
    if targets_fasta.strip():
        (folder / "targets.fasta").write_text(targets_fasta, encoding="utf-8")
    else:
        default = data / "sars_cov_2" / "sars_cov_2_proteins.fasta"
        if not default.is_file():
            job.fail(f"no targets given and the default {default} is absent")
            return job
        (folder / "targets.fasta").write_text(default.read_text(encoding="utf-8"), encoding="utf-8")
    suffix = Path(library_name).suffix.lower() if library_name else ".csv"
    lib_path = folder / f"library{suffix if suffix in {'.csv', '.tsv', '.smi', '.txt'} else '.csv'}"
    if library_text.strip():
        lib_path.write_text(library_text, encoding="utf-8")
    else:
        default_lib = data / "drugs" / "drugbank_approved_admet_ai.csv"
        if not default_lib.is_file():
            job.fail(f"no library given and the default {default_lib} is absent")
            return job
        frame = pd.read_csv(default_lib, dtype=str, keep_default_na=False)
        if antivirals_only and "is_J05_antiviral" in frame:
            frame = frame[frame["is_J05_antiviral"] == "1"]
        frame.to_csv(lib_path, index=False)
    job.work_dir = str(folder)
    job.library_file = lib_path.name
    job.save(update_fields=["work_dir", "library_file"])
    _audit(actor, "create", "repurposing.job", job.pk, {"benchmark": job.benchmark})
    return job


def run_job(job_id: int, ctx: Any = None) -> None:
    """Run a queued job to completion, storing progress; any failure is stored on the job, never lost.

    A job left ``running`` by a worker that died is run again from the start (its outputs are
    rewritten; docking resumes from the drugs already docked). ``ctx`` is the background queue's
    :class:`~epiaid.core.jobs.service.JobContext` (progress, cancellation); the demo runs without one.
    """
    from django.db import close_old_connections

    from epiaid.core.jobs.service import JobCancelled
    from epiaid.repurposing.models import RankJob

    job = RankJob.objects.get(pk=job_id)
    if job.status not in (RankJob.Status.QUEUED, RankJob.Status.RUNNING):
        return
    job.status = RankJob.Status.RUNNING
    job.save(update_fields=["status"])
    folder = Path(job.work_dir)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if ctx is not None:
            ctx.progress(done, total, f"{done} of {total} drugs scored")  # raises once cancelled
        now = time.monotonic()
        if now - last[0] > 0.5 or done == total:
            last[0] = now
            RankJob.objects.filter(pk=job_id).update(
                progress=done / max(total, 1), message=f"{done} of {total} drugs scored"
            )

    try:
        info = rank_targets(
            folder / "targets.fasta",
            folder / job.library_file,
            dti_data_dir(),
            folder / "out",
            benchmark=job.benchmark,
            weights_root=weights_root(),
            progress=progress,
        )
        if job.dock_top:
            dock_job(job, folder)
        job.refresh_from_db()
        job.finish(info)
    except JobCancelled:
        RankJob.objects.get(pk=job_id).fail("cancelled")
        raise
    except Exception as exc:  # stored on the job for the user; the traceback goes to the job folder
        (folder / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        job.refresh_from_db()
        job.fail(f"{type(exc).__name__}: {exc}")
    finally:
        close_old_connections()


def dock_job(job: Any, folder: Path) -> None:
    """Dock the job's shortlist after its ranking; progress and the outcome are stored on the job.

    A docking failure (no matching target, receptor preparation) does not discard the finished
    ranking: the job ends ``done`` and says plainly that docking failed and why.
    """
    from epiaid.repurposing.models import RankJob

    done = [0]
    total = [job.dock_top]

    def on_total(n: int) -> None:
        total[0] = n
        RankJob.objects.filter(pk=job.pk).update(message=f"ranking done; docking 0 of {n} drugs")

    def on_result(row: dict[str, Any]) -> None:
        done[0] += 1
        RankJob.objects.filter(pk=job.pk).update(
            message=f"ranking done; docking {done[0]} of {total[0]} drugs ({row.get('name', row['drug_id'])}: "
            f"{row.get('status')})"
        )

    try:
        table = run_docking(
            ranking=folder / "out" / "ranking.csv",
            target=job.dock_target,
            top=job.dock_top,
            library=None,
            pdb=docking_structure(),
            receptor_chains="A",
            ligand_chain="C",
            exhaustiveness=job.dock_exhaustiveness,
            time_limit_s=job.dock_time_limit_s,
            workers=1,
            seed=0,
            out=folder / "docking",
            on_result=on_result,
            on_total=on_total,
        )
        ok = int((table["status"] == "ok").sum()) if "status" in table else 0
        summary = f"docked {ok} of {len(table)} drugs into 6LU7"
        if ok < len(table):
            summary += f" ({len(table) - ok} failed or timed out: see the docking table)"
    except Exception as exc:  # the ranking stays valid; the reason is shown to the user
        (folder / "docking_error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        summary = f"docking failed: {type(exc).__name__}: {exc}"
    RankJob.objects.filter(pk=job.pk).update(dock_summary=summary[:300])


def job_docking(job: Any) -> pd.DataFrame:
    """The docking table of a finished job (best Vina score first)."""
    path = Path(job.work_dir) / "docking" / "docking_ranked.csv"
    if job.status != "done" or not job.dock_top or not path.is_file():
        raise FileNotFoundError(f"job {job.pk} has no docking results (status {job.status})")
    table = pd.read_csv(path, dtype={"drug_id": str})
    return table.astype(object).where(table.notna(), None)  # NaN (no score, no error) is not JSON


def start_job(job: Any) -> None:
    """Queue the job for an ``epiaid worker`` process (progress is in the database, shown on its page)."""
    from epiaid.repurposing.jobs import queue_rank

    if job.status == "queued":
        queue_rank(job)


def job_ranking(job: Any, target: str | None = None, limit: int = 50) -> pd.DataFrame:
    path = Path(job.work_dir) / "out" / "ranking.csv"
    if job.status != "done" or not path.is_file():
        raise FileNotFoundError(f"job {job.pk} has no complete ranking (status {job.status})")
    table = pd.read_csv(path, dtype={"drug_id": str})
    if target:
        table = table[table["target"] == target]
    return table.sort_values(["target", "rank"]).groupby("target").head(limit)


# --- what the API and the page call: each checks the role and writes the audit event -----------------


def _audit(actor: Any, action: str, target: str, object_id: Any = None, detail: dict[str, Any] | None = None) -> None:
    from epiaid.core.audit import event

    event(actor, action, target, object_id=object_id, detail=detail)


def _allowed(actor: Any, job_id: Any = None) -> Any:
    from epiaid.core.access import require

    return require(actor, *ALLOWED_ROLES, target="repurposing.job", object_id=job_id)


def _job(actor: Any, job_id: int, target: str, detail: dict[str, Any] | None = None) -> tuple[Any, Any]:
    from epiaid.core.errors import NotFound
    from epiaid.repurposing.models import RankJob

    actor = _allowed(actor, job_id)
    job = RankJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"no ranking job {job_id}", code="unknown_job")
    _audit(actor, "view", target, job.pk, detail)
    return actor, job


def list_jobs(actor: Any, limit: int = 100) -> list[Any]:
    from epiaid.repurposing.models import RankJob

    _audit(_allowed(actor), "list", "repurposing.job")
    return list(RankJob.objects.all()[:limit])


def submit_job(actor: Any, **options: Any) -> Any:
    """Create (audited) and queue a ranking job; unusable options answer 422 with the reason."""
    from epiaid.core.errors import BadInput
    from epiaid.core.jobs.service import JobRefused

    try:
        job = create_job(actor, **options)
    except JobRefused:
        raise
    except ValueError as exc:
        raise BadInput(str(exc), code="bad_job_options", status=422) from exc
    start_job(job)
    return job


def get_job(actor: Any, job_id: int) -> Any:
    return _job(actor, job_id, "repurposing.job")[1]


def ranking(actor: Any, job_id: int, target: str | None = None, limit: int = 50) -> pd.DataFrame:
    from epiaid.core.errors import Conflict

    _, job = _job(actor, job_id, "repurposing.ranking", {"target": target})
    try:
        return job_ranking(job, target, max(1, min(limit, 5000)))
    except FileNotFoundError as exc:
        raise Conflict(str(exc), code="not_finished") from exc


def docking(actor: Any, job_id: int) -> pd.DataFrame:
    from epiaid.core.errors import Conflict

    _, job = _job(actor, job_id, "repurposing.docking")
    try:
        return job_docking(job)
    except FileNotFoundError as exc:
        raise Conflict(str(exc), code="not_finished") from exc


def report_path(actor: Any, job_id: int) -> Path:
    from epiaid.core.errors import NotFound

    _, job = _job(actor, job_id, "repurposing.report")
    path = Path(job.work_dir) / "out" / "report.html"
    if job.status != "done" or not path.is_file():
        raise NotFound("this job has no finished report", code="no_report")
    return path
