"""What every programmes service shares: actors, role checks that audit their refusals, mail, the clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, record
from epiaid.core.errors import EpiaidError, Forbidden, Unauthenticated
from epiaid.core.roles import Role, has_role

SYSTEM = Actor.system("programmes")
TARGET = "programmes.application"

#: Who may read every record (the auditor reads, never writes).
STAFF_READERS = (Role.PROGRAMME_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR)


def actor_of(who: Any) -> Actor:
    return Actor.of(who)


def audit(actor: Actor, action: str, target: str = TARGET, object_id: Any = None, **detail: Any) -> None:
    record(None, action, target, object_id=object_id, detail=detail, actor=actor)


def holds(actor: Actor, *roles: Role) -> bool:
    if actor.is_system:
        return True
    return (
        actor.user is not None and bool(getattr(actor.user, "is_authenticated", False)) and has_role(actor.user, *roles)
    )


def require(actor: Any, *roles: Role, target: str = TARGET, object_id: Any = None) -> Actor:
    """The actor if it holds one of ``roles``; otherwise the refusal is audited and raised (401/403)."""
    actor = actor_of(actor)
    if holds(actor, *roles):
        return actor
    audit(actor, AuditAction.DENIED, target, object_id, needs=[str(r) for r in roles])
    if actor.user is None:
        raise Unauthenticated("sign in first")
    raise Forbidden(f"requires one of the roles: {', '.join(str(r) for r in roles)}", code="missing_role")


def refuse(actor: Actor, exc: EpiaidError, target: str = TARGET, object_id: Any = None, **detail: Any) -> EpiaidError:
    """Audit a refused step (outside any rolled-back transaction) and hand the error back to raise."""
    audit(
        actor,
        AuditAction.DENIED if isinstance(exc, Forbidden) else AuditAction.REFUSED,
        target,
        object_id,
        code=exc.code,
        reason=exc.message,
        **detail,
    )
    return exc


def now_or(moment: dt.datetime | None) -> dt.datetime:
    return moment or timezone.now()


def users_with(role: Role) -> list[Any]:
    return list(get_user_model().objects.filter(groups__name=role.value, is_active=True).exclude(email=""))


def mail(to: list[str], subject: str, body: str) -> None:
    """Send after the transaction commits, so a rolled-back step never mails anyone."""
    recipients = [a for a in to if a]
    if not recipients:
        return
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", "epiaid@localhost")

    def send() -> None:
        send_mail(subject, body, sender, recipients, fail_silently=True)

    transaction.on_commit(send)


def portal_roles(actor: Any) -> dict[str, bool]:
    """What the pages offer this actor (links and forms); every step is still checked by its service."""
    actor = actor_of(actor)

    def has(*roles: Role) -> bool:
        return actor.user is not None and holds(actor, *roles)

    return {
        "is_applicant": has(Role.APPLICANT),
        "is_reviewer": has(Role.REVIEWER),
        "is_staff_reader": has(*STAFF_READERS),
        "is_officer": has(Role.PROGRAMME_OFFICER),
        "is_finance": has(Role.FINANCE_OFFICER, Role.AUDITOR),
    }
