"""Who may do what in the chatbot: staff (``health_staff``) curate and answer; the public side is a system actor."""

from __future__ import annotations

from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, record
from epiaid.core.errors import Forbidden
from epiaid.core.roles import Role, has_role

STAFF_ROLES = (Role.HEALTH_STAFF,)


def is_staff(actor: Actor) -> bool:
    return actor.kind in {"user", "token"} and actor.user is not None and has_role(actor.user, *STAFF_ROLES)


def require_staff(actor: Actor, what: str) -> None:
    """Refuse (and audit the refusal) unless the actor is a signed-in person holding a staff role."""
    actor = Actor.of(actor)
    if is_staff(actor):
        return
    record(None, AuditAction.DENIED, what, detail={"needs": [str(r) for r in STAFF_ROLES]}, actor=actor)
    raise Forbidden(f"requires the role {', '.join(str(r) for r in STAFF_ROLES)}", code="not_staff")


def require_system(actor: Actor) -> None:
    """The public side acts as ``system:chatbot`` (a webhook, the widget's API)."""
    if not Actor.of(actor).is_system:
        raise Forbidden("the public conversation runs as the chatbot's system actor", code="not_system")
