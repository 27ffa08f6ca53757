"""Who acts: a signed-in user, a machine's bearer token, a seller's token, or the platform itself.

Every service that reads or changes personal or workflow data takes an :class:`Actor` and decides and
records on its own (see :mod:`epiaid.core.access`); routers, pages, the CLI, jobs and webhooks only build
the actor and call the service. An actor built from a request carries where it came from (address,
path, user agent), so the audit event a service writes names the client without the service ever
seeing the request. Audit events name system actors as such: a scheduled purge is ``system:retention``,
never "anonymous".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

ActorKind = Literal["user", "token", "seller", "system", "anonymous"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    label: str
    user: Any = None  # the account behind a user or token actor
    scope: str = ""  # what a seller token is bound to (its outlet's code)
    ip: str | None = None
    path: str = ""
    user_agent: str = ""
    #: what a ``token`` actor's token may do (``xray.stow`` …); a signed-in person has no scope restriction
    scopes: frozenset[str] = frozenset()

    @classmethod
    def system(cls, name: str) -> Actor:
        """The platform acting on its own: a schedule, a worker, a webhook (``system:<name>``)."""
        return cls("system", name if name.startswith("system:") else f"system:{name}")

    @classmethod
    def of(cls, who: Any) -> Actor:
        """An actor for a user object, an Actor, a ``system:…`` label or nobody (anonymous)."""
        if isinstance(who, Actor):
            return who
        if isinstance(who, str):
            return cls.system(who) if who.startswith("system:") else cls("anonymous", who)
        if who is not None and getattr(who, "is_authenticated", False):
            return cls("user", str(who.get_username()), who)
        return ANONYMOUS

    @classmethod
    def from_request(cls, request: Any, who: Any = None) -> Actor:
        """The request's user (a bearer token's user is a ``token`` actor) with the client's context.

        ``who`` overrides the request's user, e.g. a seller token resolved by the router.
        """
        from epiaid.core.audit import client_ip

        actor = cls.of(who if who is not None else getattr(request, "user", None))
        if actor.kind == "user" and getattr(request, "epiaid_token_prefix", None):
            actor = replace(actor, kind="token", scopes=frozenset(getattr(request, "epiaid_token_scopes", ())))
        return replace(
            actor,
            ip=client_ip(request),
            path=request.get_full_path()[:500],
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )

    def allows(self, scope: str) -> bool:
        """Whether a token actor's token carries ``scope``; people and the platform are not scoped."""
        return self.kind != "token" or scope in self.scopes

    @property
    def is_system(self) -> bool:
        return self.kind == "system"

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None and bool(getattr(self.user, "is_authenticated", False))


ANONYMOUS = Actor("anonymous", "anonymous")
SYSTEM_RETENTION = Actor.system("retention")
SYSTEM_SCHEDULER = Actor.system("scheduler")
SYSTEM_CLI = Actor.system("cli")
