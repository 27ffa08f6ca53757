"""Who may do what in the care call: health staff run the roster; the assigned officer sees the phone."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, record
from epiaid.core.errors import Forbidden
from epiaid.core.roles import Role, has_role

SYSTEM = Actor.system("carecall")
TARGET = "carecall.person"


def actor_of(who: Any) -> Actor:
    return Actor.of(who)


def is_staff(actor: Actor) -> bool:
    return actor.is_system or (actor.user is not None and has_role(actor.user, Role.HEALTH_STAFF))


def require_staff(who: Any, what: str, request: HttpRequest | None = None) -> Actor:
    """Health staff (or the platform itself); anyone else is refused, and the refusal audited."""
    actor = actor_of(who)
    if is_staff(actor):
        return actor
    record(request, AuditAction.DENIED, what, actor=actor, detail={"needs": [Role.HEALTH_STAFF.value]})
    raise Forbidden("only health-centre staff may do this", code="not_health_staff")


def is_officer(actor: Actor, person: Any) -> bool:
    return actor.user is not None and person.officer_id is not None and actor.user.pk == person.officer_id


def require_officer(who: Any, person: Any, what: str, request: HttpRequest | None = None) -> Actor:
    """The person's assigned officer only (not other staff, not admins): for revealing the phone."""
    actor = actor_of(who)
    if is_officer(actor, person):
        return actor
    record(request, AuditAction.DENIED, what, object_id=person.pk, actor=actor, detail={"needs": "assigned officer"})
    raise Forbidden("only the person's assigned officer may see the phone number", code="not_assigned")
