"""Simulated care calls per hour per core, in text and keypad mode, through the real webhook endpoints.

A throwaway SQLite database gets N people under monitoring with an open check-in each (half by text,
half by keypad call); ``epiaid serve`` (one uvicorn process: one core) answers the provider's signed
webhooks — ``/carecall/hooks/text/`` (SMS-style) and ``/carecall/hooks/voice/<token>/…`` (TwiML keypad)
— while client threads play the scripted callers (engine/scenarios.py). Each call is every turn of one
check-in, to its goodbye. Reported: calls/hour of wall time and calls per hour of the server
process's CPU time (user + system, from /proc), which is the per-core figure. Goal ≥ 1,000/h.

    .venv/bin/python bench/carecall/calls.py [--calls 300] [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))

SEED = """
import json, sys
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from epiaid.carecall.models import CheckIn, HealthCentre
from epiaid.carecall.services import add_person, calls
n = int(sys.argv[-1]) if sys.argv[-1].isdigit() else {n}
officer = get_user_model().objects.create_user("bench_officer", email="o@example.invalid")
officer.groups.add(Group.objects.get(name="health_staff"))
centre = HealthCentre.objects.create(name="벤치보건소", lat=37.38, lng=127.12)
rows = []
for i in range({n}):
    channel = "text" if i % 2 == 0 else "keypad"
    phone = f"010-{{7000 + i // 10000:04d}}-{{i % 10000:04d}}"
    p = add_person(officer, name=f"bench{{i}}", phone=phone, centre=centre, officer=officer,
                   lang="ko" if i % 4 < 2 else "en", channel=channel)
    now = timezone.now()
    ci = CheckIn.objects.create(person=p, round_date=timezone.localdate(), slot="09:00", channel=channel,
                                token=calls.new_token(), due_at=now, status="calling", started_at=now)
    e164 = "+82" + phone.replace("-", "")[1:]
    rows.append({{"i": i, "token": ci.token, "phone": e164, "channel": channel, "lang": p.lang}})
print("ROWS=" + json.dumps(rows))
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children that were waited for (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf(os.sysconf_names["SC_CLK_TCK"])
    return (int(fields[11]) + int(fields[12])) / ticks


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    from cryptography.fernet import Fernet

    data_dir = Path(tempfile.mkdtemp(prefix="epiaid-bench-carecall-"))
    port = _port()
    token = "bench-auth-token"  # noqa: S105  (signs the loopback webhooks of this throwaway server)
    env = {
        **os.environ,
        "EPIAID_DATA_DIR": str(data_dir),
        "EPIAID_CARECALL_PHONE_KEY": Fernet.generate_key().decode(),
        "EPIAID_CARECALL_TWILIO_AUTH_TOKEN": token,
        "EPIAID_CARECALL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "EPIAID_LOG_LEVEL": "ERROR",
        "EPIAID_DEBUG": "1",  # a throwaway loopback server: the platform's other secrets may be derived
    }
    epiaid = str(REPO / ".venv" / "bin" / "epiaid")
    subprocess.run([epiaid, "manage", "migrate", "-v0"], env=env, check=True)
    seeded = subprocess.run(
        [epiaid, "manage", "shell", "-c", SEED.format(n=args.calls)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    rows = json.loads(seeded.stdout.split("ROWS=", 1)[1])

    os.environ.update({k: v for k, v in env.items() if k.startswith(("EPIAID_CARECALL", "EPIAID_DEBUG"))})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiaid.core.settings")
    os.environ["EPIAID_DATA_DIR"] = str(data_dir)
    import django

    django.setup()
    import httpx

    from epiaid.carecall import config
    from epiaid.carecall.engine.dialog import Session
    from epiaid.carecall.engine.scenarios import Score, generate
    from epiaid.carecall.services.webhooks import sign

    dialog = config.dialog()
    pools: dict[tuple[str, str], list[Any]] = {}
    for sc in generate(dialog, args.calls * 4, seed=7):
        if sc.behaviour in ("plain", "noisy", "repeat", "misheard"):  # calls that run to the goodbye
            pools.setdefault((sc.lang, sc.channel), []).append(sc)

    server = subprocess.Popen([epiaid, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/api/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        lock = threading.Lock()
        score = Score()
        done = {"calls": 0, "requests": 0, "errors": 0}
        todo = list(range(len(rows)))

        def one_call(row: dict[str, Any], client: httpx.Client) -> None:
            with lock:
                s = pools[(row["lang"], "text" if row["channel"] == "text" else "keypad")].pop()
            mirror = Session(dialog, row["lang"])  # the same state machine as the server: gives the prompt kind
            requests = 0

            def post(url: str, params: dict[str, str]) -> str:
                nonlocal requests
                response = client.post(url, data=params, headers={"X-Twilio-Signature": sign(url, params)})
                requests += 1
                response.raise_for_status()
                return response.text

            if row["channel"] == "text":
                url = f"{base}/carecall/hooks/text/"
                turn = 0
                while (p := mirror.prompt()) is not None and not p.final:
                    reply = s.reply(p)
                    body = reply.digits if reply and reply.digits is not None else (reply.text if reply else "")
                    is_key = body in dialog.keypad["global"] or (
                        body.replace("*", "").replace("#", "").isdigit() and len(body) <= 4
                    )
                    mirror.answer(text=None if is_key else body, digits=body if is_key else None)
                    post(url, {"From": row["phone"], "Body": body, "MessageSid": f"SM{row['i']}-{turn}"})
                    turn += 1
            else:
                hook = f"{base}/carecall/hooks/voice/{row['token']}/"
                twiml = post(hook, {"CallSid": f"CA{row['i']}"})
                while "<Gather" in twiml:
                    p = mirror.prompt()
                    assert p is not None
                    reply = s.reply(p)
                    digits = (reply.digits if reply else "") or ""
                    mirror.answer(digits=digits or None)
                    action = re.search(r'<Gather [^>]*action="([^"]+)"', twiml).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
                    twiml = post(action, {"CallSid": f"CA{row['i']}", "Digits": digits})
            with lock:
                done["calls"] += 1
                done["requests"] += requests
                score.add(s, mirror.result)

        def worker() -> None:
            with httpx.Client(timeout=30) as client:
                while True:
                    with lock:
                        if not todo:
                            return
                        row = rows[todo.pop()]
                    try:
                        one_call(row, client)
                    except Exception as exc:  # counted, never hidden
                        with lock:
                            done["errors"] += 1
                        print(f"call {row['i']} failed: {exc}", file=sys.stderr)

        cpu0, t0 = _cpu_seconds(server.pid), time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall, cpu = time.monotonic() - t0, _cpu_seconds(server.pid) - cpu0
    finally:
        server.terminate()
        server.wait(timeout=20)
    result = {
        "calls": done["calls"],
        "errors": done["errors"],
        "webhook_requests": done["requests"],
        "wall_s": round(wall, 2),
        "server_cpu_s": round(cpu, 2),
        "calls_per_hour_wall": round(done["calls"] / wall * 3600),
        "calls_per_hour_per_core": round(done["calls"] / cpu * 3600) if cpu else None,
        "requests_per_s": round(done["requests"] / wall, 1),
        "answer_accuracy": round(score.accuracy, 4),
        "goal_per_core": 1000,
    }
    print(json.dumps(result, indent=2))
    return 0 if done["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
