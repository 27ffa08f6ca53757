"""The care call's work on the durable queue: each check-in, the minute tick, sending reports."""

from __future__ import annotations

from typing import Any

from epiaid.core.jobs import service as jobs
from epiaid.core.jobs.service import JobKind

CHECKIN = jobs.register(
    JobKind("carecall.checkin", "epiaid.carecall.jobs.run_checkin", queue="default", max_attempts=2)
)
TICK = jobs.register(JobKind("carecall.tick", "epiaid.carecall.jobs.run_tick", global_limit=1, max_attempts=1))
SEND = jobs.register(JobKind("carecall.send", "epiaid.carecall.jobs.run_send", global_limit=1, max_attempts=3))


def _system() -> Any:
    from epiaid.carecall.services.access import SYSTEM

    return SYSTEM


def submit_checkin(checkin: Any) -> Any:
    """Queue a check-in's call; its key (person × round × attempt) makes a second submission a no-op."""
    return jobs.submit(
        CHECKIN, checkin.pk, actor=_system(), ref=f"carecall:checkin:{checkin.pk}", idempotency_key=checkin.key
    )


def submit_send(report_key: str) -> Any:
    return jobs.submit(SEND, actor=_system(), ref="carecall:mail", idempotency_key=f"carecall:send:{report_key}")


def run_checkin(ctx: Any, checkin_id: int) -> dict[str, Any]:
    from epiaid.carecall.services import dial

    return {"message": dial.start_checkin(checkin_id)}


def run_tick(ctx: Any) -> dict[str, Any]:
    from epiaid.carecall.services.schedule import tick

    stats = tick()
    return {"message": ", ".join(f"{k} {v}" for k, v in stats.items() if v) or "nothing due", "stats": stats}


def run_send(ctx: Any) -> dict[str, Any]:
    from epiaid.carecall.services.reports import send_pending

    sent = send_pending()
    return {"message": f"sent {sent['sent']}, waiting {sent['failed']}", **sent}
