"""Approval decisions per second on PostgreSQL (or SQLite) with concurrent worker processes.

Sets up N applications at the decision stage (each with an expert review) in one track whose budget
holds only a share of them, then W processes approve them all at once through the real service
(``review.decide``: the track's ledger row locked, the decision chained, audited). Reports decisions/s
and checks the ledger: committed == Σ commitments == Σ granted, never above the budget, chain intact.

    .venv/bin/python bench/programmes/approvals.py --database-url postgres://… --apps 2000 --workers 8
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from typing import Any

WHEN = dt.datetime(2020, 3, 17, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def _setup_django(url: str) -> None:
    os.environ["EPIAID_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiaid.core.settings")
    os.environ.setdefault("EPIAID_DEBUG", "1")  # a throwaway database: no production keys needed
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # Django would otherwise keep every query of the run in memory
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def prepare(apps: int, approvable: int) -> list[int]:
    """Bulk-create applications at the decision stage, each with one review (setup is not timed)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from epiaid.core.actors import Actor
    from epiaid.programmes.engine import brn
    from epiaid.programmes.engine.businessdays import review_deadline
    from epiaid.programmes.models import Application, Assignment, Organisation, Review, Track, TrackLedger
    from epiaid.programmes.services import config

    config.load_config(Actor.system("bench"))
    track = Track.objects.get(code="hpc-covid")
    TrackLedger.objects.filter(track=track).update(budget=Decimal(200 * approvable))
    users = get_user_model()
    officer, _ = users.objects.get_or_create(username="bench_officer")
    officer.groups.add(Group.objects.get(name="programme_officer"))
    reviewer, _ = users.objects.get_or_create(username="bench_reviewer")
    applicant, _ = users.objects.get_or_create(username="bench_applicant")
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"bench {i}", brn=brn.make(f"{300000000 + i}"), kind="company") for i in range(apps)]
    )
    due = review_deadline(WHEN, 3)
    rows = Application.objects.bulk_create(
        [
            Application(
                reference=f"BENCH-{i:06d}",
                track=track,
                organisation=o,
                applicant=applicant,
                title="bench",
                requested=Decimal(200),
                requested_tf=100,
                status="decision",
                submitted_at=WHEN,
                due_at=due,
            )
            for i, o in enumerate(orgs)
        ]
    )
    ids = [a.pk for a in Application.objects.filter(reference__startswith="BENCH-").order_by("pk")]
    assignments = Assignment.objects.bulk_create(
        [Assignment(application_id=i, reviewer=reviewer, status="reviewed", declared_no_conflict_at=WHEN) for i in ids]
    )
    Review.objects.bulk_create(
        [Review(assignment=a, scores={}, total=Decimal(80), recommend=True) for a in assignments]
    )
    del rows
    return ids


def work(args: tuple[str, list[int]]) -> dict[str, Any]:
    url, ids = args
    _setup_django(url)
    from django.contrib.auth import get_user_model

    from epiaid.core.errors import Conflict
    from epiaid.programmes.models import Application
    from epiaid.programmes.services import review

    officer = get_user_model().objects.get(username="bench_officer")
    out: dict[str, Any] = {"approved": 0, "budget_exhausted": 0, "latency_ms": [], "cpu_s": 0.0}
    cpu0 = time.process_time()
    for pk in ids:
        app = Application.objects.select_related("track").get(pk=pk)
        started = time.perf_counter()
        try:
            review.decide(officer, app, approve=True, reasons="bench", now=WHEN)
            out["approved"] += 1
        except Conflict as exc:
            out[exc.code] = out.get(exc.code, 0) + 1
        out["latency_ms"].append((time.perf_counter() - started) * 1000)
    out["cpu_s"] = time.process_time() - cpu0
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--apps", type=int, default=2000)
    parser.add_argument("--approvable", type=float, default=0.6, help="share of applications the budget holds")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--out", default="")
    opts = parser.parse_args()
    _setup_django(opts.database_url)
    approvable = int(opts.apps * opts.approvable)
    ids = prepare(opts.apps, approvable)
    from django.db import connections

    connections.close_all()
    chunks = [(opts.database_url, ids[i :: opts.workers]) for i in range(opts.workers)]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=opts.workers) as pool:
        results = list(pool.map(work, chunks))
    seconds = time.perf_counter() - started
    from epiaid.core.actors import Actor
    from epiaid.programmes.models import Track
    from epiaid.programmes.services import chain, ledger

    totals: dict[str, int] = {}
    latencies: list[float] = []
    cpu_s = 0.0
    for r in results:
        latencies.extend(r.pop("latency_ms"))
        cpu_s += r.pop("cpu_s")
        for k, v in r.items():
            totals[k] = totals.get(k, 0) + v
    latencies.sort()
    rec = ledger.reconcile(Track.objects.get(code="hpc-covid").pk)
    verified = chain.verify(Actor.system("bench"))
    report = {
        "database": connections["default"].vendor,
        "applications": opts.apps,
        "workers": opts.workers,
        "seconds": round(seconds, 2),
        "decisions_per_s": round(opts.apps / seconds, 1),
        "latency_ms_p50": round(latencies[len(latencies) // 2], 1),
        "latency_ms_p95": round(latencies[int(len(latencies) * 0.95)], 1),
        "client_cpu_ms_per_decision": round(cpu_s / opts.apps * 1000, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        **totals,
        "budget": str(rec["budget"]),
        "committed": str(rec["committed"]),
        "never_overspent": rec["committed"] <= rec["budget"] and totals.get("approved", 0) == approvable,
        "ledger_exact": bool(rec["exact"]) and rec["committed"] == rec["approved_granted"],
        "chain_ok": verified["ok"],
    }
    print(json.dumps(report, indent=1))
    if opts.out:
        with open(opts.out, "w") as fh:
            json.dump(report, fh, indent=1)
    return 0 if report["never_overspent"] and report["ledger_exact"] and report["chain_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
