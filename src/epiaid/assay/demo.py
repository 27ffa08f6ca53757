"""Demo data: one finished design job, on real early-2020 genomes when ../shared/data is there."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path

DEMO_TITLE = "Demo: first genomes → 3-target panel / 데모"


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    from epiaid.assay import services
    from epiaid.assay.engine import seqio, synthetic
    from epiaid.assay.models import DesignJob
    from epiaid.core.actors import Actor

    DesignJob.objects.filter(title=DEMO_TITLE).delete()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        assay_dir = shared / "assay" if shared is not None else None
        if assay_dir is not None and (assay_dir / "reference" / "MN908947.3.fasta").is_file():
            genomes = folder / "genomes.fasta"
            records = seqio.read_fasta(assay_dir / "sars2" / "ncov_example_2019-12_to_2020-05_genbank.fasta.gz")
            genomes.write_text("".join(f">{r.name}\n{r.seq}\n" for r in itertools.islice(records, 40)))
            paths = {
                "genomes": genomes,
                "reference": assay_dir / "reference" / "MN908947.3.fasta",
                "neighbours": assay_dir / "near_neighbours" / "coronavirus_near_neighbours.fasta",
            }
            source = "40 early-2020 SARS-CoV-2 genomes"
        else:
            paths = synthetic.write_dataset(folder, n_genomes=30)
            source = "30 synthetic genomes"
        job = services.create_job(
            Actor.system("demo"),
            paths["genomes"],
            paths["reference"],
            targets=3,
            neighbours=paths.get("neighbours"),
            title=DEMO_TITLE,
        )
        log(f"assay: designing a panel from {source} (job #{job.pk})")
        services.run_job(job.pk)  # inline: the demo must leave a finished job behind
    job.refresh_from_db()
    return f"assay: demo job #{job.pk} {job.status} ({len(job.panel)} oligos from {source})"
