"""Staff reads of personal data (cases, all visits) and file imports: checked and audited here.

Health staff and investigators read; only health staff import. The API and the pages call these
and never check or audit on their own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator

from epiaid.core.access import require
from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, event
from epiaid.core.errors import BadInput, NotFound
from epiaid.core.korean import province_en
from epiaid.core.roles import Role
from epiaid.situation.models import Case
from epiaid.situation.services.importers import IMPORTERS, ImportFileError, ImportReport
from epiaid.situation.services.queries import MAX_LIMIT, VisitFilter, case_dict, visit_page

READERS = (Role.HEALTH_STAFF, Role.INVESTIGATOR)
WRITERS = (Role.HEALTH_STAFF,)


def visits(
    actor: Actor | Any, flt: VisitFilter, *, limit: int, offset: int, include_undisclosed: bool = True
) -> dict[str, Any]:
    """Every visit with its case number, disclosed or not (audited with the count shown)."""
    actor = require(actor, *READERS, target="situation.visit")
    page = visit_page(flt, limit=limit, offset=offset, staff=True, include_undisclosed=include_undisclosed)
    event(actor, AuditAction.LIST, "situation.visit", detail={"count": len(page["results"]), "case": flt.case})
    return page


def cases(
    actor: Actor | Any,
    *,
    region: str | None = None,
    confirmed_from: date | None = None,
    confirmed_to: date | None = None,
    limit: int = 500,
    offset: int = 0,
) -> dict[str, Any]:
    actor = require(actor, *READERS, target="situation.case")
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise BadInput(f"limit must be 1..{MAX_LIMIT} and offset ≥ 0", code="bad_page")
    rows = Case.objects.select_related("cluster")
    if region:
        rows = rows.filter(province=province_en(region) or region)
    if confirmed_from:
        rows = rows.filter(confirmed_date__gte=confirmed_from)
    if confirmed_to:
        rows = rows.filter(confirmed_date__lte=confirmed_to)
    page = [case_dict(c) for c in rows[offset : offset + limit]]
    event(actor, AuditAction.LIST, "situation.case", detail={"count": len(page)})
    return {"count": rows.count(), "limit": limit, "offset": offset, "results": page}


def case_list_page(actor: Actor | Any, *, q: str = "", page: Any = None) -> Page[Case]:
    """The staff page's paginated case list (50 a page, newest first), audited with the page asked."""
    actor = require(actor, *READERS, target="situation.case")
    rows = Case.objects.order_by("-confirmed_date", "number")
    if q:
        rows = rows.filter(number__icontains=q)
    shown = Paginator(rows, 50).get_page(page)
    event(actor, AuditAction.LIST, "situation.case", detail={"page": shown.number, "q": q})
    return shown


def case(actor: Actor | Any, number: str) -> Case:
    """One case with its visits (audited); an unknown number is 404."""
    actor = require(actor, *READERS, target="situation.case", object_id=number)
    found = Case.objects.select_related("cluster").filter(number=number).first()
    if found is None:
        raise NotFound(f"unknown case {number!r}", code="unknown_case")
    event(actor, AuditAction.VIEW, "situation.case", object_id=number)
    return found


def import_file(actor: Actor | Any, kind: str, name: str, data: bytes) -> ImportReport:
    """Import one file of a known kind; idempotent, with a per-row report. Audited either way."""
    actor = require(actor, *WRITERS, target=f"situation.{kind}")
    if kind not in IMPORTERS:
        raise BadInput(f"unknown import kind {kind!r} (one of {', '.join(IMPORTERS)})", code="unknown_kind")
    try:
        report = IMPORTERS[kind](data)
    except ImportFileError as exc:
        event(actor, AuditAction.IMPORT, f"situation.{kind}", detail={"error": str(exc), "file": name})
        raise BadInput(f"{name}: {exc}", code="unreadable_file") from exc
    summary = {k: v for k, v in report.as_dict().items() if k != "rejected"}
    event(
        actor,
        AuditAction.IMPORT,
        f"situation.{kind}",
        detail={"file": name, **summary, "rejected": len(report.rejected)},
    )
    return report
