"""The Granian RSGI front door: same bytes as Django under the API prefix, everything else reaches Django."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from epiaid.masks import services
from tests.masks.conftest import Proto, Scope, run_coroutine

V1 = "/corona19-masks/v1/"
REPO = Path(__file__).resolve().parents[2]


def rsgi(method: str, path: str, query: str = "", body: bytes = b"", headers: Any = None) -> Proto:
    from epiaid.masks.rsgi import MaskRSGI

    proto = Proto(body)
    run_coroutine(MaskRSGI().__rsgi__(Scope(method, path, query, headers), proto))
    return proto


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("endpoint", "params"),
    [
        ("storesByGeo/json", {"lat": "37.5265", "lng": "127.0001", "m": "1000"}),
        ("storesByAddr/json", {"address": "서울특별시 용산구 보광동"}),
        ("stores/json", {"perPage": "500"}),
        ("sales/json", {"perPage": "1"}),
    ],
)
def test_hot_paths_give_the_same_bytes_as_django(outlets_tx: Any, endpoint: str, params: dict[str, str]) -> None:
    services.report_stock("11000001", 77, "seller")
    django = Client().get(V1 + endpoint, params)
    proto = rsgi("GET", V1 + endpoint, urlencode(params))
    assert (proto.status, b"".join(proto.chunks)) == (django.status_code, django.content)
    etag = dict(proto.headers)["etag"]
    assert rsgi("GET", V1 + endpoint, urlencode(params), headers=[("if-none-match", etag)]).status in (304, 400)


@pytest.mark.django_db(transaction=True)
def test_other_requests_reach_django_with_their_body(outlets_tx: Any, client_as: Any) -> None:
    page = rsgi("GET", "/masks/")
    assert page.status == 200 and "Where to buy masks" in b"".join(page.chunks).decode()
    token = services.issue_token("11000001", "staff")
    body = json.dumps({"remain": 120}).encode()
    headers = [
        ("authorization", f"Bearer {token}"),
        ("content-type", "application/json"),
        ("content-length", str(len(body))),
        ("x-mask-nonce", uuid.uuid4().hex),
        ("x-mask-timestamp", str(int(time.time()))),
    ]
    posted = rsgi("POST", "/api/masks/outlets/11000001/stock", body=body, headers=headers)
    assert posted.status == 200 and json.loads(b"".join(posted.chunks))["remain_stat"] == "plenty"
    geo = rsgi("GET", V1 + "storesByGeo/json", "lat=37.5265&lng=127.0001&m=50")
    assert json.loads(b"".join(geo.chunks))["stores"][0]["remain_stat"] == "plenty"


def _fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def assert_2020_client_contract_over_the_wire(base: str) -> None:
    """What the contract suite checks in-process, through a real Granian server and real sockets."""
    status, _, body = _fetch(base + V1 + "stores/json?page=99")
    assert status == 200 and json.loads(body)["storeInfos"] == [] and json.loads(body)["totalCount"] == 2
    assert _fetch(base + V1 + "stores/json/")[0] == 200
    assert _fetch(base + V1 + "/stores/json")[0] == 200
    status, head, body = _fetch(base + V1 + "storesbygeo/json")
    assert status == 404 and head["content-type"].startswith("application/json")
    assert "storesByGeo/json" in json.loads(body)["message"]
    status, head, body = _fetch(base + V1 + "stores/json", method="POST")
    assert status == 405 and head["allow"] == "GET, HEAD, OPTIONS" and json.loads(body)["message"]
    status, head, _ = _fetch(
        base + V1 + "storesByGeo/json",
        method="OPTIONS",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert status == 204 and head["access-control-allow-origin"] == "*"
    assert head["access-control-allow-headers"] == "if-none-match"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_granian_serves_the_api_end_to_end(tmp_path: Path) -> None:
    """Real processes: CLI import, token issue, Granian RSGI; a posted stock change shows on v1."""
    granian = Path(sys.executable).with_name("granian")
    if not granian.exists():
        pytest.skip("granian is not installed in this environment")
    env = {
        **os.environ,
        "EPIAID_DATA_DIR": str(tmp_path),
        "EPIAID_DATABASE_URL": f"sqlite:///{tmp_path}/e2e.db",
        "DJANGO_SETTINGS_MODULE": "epiaid.core.settings",
    }
    env.pop("EPIAID_SHARED_DATA", None)
    epiaid = [sys.executable, "-m", "epiaid"]
    csv = tmp_path / "outlets.csv"
    csv.write_text(
        "addr,code,latitude,longitude,name,type\n"
        "서울특별시 용산구 보광로 10 (보광동),11000001,37.5265,127.0001,가나약국,01\n"
        "서울특별시 용산구 보광로 99 (보광동),11000006,,,좌표없는약국,01\n",
        encoding="utf-8",
    )
    subprocess.run([*epiaid, "manage", "migrate", "-v0"], env=env, check=True, cwd=REPO, timeout=120)
    imported = subprocess.run(
        [*epiaid, "masks", "import-stores", str(csv)],
        env=env,
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "created 2" in imported and "without coordinates 1" in imported.replace("\n", " ")
    issued = subprocess.run(
        [*epiaid, "masks", "issue-token", "11000001"],
        env=env,
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    token = next(w for w in issued.split() if w.startswith("msk_"))
    port = _free_port()
    server = subprocess.Popen(
        [
            str(granian),
            "--interface",
            "rsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-ws",
            "--log-level",
            "error",
            "epiaid.masks.rsgi:application",
        ],
        env=env,
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + V1 + "stores/json", timeout=5) as r:
                    assert json.load(r)["count"] == 2
                break
            except OSError:
                assert time.monotonic() < deadline, "granian did not start"
                time.sleep(0.3)
        request = urllib.request.Request(
            base + "/api/masks/outlets/11000001/stock",
            data=b'{"remain": 31}',
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "X-Mask-Nonce": uuid.uuid4().hex,
                "X-Mask-Timestamp": str(int(time.time())),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as r:
            assert json.load(r)["remain_stat"] == "some"
        with urllib.request.urlopen(
            base + V1 + "storesByAddr/json?address=" + "%EB%B3%B4%EA%B4%91%EB%8F%99", timeout=10
        ) as r:
            stores = {s["code"]: s["remain_stat"] for s in json.load(r)["stores"]}
        assert stores == {"11000001": "some", "11000006": None}
        assert_2020_client_contract_over_the_wire(base)
    finally:
        server.terminate()
        server.wait(20)
