"""The database under concurrent use, as a deployment runs it: a file in WAL mode with a busy timeout."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from epiaid.core.models import AuditEvent


@pytest.mark.django_db
def test_the_sqlite_test_database_is_a_file_in_wal_mode_like_a_deployment() -> None:
    """Never Django's in-memory shared-cache database, whose table locks no deployment has."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite pass only")
    name = str(connection.settings_dict["NAME"])
    assert ":memory:" not in name and "mode=memory" not in name, name
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 10_000


@pytest.mark.django_db(transaction=True)
def test_a_worker_thread_can_write_while_another_thread_keeps_reading() -> None:
    """Jobs update their row from another thread or process while pages poll it.

    On SQLite's shared-cache in-memory database a polling reader made the writer fail at once
    ("database table is locked"), leaving a job stuck as queued; the file database in WAL mode lets
    readers and one writer proceed together.
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


@pytest.mark.django_db(transaction=True)
def test_two_threads_writing_at_once_both_succeed() -> None:
    """Two writers (a live-server request and a job, say) wait for each other instead of failing."""
    errors: list[Exception] = []

    def writer(tag: str) -> None:
        try:
            for i in range(150):
                AuditEvent.objects.create(action="test.write", target=tag, object_id=str(i))
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=writer, args=(f"core.test{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert AuditEvent.objects.filter(action="test.write").count() == 300
