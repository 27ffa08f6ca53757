"""Audit log service: who saw or changed what, when, and from where.

Every read or write of personal or non-public data calls :func:`record`. The model refuses updates
and deletes, so the log is append-only through the application (and, on PostgreSQL, in the database
itself by a trigger).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from epiaid.core.actors import Actor
from epiaid.core.models import AuditEvent


class AuditAction(models.TextChoices):
    """Every action the audit log knows; :func:`record` refuses any other string, so names cannot drift."""

    VIEW = "view"
    LIST = "list"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    IMPORT = "import"
    DOWNLOAD = "download"
    UPLOAD = "upload"
    DENIED = "denied"
    REFUSED = "refused"
    APPROVE = "approve"
    REJECT = "reject"
    PUBLISH = "publish"
    PURGE = "purge"
    ANALYSE = "analyse"
    SURVEIL = "surveil"
    ENROL = "enrol"
    END_OUTBREAK = "end_outbreak"
    LOGIN = "login"
    OVERRIDE = "override"
    XRAY_READ = "xray.read"
    XRAY_REJECT = "xray.reject"
    XRAY_VIEW = "xray.view"
    XRAY_VIEW_HEATMAP = "xray.view_heatmap"
    XRAY_WORKLIST = "xray.worklist"
    XRAY_CONFIRM = "xray.confirm"
    XRAY_OVERRIDE = "xray.override"
    XRAY_EXPORT_SC = "xray.export_sc"
    XRAY_EXPORT_SR = "xray.export_sr"
    XRAY_STOW = "xray.stow"
    XRAY_STOW_REFUSED = "xray.stow_refused"
    XRAY_WADO_METADATA = "xray.wado_metadata"
    XRAY_WADO_RETRIEVE = "xray.wado_retrieve"


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
    """Append one audit event. ``target`` names the kind of data (e.g. ``situation.case``).

    ``actor`` is an :class:`~epiaid.core.actors.Actor` (a system actor is named as such) or a user;
    without one, the request's user. ``action`` must be one of :class:`AuditAction`.
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}: add it to epiaid.core.audit.AuditAction")
    who = Actor.of(actor if actor is not None else getattr(request, "user", None))
    return AuditEvent.objects.create(
        actor=who.user,
        actor_label=who.label[:150],
        action=action,
        target=target,
        object_id="" if object_id is None else str(object_id),
        detail=detail or {},
        ip=client_ip(request),
        path=(request.get_full_path()[:500] if request is not None else ""),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""),
    )
