"""``epiaid worker``: a process that runs queued jobs, beside (never inside) the web server.

The loop that claims and runs tasks is django-tasks-db's own :class:`Worker` (``SELECT … FOR UPDATE
SKIP LOCKED`` on PostgreSQL, an exclusive transaction on SQLite, so several workers on one database
never take the same task). Around it this module adds a heartbeat row per worker (for the health
check), the reaper that re-queues jobs of dead workers, and reconnection when the database restarts.
``epiaid worker --concurrency N`` runs N such processes (``epiaid.core.cli``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string

from epiaid.core.jobs import service
from epiaid.core.jobs.models import WorkerBeat

log = logging.getLogger(__name__)

#: a worker not seen for this long counts as gone (health endpoint, landing page)
WORKER_SEEN_WITHIN = timedelta(minutes=1)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{get_random_string(6)}"


def last_worker_seen() -> Any:
    beat = WorkerBeat.objects.order_by("-last_seen").first()
    return beat.last_seen if beat else None


def worker_alive(now: Any = None) -> bool:
    seen = last_worker_seen()
    return seen is not None and seen >= (now or timezone.now()) - WORKER_SEEN_WITHIN


def _housekeeping(worker_id: str, queues: str, stop: threading.Event, scheduler: bool) -> None:
    """Every heartbeat: say this worker is alive, re-queue dead workers' jobs, run the schedules."""
    from epiaid.core.jobs import scheduler as schedules

    started = timezone.now()
    while not stop.is_set():
        try:
            now = timezone.now()
            WorkerBeat.objects.update_or_create(
                worker_id=worker_id,
                defaults={
                    "host": socket.gethostname()[:200],
                    "pid": os.getpid(),
                    "queues": queues[:200],
                    "started_at": started,
                    "last_seen": now,
                },
            )
            service.reap(now=now)
            if scheduler:
                schedules.tick_if_leader(worker_id, now=now)
        except DatabaseError as exc:  # the database is restarting: keep trying
            log.warning("worker housekeeping failed: %s", exc)
            connection.close()
        stop.wait(service.heartbeat_s())
    with contextlib.suppress(DatabaseError):  # a clean exit says goodbye; a lost database cannot hear it
        WorkerBeat.objects.filter(worker_id=worker_id).delete()
    connection.close()


def run_worker(
    *,
    queues: str = "default",
    interval: float = 1.0,
    max_tasks: int | None = None,
    batch: bool = False,
    scheduler: bool = False,
    worker_id: str | None = None,
) -> None:
    """Run one worker process until SIGINT/SIGTERM (a running task finishes first; twice to force)."""
    from django.db import connections
    from django_tasks_db.management.commands.db_worker import Worker

    # A worker keeps its connection between tasks (checked before reuse) instead of reconnecting after
    # each one as a web request does: reconnecting halved PostgreSQL throughput in bench/jobs.
    for alias in connections:
        connections[alias].settings_dict.update(CONN_MAX_AGE=None, CONN_HEALTH_CHECKS=True)
    worker_id = worker_id or new_worker_id()
    stop = threading.Event()
    housekeeping = threading.Thread(
        target=_housekeeping, args=(worker_id, queues, stop, scheduler), name="epiaid-worker-housekeeping"
    )
    housekeeping.daemon = True
    housekeeping.start()
    worker = Worker(
        queue_names=queues.split(","),
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    try:
        while True:
            try:
                worker.run()
                return
            except DatabaseError as exc:  # the database restarted under us: reconnect and go on
                log.warning("worker %s lost the database (%s); reconnecting", worker_id, exc)
                close_old_connections()
                connection.close()
                time.sleep(1.0)
    finally:
        stop.set()
        housekeeping.join(timeout=10)
