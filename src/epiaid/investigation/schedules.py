"""The investigation data's retention purge, every day at 03:00 (schedule time zone), by the queue.

It used to be a cron line the operator had to remember (``epiaid manage purge_expired``); the
command still works for a purge on demand.
"""

from __future__ import annotations

from epiaid.core.actors import SYSTEM_RETENTION
from epiaid.core.jobs.scheduler import Schedule, register
from epiaid.core.jobs.service import JobContext, JobKind
from epiaid.core.jobs.service import register as register_kind

PURGE = register_kind(
    JobKind("investigation.purge_expired", handler="epiaid.investigation.schedules.purge", global_limit=1)
)
register(Schedule("investigation.retention_purge", "0 3 * * *", PURGE))


def purge(ctx: JobContext) -> None:
    from epiaid.investigation.services import purge_expired

    lines = purge_expired(actor=SYSTEM_RETENTION)
    ctx.progress(len(lines), len(lines), "; ".join(lines)[:300] or "nothing past its retention deadline")
