"""Request bodies are bounded as they arrive: a chunked body (no Content-Length) past the limit is cut off
with 413 on the ASGI server and on the RSGI front door, and a declared length over it is refused unread."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
LIMIT = 64 * 1024


def _chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_a_chunked_body_past_the_limit_is_refused_on_the_asgi_server(asgi_server: str, settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = LIMIT
    url = asgi_server + "/api/situation/staff/imports/template"
    over = httpx.post(url, content=_chunks(4 * LIMIT), headers={"content-type": "text/csv"}, timeout=30)
    assert over.status_code == 413 and over.json()["code"] == "too_large"
    under = httpx.post(url, content=_chunks(LIMIT // 2), headers={"content-type": "text/csv"}, timeout=30)
    assert under.status_code in (401, 403)  # read whole, then refused for who sent it, not for its size


def test_a_declared_length_over_the_limit_is_refused_before_reading(asgi_server: str, settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = LIMIT
    host, port = asgi_server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /api/situation/staff/imports/template HTTP/1.1\r\nHost: x\r\n"
            + f"Content-Length: {100 * LIMIT}\r\nContent-Type: text/csv\r\n\r\n".encode()
        )
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_a_chunked_body_past_the_limit_is_refused_by_the_rsgi_front_door(tmp_path: Path) -> None:
    granian = Path(sys.executable).with_name("granian")
    if not granian.exists():
        pytest.skip("granian is not installed in this environment")
    env = {
        **os.environ,
        "EPIAID_DATA_DIR": str(tmp_path),
        "EPIAID_DATABASE_URL": f"sqlite:///{tmp_path}/limit.db",
        "EPIAID_MAX_UPLOAD_BYTES": str(LIMIT),
    }
    subprocess.run([sys.executable, "-m", "epiaid", "manage", "migrate", "-v0"], env=env, check=True, cwd=REPO)
    port = _free_port()
    server = subprocess.Popen(
        [
            *(str(granian), "--interface", "rsgi", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
            *("--no-ws", "--log-level", "error", "epiaid.masks.rsgi:application"),
        ],
        env=env,
        cwd=REPO,
    )
    url = f"http://127.0.0.1:{port}/api/masks/outlets/11000001/stock"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "granian did not start"
                time.sleep(0.3)
        over = httpx.post(url, content=_chunks(4 * LIMIT), headers={"content-type": "application/json"}, timeout=30)
        assert over.status_code == 413 and over.json()["code"] == "too_large"
        under = httpx.post(url, content=b'{"remain": 1}', headers={"content-type": "application/json"}, timeout=30)
        assert under.status_code in (401, 403)  # not its size: who sent it
    finally:
        server.terminate()
        server.wait(timeout=30)
