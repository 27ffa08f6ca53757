"""One error type for every capability: a refusal with an HTTP status and a stable machine code.

Services raise these; the API answers them once, in :mod:`epiaid.core.api`, as
``{"code": ..., "message": ..., "detail": ...}`` (``detail`` repeats the message, which is where
django-ninja's own errors put it, so a client reads one field whichever side refused). Pages show the
message; the CLI prints it and exits non-zero. No router wraps calls in its own try/except.

Subclasses fix the status; ``code`` names the reason so that clients can branch on it without
parsing the message (``"stock_conflict"``, ``"not_assigned"`` …).
"""

from __future__ import annotations

from typing import Any


class EpiaidError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.extra = extra

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.message, **self.extra}


class BadInput(EpiaidError):
    """The caller sent something malformed or out of range (400)."""

    status = 400
    code = "bad_input"


class Unauthenticated(EpiaidError):
    status = 401
    code = "unauthenticated"


class Forbidden(EpiaidError):
    """The actor may not do this (403); the service audits the refusal before raising."""

    status = 403
    code = "forbidden"


class NotFound(EpiaidError):
    """Unknown ID, or one the actor may not know exists (404)."""

    status = 404
    code = "not_found"


class Conflict(EpiaidError):
    """The step is not possible in the current state (409)."""

    status = 409
    code = "conflict"


class TooLarge(EpiaidError):
    status = 413
    code = "too_large"


class Unsupported(EpiaidError):
    status = 415
    code = "unsupported_media_type"


class RateLimited(EpiaidError):
    status = 429
    code = "rate_limited"


class Unavailable(EpiaidError):
    status = 503
    code = "unavailable"
