"""Request bodies are bounded as they arrive, whatever ``Content-Length`` claims.

Django's own check (:class:`~epiaid.core.middleware.UploadSizeLimitMiddleware`) trusts the header, and
Django's ASGI handler buffers a chunked body (no header at all) whole before any middleware runs. This
ASGI wrapper sits outside everything — the fast paths included — and counts the bytes as the server
hands them over: a declared length over the limit is refused before reading, and a body that grows past
it is cut off at the limit and answered 413. Nothing past the limit is ever buffered.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def max_body_bytes() -> int:
    from django.conf import settings

    return int(settings.MAX_UPLOAD_BYTES)


def too_large(limit: int) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The 413 answer (status, headers, body), in the API's error shape."""
    message = f"the request body exceeds the limit of {limit} bytes"
    body = json.dumps({"code": "too_large", "message": message, "detail": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return 413, headers, body


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: Callable[[], int] = max_body_bytes) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit()
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_long = int(declared) > limit
            except ValueError:
                too_long = False  # the inner layers answer a malformed header with 400
            if too_long:
                await self._refuse(send, limit)
                return
        state = {"received": 0, "over": False, "started": False}

        async def counted_receive() -> dict[str, Any]:
            if state["over"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["over"] = True
                    return {"type": "http.disconnect"}  # Django stops reading and answers nothing
            return message

        async def watched_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, counted_receive, watched_send)
        if state["over"] and not state["started"]:
            await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        status, headers, body = too_large(limit)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class Admit:
    """ASGI wrapper: the rate limit and load shedding of :mod:`epiaid.core.admission`, outermost."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from django.conf import settings

        from epiaid.core.admission import ADMISSION, client_address, refusal_body, route_class

        klass = route_class(scope.get("method", "GET"), scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        peer = (scope.get("client") or (None,))[0]
        forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
        client = client_address(peer, forwarded, list(getattr(settings, "TRUSTED_PROXIES", []) or []))
        verdict = ADMISSION.enter(klass, client or "unknown")
        if not verdict.admitted:
            body = refusal_body(verdict)
            head = [
                (b"content-type", b"application/json"),
                (b"retry-after", str(verdict.retry_after).encode()),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": verdict.status, "headers": head})
            await send({"type": "http.response.body", "body": body})
            return
        try:
            await self.app(scope, receive, send)
        finally:
            ADMISSION.leave(klass)
