"""Compute provisioning: an approved allocation becomes an account with a hard budget on the backend.

The backend is :mod:`epiaid.programmes.engine.slurm` (``EPIAID_PROGRAMMES_COMPUTE=slurm`` for a real
Slurm, the embedded ``none`` by default). Provisioning is a separate step from approval and must be
done by someone else (separation of duties). A usage sync every minute stores what each account used;
a monthly right-sizing note compares use with elapsed time; allocations end at their end date (account
closed) with a reminder a week before.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from epiaid.core.audit import AuditAction
from epiaid.core.errors import Conflict, Forbidden, Unavailable
from epiaid.programmes.engine.businessdays import SEOUL
from epiaid.programmes.models import (
    Allocation,
    Application,
    ExtensionRequest,
    ReportObligation,
    RightSizing,
    UsageSample,
)
from epiaid.programmes.services import chain, ledger
from epiaid.programmes.services.base import SYSTEM, TARGET, Role, audit, mail, now_or, refuse, require

REMIND_DAYS_BEFORE_END = 7
DAYS_PER_MONTH = 30


def backend() -> Any:
    from epiaid.programmes.engine.slurm import get_backend

    name = getattr(settings, "PROGRAMMES_COMPUTE", os.environ.get("EPIAID_PROGRAMMES_COMPUTE", "none"))
    if name in ("none", "noslurm", ""):
        state = getattr(settings, "PROGRAMMES_NOSLURM_DIR", None) or Path(settings.DATA_DIR) / "programmes" / "noslurm"
        Path(state).mkdir(parents=True, exist_ok=True)
        return get_backend("none", state_dir=state)
    return get_backend(name, **getattr(settings, "PROGRAMMES_COMPUTE_OPTIONS", {}))


def tres_for(tf_months: Any) -> dict[str, int]:
    from epiaid.programmes.engine.slurm import tflops_months_to_tres_minutes

    return dict(tflops_months_to_tres_minutes(float(tf_months)))


def provision(actor: Any, allocation: Allocation, *, now: dt.datetime | None = None) -> Allocation:
    """Create the account + QOS with the hard budget. Never by the person who approved the grant."""
    actor = require(actor, Role.PROGRAMME_OFFICER, Role.ADMIN, object_id=allocation.application_id)
    app = allocation.application
    if actor.user is not None and app.decided_by_id == actor.user.pk:
        raise refuse(
            actor,
            Forbidden(
                "the person who approved a grant may not provision it (separation of duties)",
                code="separation_of_duties",
            ),
            TARGET,
            app.pk,
        )
    if allocation.provisioned_at is not None:
        raise refuse(
            actor, Conflict(f"{allocation.account} is already provisioned", code="already_provisioned"), TARGET, app.pk
        )
    tres = tres_for(allocation.tf_months)
    moment = now_or(now)
    try:
        backend().ensure_account(
            allocation.account,
            description=f"{app.reference} {app.organisation.brn}",
            qos=allocation.account,
            tres_minutes=tres,
        )
    except Exception as exc:  # the backend's own errors (unavailable, refused names) reach the officer
        raise refuse(
            actor, Unavailable(f"the compute backend refused: {exc}", code="backend_error"), TARGET, app.pk
        ) from exc
    with transaction.atomic():
        start = moment.astimezone(SEOUL).date()
        allocation.tres_minutes = tres
        allocation.starts_on = start
        allocation.ends_on = start + dt.timedelta(days=DAYS_PER_MONTH * app.track.months)
        allocation.provisioned_at, allocation.provisioned_by = moment, actor.user
        allocation.save()
        chain.append(
            "provisioned",
            app.reference,
            actor,
            account=allocation.account,
            tres_minutes=tres,
            ends_on=allocation.ends_on.isoformat(),
        )
        audit(actor, AuditAction.PROGRAMMES_PROVISION, TARGET, app.pk, account=allocation.account, tres=tres)
        mail(
            [app.applicant.email],
            f"[epiaid] {app.reference}: account {allocation.account} ready",
            f"Your compute account {allocation.account} is ready until {allocation.ends_on}: {tres}.\n",
        )
    return allocation


def active() -> Any:
    return Allocation.objects.filter(provisioned_at__isnull=False, closed_at__isnull=True)


def sync_usage(actor: Any = None, *, now: dt.datetime | None = None) -> int:
    """Read every open account's used TRES-minutes from the backend and store it (the one-minute schedule)."""
    actor = require(actor or SYSTEM, Role.PROGRAMME_OFFICER, target="programmes.usage")
    moment = now_or(now)
    rows = list(active())
    if not rows:
        return 0
    used = backend().usage([a.account for a in rows])
    for alloc in rows:
        value = {k: int(v) for k, v in used.get(alloc.account, {}).items()}
        if value != alloc.used or alloc.usage_synced_at is None:
            UsageSample.objects.create(allocation=alloc, taken_at=moment, used=value)
        Allocation.objects.filter(pk=alloc.pk).update(used=value, usage_synced_at=moment)
    audit(actor, AuditAction.PROGRAMMES_USAGE_SYNC, "programmes.usage", None, accounts=len(rows))
    return len(rows)


def used_fraction(alloc: Allocation) -> float:
    budget = sum(alloc.tres_minutes.values()) or 1
    return sum(int(v) for k, v in alloc.used.items() if k in alloc.tres_minutes) / budget


