"""ASGI fast path for the public mask API (hooked in by ``epiaid.core.asgi``).

The hot GETs of ``/corona19-masks/v1/`` are answered here from the read model's pre-serialised bytes,
without Django's middleware, URL resolution or response objects; everything else goes to Django.
The read model is refreshed in-process on every committed stock change and, for changes made by
other processes, by a version check at most once a second run off the event loop (a request never
waits for the database once the model is loaded).

Load shedding: when more than ``EPIAID_MASKS_MAX_INFLIGHT`` requests are already being handled by
Django, further requests get 429 + ``Retry-After`` at once instead of queueing into a hang.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

from epiaid.masks.engine.publicapi import ENDPOINTS, V1_PREFIX, answer, headers
from epiaid.masks.engine.readmodel import dumps

Scope = dict[str, Any]
ASGIApp = Any

MAX_INFLIGHT = int(os.environ.get("EPIAID_MASKS_MAX_INFLIGHT", "128"))
RETRY_AFTER_S = b"1"
_HOT = {V1_PREFIX + e: e for e in ENDPOINTS}
_refresher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="masks-refresh")


def _refresh_in_thread(full: bool = False) -> None:
    from django.db import connection

    from epiaid.masks import services

    try:
        services.refresh_read_model(full=full)
    finally:
        connection.close()  # never keep a connection open outside a request (test databases are dropped)


class MaskFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inflight = 0
        self.refreshing: asyncio.Future[None] | None = None

    async def _snapshot(self) -> Any:
        from epiaid.masks import services

        model = services.READ_MODEL
        loop = asyncio.get_running_loop()
        if not model.loaded:
            await loop.run_in_executor(_refresher, _refresh_in_thread, True)
        elif time.monotonic() - services._last_check >= services.REFRESH_INTERVAL_S and (
            self.refreshing is None or self.refreshing.done()
        ):
            self.refreshing = loop.run_in_executor(_refresher, _refresh_in_thread, False)
        return model.snapshot

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        endpoint = _HOT.get(scope["path"])
        if endpoint is not None and scope["method"] in ("GET", "HEAD"):
            try:
                await self._serve(endpoint, scope, send)
                return
            except Exception:  # noqa: S110 - any surprise here is answered by Django's identical view
                pass
        if self.inflight >= MAX_INFLIGHT:
            await self._reply(
                send,
                429,
                [(b"content-type", b"application/json"), (b"retry-after", RETRY_AFTER_S)],
                dumps({"message": "server busy, retry after 1 second"}),
                scope,
            )
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1

    async def _serve(self, endpoint: str, scope: Scope, send: Any) -> None:
        snap = await self._snapshot()
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        status, body = answer(snap, endpoint, query)
        head = headers(snap.version)
        if status == 200:
            for name, value in scope["headers"]:
                if name == b"if-none-match" and value == b'"v%d"' % snap.version:
                    await self._reply(send, 304, head[1:], b"", scope)
                    return
        await self._reply(send, status, head, body, scope)

    @staticmethod
    async def _reply(send: Any, status: int, head: list[tuple[bytes, bytes]], body: bytes, scope: Scope) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*head, (b"content-length", b"%d" % len(body))],
            }
        )
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def wrap(app: ASGIApp) -> ASGIApp:
    return MaskFastPath(app)
