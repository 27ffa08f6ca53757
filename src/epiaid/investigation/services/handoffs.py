"""Hand-offs to other capabilities through their public services: the situation map, the care call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from epiaid.core.actors import Actor
from epiaid.core.audit import record
from epiaid.core.errors import NotFound
from epiaid.core.roles import Role, has_role
from epiaid.investigation.models import (
    Investigation,
    Publication,
)
from epiaid.investigation.services.analysis import (
    case_contacts,
    case_staypoints,
)
from epiaid.investigation.services.common import (
    TARGET,
    BadInput,
    Forbidden,
    NotReady,
    _refuse,
)

# --- hand-offs to other capabilities -------------------------------------------------------------


def _reviewable(actor: Any, pub: Publication, request: HttpRequest | None) -> None:
    """Health staff review; nobody who takes part in the investigation reviews its publications."""
    from epiaid.investigation.services.workflow import involvement

    if not has_role(actor, Role.HEALTH_STAFF):
        raise _refuse(
            Forbidden,
            "only health staff review publications to the public map",
            actor=actor,
            request=request,
            target="publication",
            object_id=pub.pk,
        )
    role_in_case = (
        "proposed this publication of" if pub.requested_by_id == actor.pk else involvement(actor, pub.investigation)
    )
    if role_in_case:
        raise _refuse(
            Forbidden,
            f"separation of duties: you {role_in_case} investigation #{pub.investigation_id}, "
            "so you may not review its publications",
            actor=actor,
            request=request,
            target="publication",
            object_id=pub.pk,
            code="separation_of_duties",
        )


def publish_visits(
    actor: Any,
    inv: Investigation,
    indices: list[int],
    names: dict[int, str] | None = None,
    request: HttpRequest | None = None,
) -> Publication:
    """Propose selected staypoints for the public map: a pending publication for health staff's review.

    Nothing reaches the situation map until health staff accept it (:func:`review_publication`).
    """
    stays = case_staypoints(actor, inv, request, audit=False)
    chosen = [s for s in stays if s["index"] in set(indices)]
    if not indices or len(chosen) != len(set(indices)):
        raise _refuse(
            BadInput,
            f"unknown staypoint index in {sorted(set(indices))}; there are {len(stays)}",
            actor=actor,
            request=request,
            target="visits",
            object_id=inv.pk,
        )
    proposed = [
        {
            "index": s["index"],
            "place_name": ((names or {}).get(s["index"]) or f"방문 장소 {s['index'] + 1}").strip(),
            "lat": s["lat"],
            "lng": s["lon"],
            "start": s["start"],
            "end": s["end"],
        }
        for s in chosen
    ]
    pub = Publication.objects.create(investigation=inv, stays=proposed, requested_by=actor)
    record(
        request,
        "create",
        f"{TARGET}.publication",
        object_id=pub.pk,
        actor=actor,
        detail={"investigation": inv.pk, "case_number": inv.case_number, "stays": len(proposed)},
    )
    return pub


def publications_of(actor: Any, inv: Investigation, request: HttpRequest | None = None) -> list[Publication]:
    """An assigned investigator sees the state of the investigation's publications."""
    from epiaid.investigation.services.workflow import get_for_investigator

    inv = get_for_investigator(actor, inv.pk, request)
    items = list(inv.publications.select_related("requested_by", "reviewed_by"))
    record(request, "list", f"{TARGET}.publication", object_id=inv.pk, actor=actor, detail={"count": len(items)})
    return items


def publications_for_review(actor: Any, request: HttpRequest | None = None) -> list[Publication]:
    """Health staff's queue: pending publications of investigations they take no part in."""
    from epiaid.investigation.services.workflow import involvement

    if not has_role(actor, Role.HEALTH_STAFF):
        raise _refuse(
            Forbidden,
            "only health staff review publications to the public map",
            actor=actor,
            request=request,
            target="publication",
        )
    pending = Publication.objects.filter(status=Publication.Status.PENDING).select_related(
        "investigation", "requested_by"
    )
    items = [
        p
        for p in pending.order_by("requested_at")
        if p.requested_by_id != actor.pk and not involvement(actor, p.investigation)
    ]
    record(request, "list", f"{TARGET}.publication", actor=actor, detail={"pending": len(items)})
    return items


def publication_by_id(pub_id: int) -> Publication:
    pub = Publication.objects.select_related("investigation").filter(pk=pub_id).first()
    if pub is None:
        raise NotFound(f"publication {pub_id} does not exist", code="unknown_publication")
    return pub


