"""Opening an investigation and who may see it; data requests and the approver's decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from epiaid.core.audit import record
from epiaid.core.roles import Role, has_role
from epiaid.investigation.models import (
    APPROVER_OF,
    ApproverAuthority,
    DataRequest,
    Investigation,
    Source,
)
from epiaid.investigation.services.common import (
    KST,
    LOOKBACK_DAYS,
    RETENTION_DAYS,
    TARGET,
    BadInput,
    Forbidden,
    NotReady,
    WorkflowError,
    _refuse,
    default_window,
)

#: The shortest statement of a subject link's basis that can say where the pseudonym came from.
MIN_BASIS_CHARS = 10

# --- opening and access ---------------------------------------------------------------------------


def case_exists(case_number: str) -> bool | None:
    """Whether the situation map knows the case; ``None`` when that capability is not installed."""
    try:
        from epiaid.situation.services import case_exists as situation_case_exists
    except ImportError:
        return None
    return bool(situation_case_exists(case_number))


def open_investigation(
    actor: Any,
    *,
    case_number: str,
    subject_pid: str,
    symptom_onset: dt.date,
    isolation_date: dt.date,
    subject_basis: str,
    investigators: Iterable[Any] = (),
    title: str = "",
    request: HttpRequest | None = None,
) -> Investigation:
    """Open an investigation of a case for its subject (the case's pseudonym in provider data).

    ``subject_basis`` states why that pseudonym is the case's (e.g. "subject's own phone number per
    case interview"); with the opener and the time it is the case's recorded link to the subject, which
    approvers and providers see on every request.
    """
    if not has_role(actor, Role.INVESTIGATOR):
        raise _refuse(
            Forbidden, "only investigators open investigations", actor=actor, request=request, target="investigation"
        )
    if isolation_date < symptom_onset - dt.timedelta(days=LOOKBACK_DAYS):
        raise _refuse(
            BadInput,
            "isolation_date is more than 14 days before symptom onset",
            actor=actor,
            request=request,
            target="investigation",
        )
    if not subject_pid.strip():
        raise _refuse(
            BadInput,
            "subject_pid (the case's pseudonymous id in provider data) is required",
            actor=actor,
            request=request,
            target="investigation",
        )
    if len(subject_basis.strip()) < MIN_BASIS_CHARS:
        raise _refuse(
            BadInput,
            "state the basis of the link between the case and subject_pid (at least "
            f'{MIN_BASIS_CHARS} characters, e.g. "subject\'s own phone number per case interview")',
            actor=actor,
            request=request,
            target="investigation",
            subject_pid=subject_pid.strip(),
        )
    if case_exists(case_number) is False:
        raise _refuse(
            BadInput,
            f"case {case_number!r} does not exist on the situation map",
            actor=actor,
            request=request,
            target="investigation",
        )
    retention = dt.datetime.combine(isolation_date + dt.timedelta(days=RETENTION_DAYS), dt.time(0), tzinfo=KST)
    with transaction.atomic():
        inv = Investigation.objects.create(
            case_number=case_number.strip(),
            subject_pid=subject_pid.strip(),
            title=title,
            symptom_onset=symptom_onset,
            isolation_date=isolation_date,
            created_by=actor,
            retention_until=retention,
            subject_basis=subject_basis.strip(),
            subject_asserted_by=actor,
            subject_asserted_at=timezone.now(),
        )
        inv.investigators.add(actor, *investigators)
    record(
        request,
        "create",
        f"{TARGET}.investigation",
        object_id=inv.pk,
        actor=actor,
        detail={"case_number": inv.case_number, "subject_pid": inv.subject_pid, "subject_basis": inv.subject_basis},
    )
    return inv


def is_assigned(actor: Any, inv: Investigation) -> bool:
    return bool(has_role(actor, Role.INVESTIGATOR) and inv.investigators.filter(pk=actor.pk).exists())


def get_for_investigator(actor: Any, inv_id: int, request: HttpRequest | None = None) -> Investigation:
    """Purpose binding: only the investigators assigned to an investigation see anything of it."""
    inv = Investigation.objects.filter(pk=inv_id).first()
    if inv is None or not is_assigned(actor, inv):
        raise _refuse(
            Forbidden,
            "not assigned to this investigation",
            actor=actor,
            request=request,
            target="investigation",
            object_id=inv_id,
        )
    return inv


def investigations_of(actor: Any) -> list[Investigation]:
    if not has_role(actor, Role.INVESTIGATOR):
        return []
    return list(Investigation.objects.filter(investigators=actor).order_by("-created_at"))


# --- requests and approvals ----------------------------------------------------------------------


def request_data(
    actor: Any,
    inv: Investigation,
    *,
    source: str,
    provider: str,
    legal_purpose: str,
    scope: str = DataRequest.Scope.SUBJECT,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> DataRequest:
    if not is_assigned(actor, inv):
        raise _refuse(
            Forbidden,
            "not assigned to this investigation",
            actor=actor,
            request=request,
            target="request",
            object_id=inv.pk,
        )
    if inv.purged_at:
        raise _refuse(
            NotReady,
            "the investigation's data was deleted at its retention deadline",
            actor=actor,
            request=request,
            target="request",
            object_id=inv.pk,
        )

    def refused(message: str) -> WorkflowError:
        return _refuse(BadInput, message, actor=actor, request=request, target="request", object_id=inv.pk)

    if source not in Source.values:
        raise refused(f"source must be one of {', '.join(Source.values)}, got {source!r}")
    if scope not in DataRequest.Scope.values:
        raise refused(f"scope must be one of {', '.join(DataRequest.Scope.values)}, got {scope!r}")
    if len(legal_purpose.strip()) < 10:
        raise refused(
            "state the legal purpose (at least 10 characters, e.g. the article of the Infectious "
            "Disease Control and Prevention Act relied on)"
        )
    if not provider.strip():
        raise refused("provider (the carrier, card company or QR operator asked) is required")
    lo, hi = default_window(inv)
    start, end = window_start or lo, window_end or hi
    if start.tzinfo is None or end.tzinfo is None:
        raise refused("window_start/window_end need a time zone (e.g. +09:00)")
    if start < lo or end > hi or start >= end:
        raise _refuse(
            BadInput,
            f"the window must lie within {lo.isoformat()} … {hi.isoformat()} "
            "(14 days before symptom onset until isolation)",
            actor=actor,
            request=request,
            target="request",
            object_id=inv.pk,
            start=start.isoformat(),
            end=end.isoformat(),
        )
    req = DataRequest.objects.create(
        investigation=inv,
        source=source,
        scope=scope,
        provider=provider.strip(),
        legal_purpose=legal_purpose.strip(),
        window_start=start,
        window_end=end,
        requested_by=actor,
        subject_pid=inv.subject_pid,
    )
    record(
        request,
        "create",
        f"{TARGET}.request",
        object_id=req.pk,
        actor=actor,
        detail={
            "investigation": inv.pk,
            "source": source,
            "scope": scope,
            "provider": req.provider,
            "subject_pid": req.subject_pid,
        },
    )
    return req


def authorities_of(actor: Any) -> set[str]:
    if not has_role(actor, Role.APPROVER) or not getattr(actor, "is_authenticated", False):
        return set()
    return set(ApproverAuthority.objects.filter(user=actor).values_list("authority", flat=True))


def involvement(actor: Any, inv: Investigation) -> str:
    """How ``actor`` takes part in ``inv`` (opened it, assigned to it, filed a request of it), or ""."""
    pk = getattr(actor, "pk", None)
    if pk is None:
        return ""
    if inv.created_by_id == pk:
        return "opened"
    if inv.investigators.filter(pk=pk).exists():
        return "is assigned to"
    if inv.requests.filter(requested_by_id=pk).exists():
        return "filed a request of"
    return ""


def pending_for_approver(actor: Any) -> list[DataRequest]:
    """Pending requests under the actor's authorities, less those of investigations they take part in."""
    auth = authorities_of(actor)
    sources = [s for s, a in APPROVER_OF.items() if a in auth]
    pending = (
        DataRequest.objects.filter(status=DataRequest.Status.PENDING, source__in=sources)
        .select_related("investigation", "investigation__subject_asserted_by")
        .order_by("requested_at")
    )
    return [r for r in pending if not involvement(actor, r.investigation)]


def decide(
    actor: Any, req: DataRequest, *, approve: bool, reason: str, request: HttpRequest | None = None
) -> DataRequest:
    """Approve or reject; only an approver holding the source's authority may, and only once."""
    if req.authority not in authorities_of(actor):
        raise _refuse(
            Forbidden,
            f"approving {req.source} requests needs the {req.authority} authority",
            actor=actor,
            request=request,
            target="request",
            object_id=req.pk,
        )
    role_in_case = "filed" if req.requested_by_id == actor.pk else involvement(actor, req.investigation)
    if role_in_case:
        raise _refuse(
            Forbidden,
            "separation of duties: nobody approves their own request"
            if role_in_case == "filed"
            else f"separation of duties: you {role_in_case} investigation #{req.investigation_id}, "
            "so you may not approve its requests",
            actor=actor,
            request=request,
            target="request",
            object_id=req.pk,
            code="separation_of_duties",
        )
    inv = req.investigation
    if req.subject_pid != inv.subject_pid:
        raise _refuse(
            NotReady,
            f"the request is for subject {req.subject_pid!r} but investigation #{inv.pk}'s subject is now "
            f"{inv.subject_pid!r}; file a new request",
            actor=actor,
            request=request,
            target="request",
            object_id=req.pk,
        )
    if req.status != DataRequest.Status.PENDING:
        raise _refuse(
            NotReady,
            f"request is already {req.status}",
            actor=actor,
            request=request,
            target="request",
            object_id=req.pk,
        )
    if not reason.strip():
        raise _refuse(
            BadInput,
            "a reason is required for the decision record",
            actor=actor,
            request=request,
            target="request",
            object_id=req.pk,
        )
    req.status = DataRequest.Status.APPROVED if approve else DataRequest.Status.REJECTED
    req.decided_by, req.decided_at, req.decision_reason = actor, timezone.now(), reason.strip()
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record(
        request,
        "approve" if approve else "reject",
        f"{TARGET}.request",
        object_id=req.pk,
        actor=actor,
        detail={
            "reason": req.decision_reason,
            "investigation": inv.pk,
            "case_number": inv.case_number,
            "subject_pid": req.subject_pid,
            "subject_basis": inv.subject_basis,
            "scope": req.scope,
            "source": req.source,
            "window": [req.window_start.isoformat(), req.window_end.isoformat()],
        },
    )
    return req


# --- what the API and pages list and open (audited here, never by the caller) ---------------------


def investigator_accounts(actor: Any, usernames: Iterable[str], request: HttpRequest | None = None) -> list[Any]:
    """The accounts named as co-investigators; an unknown name is refused (audited), not dropped."""
    from django.contrib.auth import get_user_model

    wanted = list(usernames)
    users = list(get_user_model().objects.filter(username__in=wanted))
    missing = set(wanted) - {u.get_username() for u in users}
    if missing:
        raise _refuse(
            BadInput,
            f"unknown investigators: {', '.join(sorted(missing))}",
            actor=actor,
            request=request,
            target="investigation",
        )
    return users


def list_investigations(actor: Any, request: HttpRequest | None = None) -> list[Investigation]:
    items = investigations_of(actor)
    record(request, "list", f"{TARGET}.investigation", actor=actor, detail={"count": len(items)})
    return items


def view_investigation(
    actor: Any, inv_id: int, request: HttpRequest | None = None, *, what: str = "investigation"
) -> Investigation:
    """An assigned investigator opens one investigation (``what``: the record, or its console page)."""
    inv = get_for_investigator(actor, inv_id, request)
    record(request, "view", f"{TARGET}.{what}", object_id=inv.pk, actor=actor)
    return inv


def approvals_for(actor: Any, request: HttpRequest | None = None) -> list[DataRequest]:
    items = pending_for_approver(actor)
    record(request, "list", f"{TARGET}.request", actor=actor, detail={"pending": len(items)})
    return items


def work_list(actor: Any, request: HttpRequest | None = None) -> tuple[list[Investigation], list[DataRequest]]:
    """The staff page's two lists, the investigations assigned and the approvals waiting, in one audit event."""
    investigations = investigations_of(actor)
    approvals = pending_for_approver(actor)
    record(
        request,
        "list",
        f"{TARGET}.index",
        actor=actor,
        detail={"investigations": len(investigations), "approvals": len(approvals)},
    )
    return investigations, approvals


def request_by_id(req_id: int) -> DataRequest:
    from epiaid.core.errors import NotFound

    req = DataRequest.objects.select_related("investigation").filter(pk=req_id).first()
    if req is None:
        raise NotFound(f"request {req_id} does not exist", code="unknown_request")
    return req
