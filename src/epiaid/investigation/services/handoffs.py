"""Hand-offs to other capabilities through their public services: the situation map, the care call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest

from epiaid.core.actors import Actor
from epiaid.core.audit import record
from epiaid.investigation.models import (
    Investigation,
)
from epiaid.investigation.services.analysis import (
    case_contacts,
    case_staypoints,
)
from epiaid.investigation.services.common import (
    TARGET,
    BadInput,
    NotReady,
    _refuse,
)

# --- hand-offs to other capabilities -------------------------------------------------------------


def publish_visits(
    actor: Any,
    inv: Investigation,
    indices: list[int],
    names: dict[int, str] | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Send selected staypoints to the situation map, which applies its disclosure policy."""
    stays = case_staypoints(actor, inv, request, audit=False)
    chosen = [s for s in stays if s["index"] in set(indices)]
    if len(chosen) != len(set(indices)):
        raise _refuse(
            BadInput,
            f"unknown staypoint index in {sorted(set(indices))}; there are {len(stays)}",
            actor=actor,
            request=request,
            target="visits",
            object_id=inv.pk,
        )
    try:
        from epiaid.situation.services import EditError
        from epiaid.situation.services import publish_visits as situation_publish
    except ImportError as exc:
        raise _refuse(
            NotReady,
            "the situation map is not available to publish to",
            actor=actor,
            request=request,
            target="visits",
            object_id=inv.pk,
        ) from exc
    visits = [
        {
            "place_name": (names or {}).get(s["index"], f"방문 장소 {s['index'] + 1}"),
            "lat": s["lat"],
            "lng": s["lon"],
            "date": dt.datetime.fromisoformat(s["start"]).date(),
            "start": dt.datetime.fromisoformat(s["start"]),
            "end": dt.datetime.fromisoformat(s["end"]),
            "category": "",
            "address": "",
        }
        for s in chosen
    ]
    try:
        who = Actor.from_request(request, actor) if request is not None else Actor.of(actor)
        count = int(situation_publish(inv.case_number, visits, actor=who))
    except EditError as exc:
        raise _refuse(
            BadInput,
            f"the situation map refused the visits: {exc}",
            actor=actor,
            request=request,
            target="visits",
            object_id=inv.pk,
        ) from exc
    record(
        request,
        "publish",
        f"{TARGET}.visits",
        object_id=inv.pk,
        actor=actor,
        detail={"selected": len(chosen), "published": count},
    )
    return count


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
