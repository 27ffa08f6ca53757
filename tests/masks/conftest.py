"""Small self-made fixtures for the mask tests (a fresh clone has no ../shared/data)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from epiaid.masks.engine.importer import OutletRow, ParseResult
from epiaid.masks.engine.timefmt import KST

#: Nine made-up outlets in two Seoul neighbourhoods, one without coordinates, one post office.
OUTLETS: tuple[OutletRow, ...] = (
    OutletRow("11000001", "가나약국", "서울특별시 용산구 보광로 10 (보광동)", "01", 37.5265, 127.0001),
    OutletRow("11000002", "다라약국", "서울특별시 용산구 장문로 20 (보광동)", "01", 37.5262, 126.9990),
    OutletRow("11000003", "마바약국", "서울특별시 용산구  우사단로 3, 1층 (보광동)", "01", 37.5310, 126.9985),
    OutletRow("11000004", "사아약국", "서울특별시 용산구 이태원로 5 (이태원동)", "01", 37.5345, 126.9940),
    OutletRow("11000005", "자차약국", "서울특별시 중구 명동길 1 (명동)", "01", 37.5636, 126.9850),
    OutletRow("11000006", "좌표없는약국", "서울특별시 용산구 보광로 99 (보광동)", "01", None, None),
    OutletRow("1100000007", "용산우체국", "서울특별시 용산구 한강대로 1 (보광동)", "02", 37.5300, 127.0010),
    OutletRow("1100000008", "부산하나로마트", "부산광역시 해운대구 우동 1", "03", 35.1631, 129.1635),
    OutletRow("11000009", "부산약국", "부산 해운대구 해운대로 2 (우동)", "01", 35.1635, 129.1630),
)


def run_coroutine(coro: Any) -> Any:
    """Run a coroutine to completion on a fresh thread.

    Playwright's sync API keeps an event loop running in the main thread of an xdist worker once a
    browser test has run there, and ``asyncio.run`` refuses to nest inside it.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def parsed(rows: tuple[OutletRow, ...] = OUTLETS) -> ParseResult:
    return ParseResult(rows=list(rows), read=len(rows))


def kst(text: str) -> datetime:
    """``2020-03-12 10:00`` in Korea."""
    return datetime.fromisoformat(text).replace(tzinfo=KST)


@pytest.fixture
def outlets(db: Any) -> list[OutletRow]:
    from epiaid.masks import services

    services.import_outlets(parsed())
    return list(OUTLETS)


@pytest.fixture
def outlets_tx(transactional_db: Any) -> list[OutletRow]:
    from epiaid.masks import services

    services.import_outlets(parsed())
    services.refresh_read_model(full=True)
    return list(OUTLETS)


def call_asgi(
    app: Any,
    path: str,
    query: str = "",
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> tuple[int, dict[bytes, bytes], bytes]:
    """Drive an ASGI app in-process (the fast path needs no server to be checked byte for byte)."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": headers or [],
        "http_version": "1.1",
        "scheme": "http",
        "root_path": "",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1234),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    run_coroutine(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


# -- the Granian RSGI interface, as far as the front door reads and writes it -----------------------


class Headers:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)

    def get(self, name: str, default: str | None = None) -> str | None:
        return next((v for k, v in self.pairs if k == name), default)


class Scope:
    """The attributes of Granian's RSGI scope that the front door reads."""

    def __init__(self, method: str, path: str, query: str = "", headers: list[tuple[str, str]] | None = None):
        self.proto, self.http_version, self.scheme = "http", "1.1", "http"
        self.method, self.path, self.query_string = method, path, query
        self.client, self.server = "127.0.0.1:50000", "127.0.0.1:8000"
        self.headers = Headers([("host", "127.0.0.1"), *(headers or [])])


class Proto:
    """Records what the app answers through the RSGI protocol object."""

    def __init__(self, body: bytes = b"") -> None:
        self.body_in, self.status, self.headers, self.chunks = body, 0, [], []

    async def __call__(self) -> bytes:
        return self.body_in

    async def __aiter__(self) -> Any:
        """The body in chunks, as Granian streams it."""
        for start in range(0, len(self.body_in), 4096):
            yield self.body_in[start : start + 4096]

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.chunks = status, headers, [body]

    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.status, self.headers = status, headers

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> Any:
        self.status, self.headers = status, headers
        proto = self

        class Transport:
            async def send_bytes(self, data: bytes) -> None:
                proto.chunks.append(data)

        return Transport()


@pytest.fixture
def fast_path() -> Callable[..., tuple[int, dict[bytes, bytes], bytes]]:
    """The mask fast path in front of an app that records what fell through to it."""
    from epiaid.masks.asgi import MaskFastPath

    async def fallthrough(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"django"})

    app = MaskFastPath(fallthrough)

    def call(path: str, query: str = "", **kw: Any) -> tuple[int, dict[bytes, bytes], bytes]:
        return call_asgi(app, path, query, **kw)

    call.app = app  # type: ignore[attr-defined]
    return call


@pytest.fixture(autouse=True)
def fresh_read_model() -> None:
    """Each test's database starts over (rolled back), so the process-wide read model must too."""
    from epiaid.masks.services import reset_read_model

    reset_read_model()
