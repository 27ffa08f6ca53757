"""The portal's clocks, run by the durable job queue as ``system:programmes``.

- every 10 minutes: escalate applications at risk of missing their review deadline (≥ 24 h ahead);
- every minute: sync compute usage from the backend (``sacct``/``sshare`` or the embedded state);
- daily 08:00: allocation end reminders (a week ahead) and expiry (account closed);
- monthly, the 1st at 09:00: right-sizing suggestions by usage.
"""

from __future__ import annotations

from epiaid.core.jobs.scheduler import Schedule, register
from epiaid.core.jobs.service import JobContext, JobKind
from epiaid.core.jobs.service import register as register_kind

ESCALATE = register_kind(JobKind("programmes.escalate", handler="epiaid.programmes.schedules.escalate", global_limit=1))
USAGE = register_kind(JobKind("programmes.usage_sync", handler="epiaid.programmes.schedules.usage", global_limit=1))
EXPIRY = register_kind(JobKind("programmes.expiry", handler="epiaid.programmes.schedules.expiry", global_limit=1))
RIGHTSIZE = register_kind(
    JobKind("programmes.rightsize", handler="epiaid.programmes.schedules.rightsize", global_limit=1)
)

register(Schedule("programmes.sla_escalation", "*/10 * * * *", ESCALATE))
register(Schedule("programmes.usage_sync", "* * * * *", USAGE))
register(Schedule("programmes.allocation_expiry", "0 8 * * *", EXPIRY))
register(Schedule("programmes.rightsizing", "0 9 1 * *", RIGHTSIZE))


def escalate(ctx: JobContext) -> dict[str, object]:
    from epiaid.programmes.services import SYSTEM, review

    refs = review.escalate_at_risk(SYSTEM)
    ctx.progress(len(refs), len(refs), f"escalated {len(refs)}")
    return {"message": f"escalated {len(refs)} application(s)", "lines": refs[:50]}


def usage(ctx: JobContext) -> dict[str, object]:
    from epiaid.programmes.services import SYSTEM, compute

    n = compute.sync_usage(SYSTEM)
    return {"message": f"usage of {n} account(s) synced"}


def expiry(ctx: JobContext) -> dict[str, object]:
    from epiaid.programmes.services import SYSTEM, compute

    out = compute.expire_and_remind(SYSTEM)
    return {"message": f"{len(out['reminded'])} reminded, {len(out['closed'])} closed", "lines": out["closed"][:50]}


def rightsize(ctx: JobContext) -> dict[str, object]:
    from epiaid.programmes.services import SYSTEM, compute

    rows = compute.rightsize(SYSTEM)
    return {"message": f"{len(rows)} right-sizing suggestion(s)"}