def review_publication(
    actor: Any, pub: Publication, *, accept: bool, reason: str = "", request: HttpRequest | None = None
) -> Publication:
    """Health staff accept (publish to the map, as source "investigation") or refuse, once, with a reason."""
    _reviewable(actor, pub, request)
    inv = pub.investigation
    if pub.status != Publication.Status.PENDING:
        raise _refuse(
            NotReady,
            f"publication is already {pub.status}",
            actor=actor,
            request=request,
            target="publication",
            object_id=pub.pk,
        )
    if not accept and len(reason.strip()) < 3:
        raise _refuse(
            BadInput,
            "a reason is required to refuse a publication",
            actor=actor,
            request=request,
            target="publication",
            object_id=pub.pk,
        )
    if inv.purged_at:
        raise _refuse(
            NotReady,
            "the investigation's data was deleted at its retention deadline",
            actor=actor,
            request=request,
            target="publication",
            object_id=pub.pk,
        )
    count = 0
    if accept:
        try:
            from epiaid.situation.services import EditError
            from epiaid.situation.services import publish_visits as situation_publish
        except ImportError as exc:
            raise _refuse(
                NotReady,
                "the situation map is not available to publish to",
                actor=actor,
                request=request,
                target="publication",
                object_id=pub.pk,
            ) from exc
        visits = [
            {
                "place_name": s["place_name"],
                "lat": s["lat"],
                "lng": s["lng"],
                "date": dt.datetime.fromisoformat(s["start"]).date(),
                "start": dt.datetime.fromisoformat(s["start"]),
                "end": dt.datetime.fromisoformat(s["end"]),
                "category": "",
                "address": "",
            }
            for s in pub.stays
        ]
        try:
            who = Actor.from_request(request, actor) if request is not None else Actor.of(actor)
            with transaction.atomic():
                count = int(situation_publish(inv.case_number, visits, actor=who))
                pub.published = count
                _decided(pub, actor, Publication.Status.ACCEPTED, reason)
        except EditError as exc:
            raise _refuse(
                BadInput,
                f"the situation map refused the visits: {exc}",
                actor=actor,
                request=request,
                target="publication",
                object_id=pub.pk,
            ) from exc
    else:
        _decided(pub, actor, Publication.Status.REFUSED, reason)
    record(
        request,
        "approve" if accept else "reject",
        f"{TARGET}.publication",
        object_id=pub.pk,
        actor=actor,
        detail={
            "investigation": inv.pk,
            "case_number": inv.case_number,
            "stays": len(pub.stays),
            "published": count,
            "reason": pub.review_reason,
        },
    )
    if accept:
        record(
            request,
            "publish",
            f"{TARGET}.visits",
            object_id=inv.pk,
            actor=actor,
            detail={"publication": pub.pk, "selected": len(pub.stays), "published": count},
        )
    return pub


def _decided(pub: Publication, actor: Any, status: str, reason: str) -> None:
    pub.status, pub.reviewed_by, pub.reviewed_at, pub.review_reason = status, actor, timezone.now(), reason.strip()
    pub.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason", "published"])


def _care_call() -> Any:
    """The care call's public enrolment service, or ``None`` where that capability is not installed."""
    from django.apps import apps

    if not apps.is_installed("epiaid.carecall"):
        return None
    from epiaid.carecall.services import enrol_from_investigation

    return enrol_from_investigation


def enrol_contacts(actor: Any, inv: Investigation, request: HttpRequest | None = None) -> dict[str, Any]:
    """Put the case's contacts on the care call's roster (awaiting their contact details there).

    Each contact goes with its last exposure, from which the care call counts the 14 days of monitoring.
    """
    rows = case_contacts(actor, inv, request=request)
    enrol = _care_call()
    if enrol is None:
        record(
            request,
            "enrol",
            f"{TARGET}.contacts",
            object_id=inv.pk,
            actor=actor,
            detail={"contacts": len(rows), "enrolled": 0, "reason": "care-call capability not installed"},
        )
        return {"enrolled": 0, "contacts": len(rows), "available": False}
    who = Actor.from_request(request, actor) if request is not None else Actor.of(actor)
    contacts = [{"contact_pid": r["contact_pid"], "last_contact": r["last"]} for r in rows]
    n = int(enrol(who, case_number=inv.case_number, contacts=contacts))
    record(request, "enrol", f"{TARGET}.contacts", object_id=inv.pk, actor=actor, detail={"enrolled": n})
    return {"enrolled": n, "contacts": len(rows), "available": True}
