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
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"
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
    # xray hardening
    XRAY_SCOPE_DENIED = "xray.scope_denied"
    XRAY_OTHER_SITE = "xray.other_site"
    XRAY_SITE_CONFIGURE = "xray.site_configure"
    # chatbot
    CHATBOT_KB_IMPORT = "chatbot.kb_import"
    CHATBOT_KB_CREATE = "chatbot.kb_create"
    CHATBOT_KB_UPDATE = "chatbot.kb_update"
    CHATBOT_KB_LIST = "chatbot.kb_list"
    CHATBOT_QUEUE_LIST = "chatbot.queue_list"
    CHATBOT_QUESTION_VIEW = "chatbot.question_view"
    CHATBOT_ANSWER = "chatbot.answer"
    CHATBOT_DISMISS = "chatbot.dismiss"
    CHATBOT_PROMOTE = "chatbot.promote"
    CHATBOT_GAP_REPORT = "chatbot.gap_report"
    CHATBOT_DELIVER = "chatbot.deliver"
    # programmes
    PROGRAMMES_SUBMIT = "programmes.submit"
    PROGRAMMES_ASSIGN = "programmes.assign"
    PROGRAMMES_RECUSE = "programmes.recuse"
    PROGRAMMES_DECLARE = "programmes.declare"
    PROGRAMMES_REVIEW = "programmes.review"
    PROGRAMMES_ADVANCE = "programmes.advance"
    PROGRAMMES_DECIDE = "programmes.decide"
    PROGRAMMES_ESCALATE = "programmes.escalate"
    PROGRAMMES_EXTEND = "programmes.extend"
    PROGRAMMES_PROVISION = "programmes.provision"
    PROGRAMMES_USAGE_SYNC = "programmes.usage_sync"
    PROGRAMMES_RIGHTSIZE = "programmes.rightsize"
    PROGRAMMES_EXPIRE = "programmes.expire"
    PROGRAMMES_VOUCHER = "programmes.voucher"
    PROGRAMMES_DELIVERY = "programmes.delivery"
    PROGRAMMES_PAY = "programmes.pay"
    PROGRAMMES_INVOICE = "programmes.invoice"
    PROGRAMMES_REPORT = "programmes.report"
    PROGRAMMES_VERIFY = "programmes.verify"
    PROGRAMMES_CONFIGURE = "programmes.configure"
    # carecall
    CARECALL_LIST = "carecall.list"
    CARECALL_VIEW_PERSON = "carecall.view_person"
    CARECALL_REVEAL_PHONE = "carecall.reveal_phone"
    CARECALL_DIAL = "carecall.dial"
    CARECALL_IMPORT = "carecall.import"
    CARECALL_ENROL = "carecall.enrol"
    CARECALL_UPDATE = "carecall.update"
    CARECALL_CONSENT = "carecall.consent"
    CARECALL_OPT_OUT = "carecall.opt_out"
    CARECALL_CHECKIN = "carecall.checkin"
    CARECALL_ANSWER = "carecall.answer"
    CARECALL_ESCALATE = "carecall.escalate"
    CARECALL_CALL_BACK = "carecall.call_back"
    CARECALL_DASHBOARD = "carecall.dashboard"
    CARECALL_EXPORT = "carecall.export"
    CARECALL_REPORT = "carecall.report"
    CARECALL_WEBHOOK_REFUSED = "carecall.webhook_refused"


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: the peer's, or behind a trusted proxy (``EPIAID_TRUSTED_PROXIES``) the
    client it names (:func:`epiaid.core.admission.client_address`)."""
    if request is None:
        return None
    from django.conf import settings

    from epiaid.core.admission import client_address

    return client_address(
        request.META.get("REMOTE_ADDR"),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        list(getattr(settings, "TRUSTED_PROXIES", []) or []),
    )


def client_ip_for_axes(request: HttpRequest) -> str:
    """The login lock-out's idea of the client: the same as the audit log's."""
    return client_ip(request) or ""


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
    without one, the request's user. The client's address, path and agent come from the request, or
    from the actor where it was built from one (:meth:`Actor.from_request`). ``action`` must be one of
    :class:`AuditAction`. Called by services only (a guard test keeps it out of routers and pages).
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}: add it to epiaid.core.audit.AuditAction")
    who = Actor.of(actor if actor is not None else getattr(request, "user", None))
    if request is not None:
        ip = client_ip(request)
        path = request.get_full_path()[:500]
        agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    else:
        ip, path, agent = who.ip, who.path, who.user_agent
    return AuditEvent.objects.create(
        actor=who.user,
        actor_label=who.label[:150],
        actor_kind=who.kind,
        action=action,
        target=target,
        object_id="" if object_id is None else str(object_id),
        detail=detail or {},
        ip=ip,
        path=path,
        user_agent=agent,
    )


def event(
    actor: Actor,
    action: str,
    target: str,
    *,
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """A service's audit record: who (with where from) did ``action`` to ``target``."""
    return record(None, action, target, object_id=object_id, detail=detail, actor=actor)


def log_page(actor: Actor, *, action: str = "", target: str = "", page: Any = None) -> Any:
    """One page (100 events, newest first) of the log for an admin; reading the log is itself logged.

    The reader's event is written first, so their own access is on the page they see.
    """
    from django.core.paginator import Paginator

    from epiaid.core.access import require
    from epiaid.core.roles import Role

    actor = require(actor, Role.ADMIN, target="core.audit")
    events = AuditEvent.objects.select_related("actor").all()
    if action:
        events = events.filter(action=action)
    if target:
        events = events.filter(target__startswith=target)
    event(actor, AuditAction.VIEW, "core.audit", detail={"page": str(page or "1")})
    return Paginator(events, 100).get_page(page)


def admin_read(actor: Actor, model: str, object_id: str | None) -> None:
    """An admin opened a list (``object_id`` None) or one record of ``model`` in the admin site."""
    event(actor, AuditAction.LIST if object_id is None else AuditAction.VIEW, f"admin.{model}", object_id=object_id)
