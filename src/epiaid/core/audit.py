"""Audit log service: who saw or changed what, when, and from where.

Every read or write of personal or non-public data calls :func:`record`. The model refuses updates
and deletes, so the log is append-only through the application (and, on PostgreSQL, in the database
itself by a trigger).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from epiaid.core.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


def record(
    request: HttpRequest | None,
    action: str,
    target: str,
    *,
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
    actor: Any = None,
) -> AuditEvent:
    """Append one audit event. ``target`` names the kind of data (e.g. ``situation.case``)."""
    user = actor if actor is not None else getattr(request, "user", None)
    authenticated = bool(user is not None and getattr(user, "is_authenticated", False))
    label = user.get_username() if authenticated and user is not None else "anonymous"
    return AuditEvent.objects.create(
        actor=user if authenticated else None,
        actor_label=label,
        action=action,
        target=target,
        object_id="" if object_id is None else str(object_id),
        detail=detail or {},
        ip=client_ip(request),
        path=(request.get_full_path()[:500] if request is not None else ""),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""),
    )
