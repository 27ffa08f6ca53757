"""Roles and the one role check every non-public API and view goes through.

Roles are Django groups (created by a data migration) so that later capabilities reuse them and
admins manage membership in the ordinary admin. ``public`` is the anonymous visitor and has no group.
Superusers hold every role: an emergency operator must never be locked out by a missing group.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth


class Role(StrEnum):
    PUBLIC = "public"
    HEALTH_STAFF = "health_staff"
    INVESTIGATOR = "investigator"
    APPROVER = "approver"
    CLINICIAN = "clinician"
    REVIEWER = "reviewer"
    PROGRAMME_OFFICER = "programme_officer"
    APPLICANT = "applicant"  # programmes: an organisation's member who applies
    FINANCE_OFFICER = "finance_officer"  # programmes: pays suppliers and reimburses invoices
    AUDITOR = "auditor"  # programmes: reads every record, changes nothing
    ADMIN = "admin"


#: Roles that exist as groups (everyone is implicitly ``public``).
GROUP_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.PUBLIC)

#: Any signed-in staff role: used where "someone from the response team" is the rule.
STAFF_ROLES: tuple[Role, ...] = GROUP_ROLES

User = AbstractBaseUser | AnonymousUser


def roles_of(user: Any) -> frozenset[Role]:
    """The roles a user holds, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset({Role.PUBLIC})
    cached = getattr(user, "_epiaid_roles", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if getattr(user, "is_superuser", False):
        roles = frozenset(Role)
    else:
        names = set(user.groups.values_list("name", flat=True))
        roles = frozenset({Role.PUBLIC} | {r for r in GROUP_ROLES if r.value in names})
    user._epiaid_roles = roles
    return roles


def has_role(user: Any, *allowed: Role | str) -> bool:
    """True when the user holds any of ``allowed``; ``admin`` holds every role."""
    held = roles_of(user)
    if Role.ADMIN in held:
        return True
    return any(Role(r) in held for r in allowed)


def check_role(request: HttpRequest, *allowed: Role | str, what: str = "") -> None:
    """Raise PermissionDenied (and audit the refusal) unless the request's user holds a role."""
    if has_role(request.user, *allowed):
        return
    from epiaid.core.audit import record

    record(request, "denied", what or request.path, detail={"needs": [str(r) for r in allowed]})
    raise PermissionDenied(f"requires one of the roles: {', '.join(str(r) for r in allowed)}")


F = TypeVar("F", bound=Callable[..., HttpResponse])


def role_required(*allowed: Role | str) -> Callable[[F], F]:
    """View decorator: anonymous users go to login, signed-in users without the role get 403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            check_role(request, *allowed)
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def _api_check_role(request: HttpRequest, allowed: tuple[Role, ...]) -> None:
    """The API's role gate: like :func:`check_role`, but the refusal is the API's own error type, so a
    caller always gets JSON (``{"code": "missing_role", ...}``, 403), never an HTML page or a 500."""
    try:
        check_role(request, *allowed)
    except PermissionDenied as exc:
        from epiaid.core.errors import Forbidden

        raise Forbidden(str(exc), code="missing_role") from exc


class RoleAuth(SessionAuth):
    """django-ninja auth: a signed-in session (CSRF-checked for writes) holding one of the roles.

    Unauthenticated calls get 401; authenticated calls without the role get 403 (JSON) and are audited.
    """

    def __init__(self, *allowed: Role | str) -> None:
        super().__init__(csrf=True)
        self.allowed: tuple[Role, ...] = tuple(Role(r) for r in allowed)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if not user:
            return None
        _api_check_role(request, self.allowed)
        return user


class RoleTokenAuth(HttpBearer):
    """django-ninja auth for machines: ``Authorization: Bearer <token>`` of a user holding one of the roles.

    No CSRF check: the header is never sent by a browser on its own. The token's user becomes
    ``request.user``, so audits name who acted; a valid token without the role gets 403 (audited).
    """

    def __init__(self, *allowed: Role | str) -> None:
        super().__init__()
        self.allowed: tuple[Role, ...] = tuple(Role(r) for r in allowed)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from epiaid.core.tokens import verify_token

        row = verify_token(token)
        if row is None:  # a machine that sent a token wants to hear that it is wrong, not about CSRF
            raise HttpError(401, "the bearer token is unknown, revoked or expired (epiaid token list)")
        user = row.user
        request.user = user
        request.epiaid_token_prefix = token[:12]  # type: ignore[attr-defined]  # the audit names a token actor
        request.epiaid_token_scopes = frozenset(row.scopes or ())  # type: ignore[attr-defined]  # services check
        _api_check_role(request, self.allowed)
        return user


def session_or_token(*allowed: Role | str) -> list[RoleAuth | RoleTokenAuth]:
    """Either a bearer token (machines) or a signed-in session (people) holding one of the roles.

    The token is tried first: django-ninja stops at the first auth that raises, and the session auth
    raises on a missing CSRF token, which a machine never has."""
    return [RoleTokenAuth(*allowed), RoleAuth(*allowed)]


def role_auth(*allowed: Role | str) -> RoleAuth:
    return RoleAuth(*allowed)


def ensure_role_groups(names: Iterable[str] | None = None) -> None:
    """Create the role groups; idempotent (used by the data migration and tests)."""
    from django.contrib.auth.models import Group

    for name in names or [r.value for r in GROUP_ROLES]:
        Group.objects.get_or_create(name=name)
