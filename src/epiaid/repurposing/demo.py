"""Demo data: one finished ranking job.

With the real data: J05 antivirals × 3CLpro, PLpro and RdRp, scored by the shipped KIBA model. Without
them: a seeded synthetic benchmark, a tiny model trained on it in seconds, and a ranking of a small
library against two made-up targets, so the page shows a report on a fresh clone too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

DEMO_LABEL = "demo: 3CLpro, PLpro, RdRp"
SYNTHETIC_LABEL = "demo: synthetic targets"

from epiaid.core.actors import Actor  # noqa: E402

DEMO_ACTOR = Actor.system("demo")


def _synthetic(log: Callable[[str], None]) -> str:
    from epiaid.repurposing import services
    from epiaid.repurposing.engine.synthetic import make_benchmark, make_targets_and_library
    from epiaid.repurposing.engine.training import train_benchmark
    from epiaid.repurposing.models import RankJob

    if RankJob.objects.filter(targets_label=SYNTHETIC_LABEL).exists():
        return "repurposing: synthetic demo job already present"
    root = services.jobs_dir().parent / "synthetic"
    make_benchmark(root, "kiba", seed=2)
    fasta, library = make_targets_and_library(root)
    log("repurposing: training a tiny model on the synthetic benchmark")
    train_benchmark(root, "kiba", modes=("both",), members=2, rounds=40, out=root / "weights", command="demo")
    job = services.create_job(
        DEMO_ACTOR,
        benchmark="kiba",
        targets_fasta=fasta.read_text(encoding="utf-8"),
        library_text=library.read_text(encoding="utf-8"),
        library_name="library.csv",
    )
    job.targets_label = SYNTHETIC_LABEL
    job.status = RankJob.Status.RUNNING
    job.save()
    folder = Path(job.work_dir)
    info = services.rank_targets(
        folder / "targets.fasta", folder / job.library_file, root, folder / "out", weights_root=root / "weights"
    )
    job.finish(info)
    return f"repurposing: synthetic demo job {job.pk} ({job.message})"


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    from epiaid.repurposing import services
    from epiaid.repurposing.engine.data import read_fasta
    from epiaid.repurposing.engine.training import weights_for
    from epiaid.repurposing.models import RankJob

    if shared is None or not (shared / "dti" / "kiba" / "train.csv").is_file():
        return _synthetic(log)
    if not any((weights_for("kiba", m) / "model.json").is_file() for m in ("both", "pair")):
        return "repurposing: skipped (no shipped KIBA weights)"
    if RankJob.objects.filter(targets_label=DEMO_LABEL).exists():
        return "repurposing: demo job already present"
    targets, _ = read_fasta(shared / "dti" / "sars_cov_2" / "sars_cov_2_proteins.fasta")
    keep = [n for n in targets if any(k in n for k in ("3CLpro", "PLpro", "RdRp"))]
    fasta = "".join(f">{n}\n{targets[n]}\n" for n in keep)
    job = services.create_job(DEMO_ACTOR, benchmark="kiba", targets_fasta=fasta, antivirals_only=True)
    RankJob.objects.filter(pk=job.pk).update(targets_label=DEMO_LABEL)
    log("repurposing: ranking the J05 antivirals against 3 SARS-CoV-2 targets")
    services.run_job(job.pk)
    job.refresh_from_db()
    return f"repurposing: demo job {job.pk} {job.status} ({job.message})"
