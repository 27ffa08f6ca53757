"""The database under concurrent use: a job's worker thread writes while a request thread reads."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections

from epiaid.core.models import AuditEvent


@pytest.mark.django_db(transaction=True)
def test_a_worker_thread_can_write_while_another_thread_keeps_reading() -> None:
    """Jobs (ranking, assay design) update their row from a thread while pages poll it.

    On SQLite's shared-cache in-memory test database a polling reader used to make the worker's write
    fail at once ("database table is locked"), leaving a job stuck as queued; see core/settings.py.
    """
    AuditEvent.objects.create(action="test.seed", target="core.test")
    errors: list[Exception] = []
    done = threading.Event()

    def worker() -> None:
        try:
            for i in range(300):
                AuditEvent.objects.create(action="test.write", target="core.test", object_id=str(i))
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            done.set()
            close_old_connections()

    thread = threading.Thread(target=worker)
    thread.start()
    while not done.is_set():
        list(AuditEvent.objects.filter(target="core.test").values_list("pk", flat=True)[:50])
    thread.join()
    assert not errors, errors
    assert AuditEvent.objects.filter(action="test.write").count() == 300
