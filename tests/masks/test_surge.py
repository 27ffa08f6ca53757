"""Under overload the server sheds load with 429 + Retry-After: never a 5xx, never a hang."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import epiaid.masks.asgi as fast


def fetch(url: str) -> tuple[int, str | None]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Retry-After")


@pytest.mark.django_db(transaction=True)
def test_overloaded_server_answers_429_with_retry_after_and_no_5xx(
    outlets_tx: Any, asgi_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fast, "MAX_INFLIGHT", 2)  # a tiny Django budget so 24 parallel page loads overload it
    with ThreadPoolExecutor(24) as pool:
        pages = list(pool.map(fetch, [asgi_server + "/masks/"] * 24))
        hot = list(pool.map(fetch, [asgi_server + "/corona19-masks/v1/stores/json"] * 24))
    statuses = [s for s, _ in pages]
    assert all(s in (200, 429) for s in statuses), statuses
    assert statuses.count(429) > 0 and statuses.count(200) >= 2
    assert all(retry == "1" for s, retry in pages if s == 429)
    assert [s for s, _ in hot] == [200] * 24  # pre-serialised reads are still served in full
    with urllib.request.urlopen(asgi_server + "/corona19-masks/v1/stores/json", timeout=30) as r:
        assert json.load(r)["count"] == 9
