"""Films uploaded from the page are read by a worker, one after another, never in the request: a batch
of a hundred films takes minutes of CPU. The upload page follows the job, then the worklist."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from epiaid.core.jobs.service import JobContext, JobKind, register

READ_UPLOADS = register(
    JobKind("xray.read_uploads", handler="epiaid.xray.jobs.read_uploads", global_limit=2, per_user_limit=1)
)


def read_uploads(ctx: JobContext, folder: str) -> dict[str, Any]:
    """Ingest every file of ``folder`` (kept in upload order by its ``NNNN-`` prefix), then delete it."""
    from epiaid.xray import services
    from epiaid.xray.models import Study

    files = sorted(p for p in Path(folder).iterdir() if p.is_file())
    lines = []
    sender = ctx.owner.get_username() if ctx.owner is not None else ctx.actor_label
    site = services.site_for_user(ctx.owner)  # the uploader's site
    for done, path in enumerate(files):
        ctx.progress(done, len(files), f"reading {done + 1} of {len(files)}")
        name = path.name.split("-", 1)[1]
        outcome = services.ingest(
            path.read_bytes(), name, Study.Source.UPLOAD, actor=ctx.owner, sender=sender, site=site
        )
        if outcome.read is None:
            lines.append(f"{name}: rejected — {outcome.study.reject_reason}")
        else:
            lines.append(f"{name}: read (p_pneumonia {outcome.read.p_pneumonia:.2f})")
    shutil.rmtree(folder, ignore_errors=True)
    read = sum(": read (" in line for line in lines)
    return {
        "message": f"{read} of {len(files)} films read",
        "lines": lines,
        "link": {"url": "/xray/", "label": "Worklist · 판독 목록"},
    }
