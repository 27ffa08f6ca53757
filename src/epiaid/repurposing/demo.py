"""Demo data: one small finished ranking job (J05 antivirals × three SARS-CoV-2 targets) when the real
data are present; without them the page still works and explains what is missing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    from epiaid.repurposing import services
    from epiaid.repurposing.engine.data import read_fasta
    from epiaid.repurposing.engine.training import weights_for
    from epiaid.repurposing.models import RankJob

    if shared is None or not (shared / "dti" / "kiba" / "train.csv").is_file():
        return "repurposing: skipped (needs ../shared/data/dti for the model's training memory)"
    if (
        not (weights_for("kiba", "both") / "model.json").is_file()
        and not (weights_for("kiba", "pair") / "model.json").is_file()
    ):
        return "repurposing: skipped (no shipped KIBA weights)"
    if RankJob.objects.filter(targets_label="demo: 3CLpro, PLpro, RdRp").exists():
        return "repurposing: demo job already present"
    targets, _ = read_fasta(shared / "dti" / "sars_cov_2" / "sars_cov_2_proteins.fasta")
    keep = [n for n in targets if any(k in n for k in ("3CLpro", "PLpro", "RdRp"))]
    fasta = "".join(f">{n}\n{targets[n]}\n" for n in keep)
    job = services.create_job(None, benchmark="kiba", targets_fasta=fasta, antivirals_only=True)
    RankJob.objects.filter(pk=job.pk).update(targets_label="demo: 3CLpro, PLpro, RdRp")
    log("repurposing: ranking 77 antivirals against 3 SARS-CoV-2 targets")
    services.run_job(job.pk)
    job.refresh_from_db()
    return f"repurposing: demo job {job.pk} {job.status} ({job.message})"
