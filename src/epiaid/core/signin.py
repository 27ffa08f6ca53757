"""Signing in and out is audited: who, from where, and every failed attempt with the name tried.

Django sends a signal for each; these receivers are the service that records them (connected once in
:class:`epiaid.core.apps.CoreConfig`). A failed attempt names the username typed, never the password.
"""

from __future__ import annotations

from typing import Any

from epiaid.core.actors import ANONYMOUS, Actor
from epiaid.core.audit import AuditAction, event

TARGET = "core.session"


def _actor(request: Any, user: Any) -> Actor:
    return Actor.from_request(request, user) if request is not None else Actor.of(user)


def logged_in(sender: Any, request: Any = None, user: Any = None, **_: Any) -> None:
    event(_actor(request, user), AuditAction.LOGIN, TARGET)


def logged_out(sender: Any, request: Any = None, user: Any = None, **_: Any) -> None:
    if user is not None:
        event(_actor(request, user), AuditAction.LOGOUT, TARGET)


def login_failed(sender: Any, credentials: dict[str, Any] | None = None, request: Any = None, **_: Any) -> None:
    tried = str((credentials or {}).get("username", ""))[:150]
    event(_actor(request, ANONYMOUS), AuditAction.LOGIN_FAILED, TARGET, detail={"username": tried})


def connect() -> None:
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(logged_in, dispatch_uid="epiaid.core.signin.logged_in")
    user_logged_out.connect(logged_out, dispatch_uid="epiaid.core.signin.logged_out")
    user_login_failed.connect(login_failed, dispatch_uid="epiaid.core.signin.login_failed")
