"""Who acts: a signed-in user, a machine's bearer token, a seller's token, or the platform itself.

Audit events name the actor as such: a scheduled purge is ``system:retention``, never "anonymous".
Services that read or change personal data take an :class:`Actor` (or a user, turned into one here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ActorKind = Literal["user", "token", "seller", "system", "anonymous"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    label: str
    user: Any = None  # the account behind a user or token actor

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

    @property
    def is_system(self) -> bool:
        return self.kind == "system"


ANONYMOUS = Actor("anonymous", "anonymous")
SYSTEM_RETENTION = Actor.system("retention")
SYSTEM_SCHEDULER = Actor.system("scheduler")
