"""The 2020 public API under ``/corona19-masks/``, as functions shared by every front door.

Django (``views.v1``), the ASGI fast path (``asgi.py``) and the Granian RSGI front door (``rsgi.py``)
all call these on the same snapshot, so they cannot drift apart: tests compare their bytes.

Every answer under the prefix is JSON (``{"message": …}`` for errors), never a framework's HTML page:
a 2020 client parses whatever comes back. Paths are matched as forgivingly as costs nothing — repeated
and trailing slashes are ignored (``/v1//storesByGeo/json/`` is ``/v1/storesByGeo/json``) — but names
stay case-sensitive, as they were in 2020; a wrong case gets a 404 that names the right spelling.
``OPTIONS`` answers a browser's CORS preflight; other methods get 405 with ``Allow``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from epiaid.masks.engine.readmodel import QueryError, Snapshot, dumps

API_ROOT = "corona19-masks"
V1_PREFIX = "/corona19-masks/v1/"
Head = list[tuple[bytes, bytes]]

_ROUTES: dict[str, Callable[[Snapshot, Mapping[str, str]], bytes]] = {
    "stores/json": lambda s, q: s.stores_page(q.get("page"), q.get("perPage")),
    "sales/json": lambda s, q: s.sales_page(q.get("page"), q.get("perPage")),
    "storesByGeo/json": lambda s, q: s.by_geo(q.get("lat"), q.get("lng"), q.get("m")),
    "storesByAddr/json": lambda s, q: s.by_addr(q.get("address")),
}
ENDPOINTS: tuple[str, ...] = tuple(_ROUTES)
#: Exact paths of the hot GETs: one dict lookup decides them (the forgiving match is the slow path).
HOT: dict[str, str] = {V1_PREFIX + e: e for e in ENDPOINTS}
READ_METHODS = ("GET", "HEAD")
ALLOW = b"GET, HEAD, OPTIONS"
#: Offered in a preflight answer when the browser's list of headers is absent or not a token list.
DEFAULT_ALLOW_HEADERS = b"Accept, Accept-Language, Cache-Control, Content-Type, If-None-Match, X-Requested-With"
PREFLIGHT_MAX_AGE = b"86400"
_TOKEN_LIST = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*")
_MAX_ECHO = 200


def headers(version: int) -> Head:
    """Response headers of every v1 read answer: open to any origin, briefly cacheable, versioned."""
    return [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"access-control-allow-origin", b"*"),
        (b"cache-control", b"public, max-age=5"),
        (b"etag", b'"v%d"' % version),
    ]


def _error_headers() -> Head:
    return [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"access-control-allow-origin", b"*"),
        (b"cache-control", b"no-cache"),
    ]


def answer(snapshot: Snapshot, endpoint: str, query: Mapping[str, str]) -> tuple[int, bytes]:
    """(status, body) for ``endpoint`` (e.g. ``storesByGeo/json``); bad parameters give 400 + message."""
    route = _ROUTES.get(endpoint)
    if route is None:
        return 404, dumps({"message": f"unknown endpoint: {endpoint}"})
    try:
        return 200, route(snapshot, query)
    except QueryError as exc:
        return 400, dumps({"message": str(exc)})


def under_api(path: str) -> bool:
    """Whether a request path lies under ``/corona19-masks`` (so that only JSON may answer it)."""
    stripped = path.lstrip("/")
    return stripped == API_ROOT or stripped.startswith(API_ROOT + "/")


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def endpoint_of(path: str) -> str | None:
    """The v1 endpoint a path names, ignoring repeated and trailing slashes; None if it names none."""
    hot = HOT.get(path)
    if hot is not None:
        return hot
    parts = _segments(path)
    if len(parts) == 4 and parts[0] == API_ROOT and parts[1] == "v1":
        name = f"{parts[2]}/{parts[3]}"
        if name in _ROUTES:
            return name
    return None


def _shown(path: str) -> str:
    return path if len(path) <= _MAX_ECHO else path[:_MAX_ECHO] + "…"


def _not_found_message(path: str) -> str:
    parts = _segments(path)
    listed = ", ".join(V1_PREFIX + e for e in ENDPOINTS)
    message = f"no such endpoint: {_shown(path)}; the endpoints are {listed}"
    if len(parts) >= 2 and [p.lower() for p in parts[:2]] == [API_ROOT, "v1"]:
        wanted = "/".join(parts[2:]).lower()
        guess = next((e for e in ENDPOINTS if e.lower() == wanted), None)
        if guess is not None:
            message += f" (did you mean {V1_PREFIX}{guess}? names are case-sensitive)"
    return message


def preflight_headers(requested_headers: str | None) -> Head:
    """A CORS preflight answer: any origin, the read methods, the headers the browser asked for."""
    asked = (requested_headers or "").strip()
    allowed = asked.encode() if len(asked) <= 1000 and _TOKEN_LIST.fullmatch(asked) else DEFAULT_ALLOW_HEADERS
    return [
        (b"access-control-allow-origin", b"*"),
        (b"access-control-allow-methods", ALLOW),
        (b"access-control-allow-headers", allowed),
        (b"access-control-max-age", PREFLIGHT_MAX_AGE),
        (b"allow", ALLOW),
        (b"vary", b"Access-Control-Request-Headers"),
    ]


def other_answer(method: str, path: str, requested_headers: str | None = None) -> tuple[int, Head, bytes]:
    """Everything under the prefix except a read of a known endpoint: preflight, 404, 405 — all JSON.

    ``OPTIONS`` is answered for any path under the prefix, so that a browser app's real request goes
    out and gets the JSON 404 it can read, instead of an opaque CORS failure.
    """
    if method == "OPTIONS":
        return 204, preflight_headers(requested_headers), b""
    endpoint = endpoint_of(path)
    if endpoint is None:
        return 404, _error_headers(), dumps({"message": _not_found_message(path)})
    shown = method[:20]
    message = f"{shown} is not allowed on {V1_PREFIX}{endpoint}: use GET (allowed: {ALLOW.decode()})"
    return 405, [*_error_headers(), (b"allow", ALLOW)], dumps({"message": message})


def decode_query(query_string: bytes | str) -> str:
    """A raw query string as text the way Django reads it: UTF-8 (Korean typed unescaped), else Latin-1."""
    if isinstance(query_string, str):
        return query_string
    try:
        return query_string.decode("utf-8")
    except UnicodeDecodeError:
        return query_string.decode("latin-1")