def rightsize(actor: Any = None, *, today: dt.date | None = None) -> list[RightSizing]:
    """Monthly: compare the share used with the share of time gone; suggest shrink / keep / extend."""
    actor = require(actor or SYSTEM, Role.PROGRAMME_OFFICER, target="programmes.usage")
    day = today or timezone.now().astimezone(SEOUL).date()
    month = day.replace(day=1)
    out = []
    for alloc in active().select_related("application"):
        assert alloc.starts_on and alloc.ends_on
        length = max((alloc.ends_on - alloc.starts_on).days, 1)
        elapsed = min(max((day - alloc.starts_on).days / length, 0.0), 1.0)
        used = used_fraction(alloc)
        if elapsed >= 0.25 and used < 0.5 * elapsed:
            kind, text = "shrink", f"used {used:.0%} with {elapsed:.0%} of the time gone: release part of it"
        elif used > 0.9 and elapsed < 0.9:
            kind, text = (
                "extend",
                f"used {used:.0%} with only {elapsed:.0%} of the time gone: an extension may be needed",
            )
        else:
            kind, text = "keep", f"used {used:.0%} with {elapsed:.0%} of the time gone"
        suggestion, _ = RightSizing.objects.update_or_create(
            allocation=alloc,
            month=month,
            defaults={"used_fraction": used, "elapsed_fraction": elapsed, "suggestion": kind, "text": text},
        )
        out.append(suggestion)
    audit(actor, AuditAction.PROGRAMMES_RIGHTSIZE, "programmes.usage", None, allocations=len(out))
    return out


def expire_and_remind(actor: Any = None, *, today: dt.date | None = None) -> dict[str, list[str]]:
    """Daily: remind a week before an allocation's end and before a report is due; at the end close the
    account (usage stops) and record it."""
    actor = require(actor or SYSTEM, Role.PROGRAMME_OFFICER, target="programmes.usage")
    day = today or timezone.now().astimezone(SEOUL).date()
    reminded, closed = [], []
    for alloc in active().select_related("application", "application__applicant"):
        assert alloc.ends_on
        app = alloc.application
        if alloc.ends_on <= day:
            backend().close(alloc.account)
            with transaction.atomic():
                alloc.closed_at = timezone.now()
                alloc.save(update_fields=["closed_at"])
                chain.append("expired", app.reference, actor, account=alloc.account, used=alloc.used)
                audit(actor, AuditAction.PROGRAMMES_EXPIRE, TARGET, app.pk, account=alloc.account)
            closed.append(alloc.account)
        elif alloc.reminded_at is None and (alloc.ends_on - day).days <= REMIND_DAYS_BEFORE_END:
            alloc.reminded_at = timezone.now()
            alloc.save(update_fields=["reminded_at"])
            mail(
                [app.applicant.email],
                f"[epiaid] {app.reference}: allocation ends {alloc.ends_on}",
                f"Account {alloc.account} ends on {alloc.ends_on} ({used_fraction(alloc):.0%} used). "
                "Extensions can be requested from the application page.\n",
            )
            reminded.append(alloc.account)
    reports = []
    due_soon = ReportObligation.objects.filter(
        submitted_at__isnull=True, reminded_at__isnull=True, due_on__lte=day + dt.timedelta(days=REMIND_DAYS_BEFORE_END)
    ).select_related("application", "application__applicant", "application__organisation")
    for obligation in due_soon:
        obligation.reminded_at = timezone.now()
        obligation.save(update_fields=["reminded_at"])
        app = obligation.application
        mail(
            [app.applicant.email, app.organisation.contact_email],
            f"[epiaid] {app.reference}: {obligation.title} due {obligation.due_on}",
            f"{app.reference}: 보고서 제출 기한 {obligation.due_on}. "
            f"The {obligation.title.lower()} is due on {obligation.due_on}; submit it from the application page.\n",
        )
        reports.append(app.reference)
    if reminded or closed or reports:
        audit(
            actor,
            AuditAction.PROGRAMMES_EXPIRE,
            "programmes.usage",
            None,
            reminded=reminded,
            closed=closed,
            reports=reports,
        )
    return {"reminded": reminded, "closed": closed, "reports": reports}


def decide_extension(actor: Any, extension: ExtensionRequest, *, approve: bool, reasons: str) -> ExtensionRequest:
    """An officer grants more months: the budget is committed and the backend limit raised, or refused."""
    actor = require(actor, Role.PROGRAMME_OFFICER, object_id=extension.application_id)
    app = extension.application
    try:
        with transaction.atomic():
            ext = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
            if ext.status != ExtensionRequest.Status.PENDING:
                raise Conflict("this extension request is already decided", code="already_decided")
            ext.status, ext.decided_by = ("approved" if approve else "rejected"), actor.user
            ext.save(update_fields=["status", "decided_by"])
            if approve:
                alloc = Allocation.objects.select_for_update().get(application=app)
                extra = app.requested_tf * ext.months
                ledger.commit(app, type(alloc.tf_months)(extra), actor, note=f"extension {ext.pk}")
                alloc.tf_months += extra
                if alloc.ends_on:
                    alloc.ends_on += dt.timedelta(days=DAYS_PER_MONTH * ext.months)
                alloc.tres_minutes = tres_for(alloc.tf_months)
                alloc.save(update_fields=["tf_months", "ends_on", "tres_minutes"])
                Application.objects.filter(pk=app.pk).update(granted=alloc.tf_months)
                if alloc.provisioned_at is not None:
                    backend().set_limit(alloc.account, alloc.tres_minutes)
            chain.append("extension_" + ext.status, app.reference, actor, months=ext.months, reasons=reasons)
            audit(actor, AuditAction.PROGRAMMES_EXTEND, TARGET, app.pk, approve=approve, extension=ext.pk)
    except Conflict as exc:
        raise refuse(actor, exc, TARGET, app.pk) from exc
    return ext
