"""Page-load time of the situation map with every DS4C and coronamap visit, in headless Chromium.

Loads the real data into a throwaway SQLite database, serves it with uvicorn, and times navigation →
all visits, clusters and clinics drawn (the page's data-ready flag), for the public view (disclosure
window applied) and for the staff view (every visit). Prints a table and saves screenshots.

    .venv/bin/python bench/situation/map_load.py [--shared ../shared/data] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (args.shared / "ds4c").is_dir():
        print(f"skipped: {args.shared} has no ds4c/ (real data needed for this benchmark)")
        return 0
    data_dir = Path(tempfile.mkdtemp(prefix="epiaid-bench-map-"))
    env = {**os.environ, "EPIAID_DATA_DIR": str(data_dir), "EPIAID_SHARED_DATA": str(args.shared)}
    epiaid = str(REPO / ".venv" / "bin" / "epiaid")
    subprocess.run([epiaid, "manage", "migrate", "-v0"], env=env, check=True)
    for kind, path in [
        ("ds4c", args.shared / "ds4c"),
        ("coronamap", args.shared / "map" / "coronamap_site_routes_2020-03-11.json"),
        ("clinics", args.shared / "map" / "screening_centers_2020-03-17_MOHW_geocoded.csv"),
    ]:
        subprocess.run(
            [epiaid, "import", kind, str(path), "--show", "0"], env=env, check=True, stdout=subprocess.DEVNULL
        )
    password = secrets.token_urlsafe(16)
    script = (
        "from django.contrib.auth import get_user_model; from django.contrib.auth.models import Group;"
        "from epiaid.situation.services import set_policy; from epiaid.situation.models import Visit;"
        "from django.db.models import Max;"
        f"u=get_user_model().objects.create_user('bench', password='{password}');"
        "u.groups.add(Group.objects.get(name='health_staff'));"
        "set_policy(as_of=Visit.objects.aggregate(m=Max('date'))['m'])"
    )
    subprocess.run([epiaid, "manage", "shell", "-c", script], env=env, check=True)
    port = _port()
    server = subprocess.Popen([epiaid, "serve", "--port", str(port)], env=env)
    try:
        time.sleep(3)
        from playwright.sync_api import sync_playwright

        base = f"http://127.0.0.1:{port}"
        rows = []
        shots = REPO / "var" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for view in ("public", "staff"):
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
                page = context.new_page()
                if view == "staff":
                    page.goto(f"{base}/accounts/login/")
                    page.fill("input[name=username]", "bench")
                    page.fill("input[name=password]", password)
                    page.click("button[type=submit]")
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    page.goto(f"{base}/situation/")
                    page.wait_for_selector("#map[data-ready='true']", state="attached", timeout=120_000)
                    times.append(time.perf_counter() - start)
                shown = page.locator("#visible-count").inner_text()
                page.screenshot(path=str(shots / f"situation-map-ds4c-{view}.png"))
                rows.append((view, shown, min(times), sorted(times)[len(times) // 2]))
                context.close()
            browser.close()
        print(f"{'view':<8}{'visits drawn':>14}{'best s':>10}{'median s':>10}")
        for view, shown, best, median in rows:
            print(f"{view:<8}{shown:>14}{best:>10.2f}{median:>10.2f}")
        print(f"screenshots: {shots}/situation-map-ds4c-{{public,staff}}.png")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
