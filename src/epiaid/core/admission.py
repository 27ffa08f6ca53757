"""Per-client rate limits and load shedding by route class, in front of everything (ASGI and RSGI).

Public routes (the mask APIs, the situation map's public API, the chatbot) and the login form are
counted per client address (the real client behind a trusted proxy) in one-minute windows; staff pages
and APIs are never counted, so a flood of anonymous requests cannot make them answer 429. Each class
also has its own bound on requests in flight: when the public class is full, more public requests are
shed at once with 503 and ``Retry-After`` while staff requests still run.

Counts are per process, kept in memory: what a front door can afford on every request (the mask API
serves tens of thousands a second). A limit across processes belongs at the proxy in front.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from dataclasses import dataclass, field

PUBLIC = "public"
LOGIN = "login"
STAFF = "staff"

_PUBLIC_PREFIXES = ("/corona19-masks", "/api/masks/v2/", "/api/masks/rationing", "/api/situation/", "/api/chatbot/")
_NOT_PUBLIC = ("/api/situation/staff/", "/api/chatbot/staff/")


def route_class(method: str, path: str) -> str:
    """Which budget a request spends: ``public``, ``login`` (posting the sign-in form) or ``staff``."""
    if path.startswith(("/accounts/login", "/ko/accounts/login", "/en/accounts/login")) and method == "POST":
        return LOGIN
    if path.startswith(_PUBLIC_PREFIXES) and not path.startswith(_NOT_PUBLIC):
        return PUBLIC
    return STAFF


def client_address(peer: str | None, forwarded_for: str, trusted: list[str]) -> str | None:
    """The client: the peer, or, when the peer is a trusted proxy, the right-most ``X-Forwarded-For`` hop
    that is not itself a trusted proxy (a malformed hop keeps the proxy's own address rather than guess).

    Only trusted proxies are believed: anyone else could write any address into the header. Right-most,
    because each proxy appends the address it saw; what a client wrote itself stands further left. The
    audit log, the login lock-out and the rate limits all use this one rule.
    """

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        for proxy in trusted:
            try:
                if ip in ipaddress.ip_network(proxy, strict=False):
                    return True
            except ValueError:
                continue
        return False

    if not peer or not trusted or not is_trusted(peer):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer


@dataclass
class Limits:
    per_minute: dict[str, int] = field(default_factory=lambda: {PUBLIC: 600, LOGIN: 30})
    in_flight: dict[str, int] = field(default_factory=lambda: {PUBLIC: 64, LOGIN: 8, STAFF: 64})

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(
            per_minute={PUBLIC: settings.RATE_PUBLIC_PER_MINUTE, LOGIN: settings.RATE_LOGIN_PER_MINUTE},
            in_flight={
                PUBLIC: settings.SHED_PUBLIC_IN_FLIGHT,
                LOGIN: settings.SHED_LOGIN_IN_FLIGHT,
                STAFF: settings.SHED_STAFF_IN_FLIGHT,
            },
        )


@dataclass(frozen=True)
class Verdict:
    admitted: bool
    status: int = 200
    retry_after: int = 0
    reason: str = ""


class Admission:
    """The counters of one process. ``enter`` decides; a request admitted must ``leave`` when done."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._window = 0
        self._counts: dict[tuple[str, str], int] = {}
        self._in_flight: dict[str, int] = {}

    def _limits(self) -> Limits:
        return self.limits or Limits.from_settings()

    def enter(self, klass: str, client: str, now: float | None = None) -> Verdict:
        limits = self._limits()
        now = time.time() if now is None else now
        window = int(now // 60)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            cap = limits.per_minute.get(klass, 0)
            if cap:
                used = self._counts.get((klass, client), 0) + 1
                self._counts[(klass, client)] = used
                if used > cap:
                    retry = 60 - int(now % 60)
                    return Verdict(False, 429, retry, f"too many requests: at most {cap} a minute; try in {retry} s")
            busy = self._in_flight.get(klass, 0)
            bound = limits.in_flight.get(klass, 0)
            if bound and busy >= bound:
                return Verdict(False, 503, 1, f"busy: {busy} {klass} requests in flight; try again in a second")
            self._in_flight[klass] = busy + 1
        return Verdict(True)

    def leave(self, klass: str) -> None:
        with self._lock:
            self._in_flight[klass] = max(0, self._in_flight.get(klass, 0) - 1)


ADMISSION = Admission()


def refusal_body(verdict: Verdict) -> bytes:
    import json

    code = "rate_limited" if verdict.status == 429 else "busy"
    return json.dumps(
        {"code": code, "message": verdict.reason, "detail": verdict.reason, "retry_after": verdict.retry_after}
    ).encode()
