"""The one permission check services make: role, then (in the service) the object.

A refusal is audited before it is raised, so the log shows what was tried, by whom, from where.
System actors (``system:scheduler``, ``system:carecall`` …) are platform code acting on its own
behalf and pass role checks; what they may touch is decided by the service that names them.
"""

from __future__ import annotations

from typing import Any

from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, event
from epiaid.core.errors import Forbidden, Unauthenticated
from epiaid.core.roles import Role, has_role


def holds(actor: Actor, *roles: Role | str) -> bool:
    """Whether the actor holds any of ``roles`` (admin holds every role; system actors pass)."""
    return actor.is_system or (actor.is_authenticated and has_role(actor.user, *roles))


def require(actor: Actor | Any, *roles: Role | str, target: str, object_id: Any = None) -> Actor:
    """Return the actor if it holds one of ``roles``; otherwise audit the refusal and raise 401/403."""
    actor = Actor.of(actor)
    if holds(actor, *roles):
        return actor
    needs = [str(r) for r in roles]
    event(actor, AuditAction.DENIED, target, object_id=object_id, detail={"needs": needs})
    if not actor.is_authenticated and actor.kind != "seller":
        raise Unauthenticated("sign in first", code="unauthenticated")
    raise Forbidden(f"requires one of the roles: {', '.join(needs)}", code="missing_role")


def refuse(
    actor: Actor,
    error: type[Exception] | Exception,
    message: str = "",
    *,
    target: str,
    object_id: Any = None,
    **detail: Any,
) -> Exception:
    """Audit a refused step and return the error for the caller to raise (``raise refuse(...)``)."""
    exc = error(message) if isinstance(error, type) else error
    event(actor, AuditAction.REFUSED, target, object_id=object_id, detail={"reason": str(exc), **detail})
    return exc
