"""RSGI front door for Granian: the hot v1 GETs without any ASGI message passing.

Measured on this project's 2-core machine, a do-nothing ASGI app under Granian tops out near 9k
req/s while the same app over RSGI (one ``response_bytes`` call) reaches ~35k: for a pre-serialised
answer the ASGI protocol itself is the cost. So the surge deployment serves

    granian --interface rsgi --workers N epiaid.masks.rsgi:application

Hot paths are answered from the same :class:`~epiaid.masks.asgi.ReadPath` as the ASGI fast path
(identical bytes), and so is the rest of ``/corona19-masks/`` (preflights, JSON 404/405, slash
variants, from ``engine/publicapi.py``); every other request is handed to the normal ASGI
application (Django behind the mask fast path and its load shedding) through a small RSGI→ASGI
adapter.
"""

from __future__ import annotations

import asyncio
from typing import Any

from epiaid.core.admission import ADMISSION, PUBLIC, client_address, refusal_body
from epiaid.core.asgi import application as asgi_application  # configures Django first
from epiaid.masks import services
from epiaid.masks.asgi import ReadPath, refresh_in_thread, refresher
from epiaid.masks.engine.publicapi import HOT, READ_METHODS, endpoint_of, other_answer, under_api


def _client(scope: Any) -> str:
    from django.conf import settings

    peer = (_address(scope.client) or ("unknown", 0))[0]
    forwarded = scope.headers.get("x-forwarded-for") or ""
    return client_address(peer, forwarded, list(getattr(settings, "TRUSTED_PROXIES", []) or [])) or "unknown"


def _address(text: str) -> tuple[str, int] | None:
    host, _, port = (text or "").rpartition(":")
    return (host.strip("[]"), int(port)) if port.isdigit() else None


class MaskRSGI:
    def __init__(self, asgi_app: Any = asgi_application) -> None:
        self.asgi = asgi_app
        self.read = ReadPath()

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Granian worker start: load the read model before the first request needs it."""
        loop.run_in_executor(refresher, refresh_in_thread, True)

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto == "http":
            endpoint = HOT.get(scope.path)
            if endpoint is None and under_api(scope.path):
                endpoint = endpoint_of(scope.path)  # forgiving match: trailing and repeated slashes
                if endpoint is None:
                    self.other(scope, proto)
                    return
            if endpoint is not None:
                if scope.method not in READ_METHODS:
                    self.other(scope, proto)
                    return
                # Kept flat on purpose: at ~15k req/s every coroutine and call here is measurable.
                verdict = ADMISSION.enter(PUBLIC, _client(scope))  # the public budget, as on the ASGI side
                if not verdict.admitted:
                    head = [("content-type", "application/json"), ("retry-after", str(verdict.retry_after))]
                    proto.response_bytes(verdict.status, head, refusal_body(verdict))
                    return
                ADMISSION.leave(PUBLIC)  # answered from memory at once: nothing stays in flight
                model = services.READ_MODEL
                snap = await self.read.snapshot() if services.refresh_due() else model.snapshot
                hit = self.read.answers.get((endpoint, scope.query_string))
                if hit is None or hit.snapshot is not snap:
                    hit = self.read.build(endpoint, scope.query_string, snap)
                if hit.status == 200 and scope.headers.get("if-none-match") == hit.etag_str:
                    proto.response_empty(304, hit.head_str[1:4])
                    return
                proto.response_bytes(hit.status, hit.head_str, b"" if scope.method == "HEAD" else hit.body)
                return
        await self.to_asgi(scope, proto)

    @staticmethod
    def other(scope: Any, proto: Any) -> None:
        """Preflight, unknown path or other method under the API prefix: JSON, never Django's HTML."""
        wanted = scope.headers.get("access-control-request-headers")
        status, head, body = other_answer(scope.method, scope.path, wanted)
        head_str = [(k.decode(), v.decode("latin-1")) for k, v in head]
        if status == 204 or scope.method == "HEAD":
            proto.response_empty(status, head_str)
        else:
            proto.response_bytes(status, head_str, body)

    async def to_asgi(self, scope: Any, proto: Any) -> None:
        """Run the ASGI app for this request (whole request body in, response out, streaming kept)."""
        from epiaid.core.bodylimit import max_body_bytes, too_large

        limit = max_body_bytes()
        chunks: list[bytes] = []
        size = 0
        async for chunk in proto:  # streamed: a body past the limit is never held whole
            size += len(chunk)
            if size > limit:
                status, head, refusal = too_large(limit)
                proto.response_bytes(status, [(k.decode(), v.decode()) for k, v in head], refusal)
                return
            chunks.append(chunk)
        body = b"".join(chunks)
        asgi_scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": scope.http_version,
            "method": scope.method,
            "scheme": scope.scheme,
            "path": scope.path,
            "raw_path": scope.path.encode(),
            "query_string": scope.query_string.encode("latin-1"),
            "root_path": "",
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in scope.headers.items()],
            "client": _address(scope.client),
            "server": _address(scope.server),
        }
        delivered = False
        state: dict[str, Any] = {"status": 500, "headers": [], "stream": None}

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # no disconnect to report until the response is done
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["headers"] = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
            elif message["type"] == "http.response.body":
                chunk, more = message.get("body", b""), message.get("more_body", False)
                if state["stream"] is None and not more:
                    proto.response_bytes(state["status"], state["headers"], chunk)
                    return
                if state["stream"] is None:
                    state["stream"] = proto.response_stream(state["status"], state["headers"])
                if chunk:
                    await state["stream"].send_bytes(chunk)

        await self.asgi(asgi_scope, receive, send)


application = MaskRSGI()
