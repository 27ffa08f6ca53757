"""ASGI fast path for the public mask API (hooked in by ``epiaid.core.asgi``).

The hot GETs of ``/corona19-masks/v1/`` are answered here from the read model's pre-serialised bytes,
without Django's middleware, URL resolution or response objects; so is everything else under
``/corona19-masks/`` (preflights, JSON 404/405, slash variants: see ``engine/publicapi.py``). Other
paths go to Django.
The read model is refreshed in-process on every committed stock change and, for changes made by
other processes, by a version check at most once a second run off the event loop (a request never
waits for the database once the model is loaded).

Load shedding: when more than ``EPIAID_MASKS_MAX_INFLIGHT`` requests are already being handled by
Django, further requests get 429 + ``Retry-After`` at once instead of queueing into a hang.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

from epiaid.masks import services
from epiaid.masks.engine.publicapi import (
    HOT,
    READ_METHODS,
    answer,
    decode_query,
    endpoint_of,
    headers,
    other_answer,
    under_api,
)
from epiaid.masks.engine.readmodel import Snapshot, dumps

Scope = dict[str, Any]
ASGIApp = Any
Head = list[tuple[bytes, bytes]]

MAX_INFLIGHT = int(os.environ.get("EPIAID_MASKS_MAX_INFLIGHT", "128"))
RETRY_AFTER_S = b"1"
BUSY_BODY = dumps({"message": "server busy, retry after 1 second"})
_ANSWER_CACHE = 4096
logger = logging.getLogger(__name__)
refresher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="masks-refresh")


def refresh_in_thread(full: bool = False) -> None:
    from django.db import connection

    try:
        # A queued full load after another one already loaded the model only needs the version check.
        services.refresh_read_model(full=full and not services.READ_MODEL.loaded)
    finally:
        connection.close()  # never keep a connection open outside a request (test databases are dropped)


class Answer:
    """One finished answer: status, headers (bytes for ASGI, str for RSGI) and body."""

    __slots__ = ("body", "etag", "etag_str", "head", "head_str", "snapshot", "status")

    def __init__(self, snapshot: Snapshot, status: int, head: Head, body: bytes) -> None:
        self.snapshot, self.status, self.body = snapshot, status, body
        self.head = [*head, (b"content-length", b"%d" % len(body))]
        self.head_str = [(k.decode(), v.decode("latin-1")) for k, v in head]
        self.etag = dict(head)[b"etag"]
        self.etag_str = self.etag.decode()


class ReadPath:
    """Answers the hot v1 GETs from the read model; shared by the ASGI and RSGI front doors."""

    def __init__(self) -> None:
        self.refreshing: asyncio.Future[None] | None = None
        self.answers: dict[tuple[str, bytes | str], Answer] = {}  # a repeated query costs one dict lookup

    async def snapshot(self) -> Snapshot:
        model = services.READ_MODEL
        if not model.loaded:
            await asyncio.get_running_loop().run_in_executor(refresher, refresh_in_thread, True)
        elif services.refresh_due() and (self.refreshing is None or self.refreshing.done()):
            self.refreshing = asyncio.get_running_loop().run_in_executor(refresher, refresh_in_thread, False)
        return model.snapshot

    async def lookup(self, endpoint: str, query_string: bytes | str) -> Answer:
        snap = await self.snapshot()
        hit = self.answers.get((endpoint, query_string))
        if hit is None or hit.snapshot is not snap:
            hit = self.build(endpoint, query_string, snap)
        return hit

    def build(self, endpoint: str, query_string: bytes | str, snap: Snapshot) -> Answer:
        """Answer a query on ``snap`` and remember it until the snapshot changes."""
        query = dict(parse_qsl(decode_query(query_string), keep_blank_values=True))
        status, body = answer(snap, endpoint, query)
        if len(self.answers) >= _ANSWER_CACHE:
            self.answers.clear()
        hit = self.answers[(endpoint, query_string)] = Answer(snap, status, headers(snap.version), body)
        return hit


class MaskFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inflight = 0
        self.read = ReadPath()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        endpoint = HOT.get(path)
        if endpoint is not None or under_api(path):
            try:
                if endpoint is None:
                    endpoint = endpoint_of(path)  # forgiving match: trailing and repeated slashes
                if endpoint is not None and scope["method"] in READ_METHODS:
                    await self._serve(endpoint, scope, send)
                else:  # preflight, unknown path, other method: JSON, never Django's HTML
                    wanted = next((v for k, v in scope["headers"] if k == b"access-control-request-headers"), b"")
                    status, head, body = other_answer(scope["method"], path, wanted.decode("latin-1") or None)
                    await self._reply(send, status, head, body, scope)
                return
            except Exception:
                logger.exception("mask fast path failed; Django answers instead")
        if self.inflight >= MAX_INFLIGHT:
            head = [(b"content-type", b"application/json"), (b"retry-after", RETRY_AFTER_S)]
            await self._reply(send, 429, head, BUSY_BODY, scope)
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1

    async def _serve(self, endpoint: str, scope: Scope, send: Any) -> None:
        hit = await self.read.lookup(endpoint, scope["query_string"])
        if hit.status == 200:
            for name, value in scope["headers"]:
                if name == b"if-none-match" and value == hit.etag:
                    await self._reply(send, 304, hit.head[1:4], b"", scope)
                    return
        await send({"type": "http.response.start", "status": hit.status, "headers": hit.head})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else hit.body})

    @staticmethod
    async def _reply(send: Any, status: int, head: Head, body: bytes, scope: Scope) -> None:
        if status != 204:  # a 204 carries no Content-Length (RFC 9110 §8.6)
            head = [*head, (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def wrap(app: ASGIApp) -> ASGIApp:
    return MaskFastPath(app)
