"""Per-client rate limits for public endpoints, on Django's cache (fixed one-minute windows).

``check(key, limit=…)`` counts one request of ``key`` (e.g. ``"chatbot:" + client address``) and raises
:class:`~epiaid.core.errors.RateLimited` (429, with ``retry_after``) once the window's limit is spent.
With the default local-memory cache the count is per process; configure a shared cache (database or
Redis) in ``CACHES`` for a limit across processes.
"""

from __future__ import annotations

import time

from django.core.cache import caches
from django.http import HttpRequest

from epiaid.core.errors import RateLimited


def client_key(request: HttpRequest) -> str:
    """The client's address, behind a trusted proxy the client it names (the audit log's rule)."""
    from epiaid.core.audit import client_ip

    return client_ip(request) or "unknown"


def check(key: str, *, limit: int, window_s: int = 60, cache_alias: str = "default") -> int:
    """Count a request for ``key``; return how many remain in this window, or raise RateLimited."""
    if limit <= 0:
        return 0
    cache = caches[cache_alias]
    now = int(time.time())
    window = now // window_s
    name = f"ratelimit:{key}:{window}"
    if cache.add(name, 1, timeout=window_s + 1):
        count = 1
    else:
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.add(name, 1, timeout=window_s + 1)
            count = 1
    if count > limit:
        retry = window_s - (now % window_s)
        raise RateLimited(
            f"too many requests: at most {limit} per {window_s} s; try again in {retry} s",
            code="rate_limited",
            retry_after=retry,
        )
    return limit - count
