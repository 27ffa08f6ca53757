"""Background jobs: real worker processes on the test database (SQLite file or PostgreSQL).

Each test starts ``epiaid worker`` processes of its own, pointed at the database this test uses, and
kills, races and stops them as a deployment would see it happen.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client

from epiaid.core.jobs import scheduler, service
from epiaid.core.jobs.models import Job, ScheduleState, WorkerBeat
from epiaid.core.roles import Role
from tests.conftest import REPO, _free_port
from tests.core.job_handlers import BOOM, MARK, NOOP, ONE_AT_A_TIME, POISON, SLOW, WRITER

pytestmark = pytest.mark.slow
SEOUL = ZoneInfo("Asia/Seoul")


def database_url() -> str:
    """The URL of the database this test runs on, for worker processes started by the test."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting for {what}"
        time.sleep(0.1)


def status(job: Job) -> str:
    return Job.objects.get(pk=job.pk).status


def ended(job: Job) -> bool:
    return status(job) not in Job.ACTIVE


@pytest.fixture
def spawn_worker(transactional_db: Any, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start real ``epiaid worker`` processes on this test's database; all are stopped afterwards."""
    url = database_url()
    processes: list[subprocess.Popen[bytes]] = []

    def spawn(*args: str, database: str | None = None) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "EPIAID_DATABASE_URL": database or url,
            "EPIAID_JOBS_HEARTBEAT_S": "0.3",
            "EPIAID_JOBS_VISIBILITY_TIMEOUT_S": "2",
            "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "src")]),
        }
        log = (tmp_path / f"worker-{len(processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "epiaid", "worker", "--interval", "0.05", "--queues", "*", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield spawn
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_a_job_runs_in_a_worker_process_never_in_the_one_that_submitted_it(spawn_worker: Any, tmp_path: Path) -> None:
    job = service.submit(MARK, str(tmp_path), actor="system:test")
    assert job.status == "queued" and job.task_id is not None
    time.sleep(0.5)
    assert status(job) == "queued"  # nothing runs it here
    spawn_worker()
    wait_for(lambda: status(job) == "succeeded", "the job to succeed")
    pid = int((tmp_path / f"job-{job.pk}").read_text().split()[0])
    assert pid != os.getpid()
    job.refresh_from_db()
    assert job.attempts == 1 and job.started_at and job.finished_at and job.started_at <= job.finished_at


def test_a_job_that_raises_ends_failed_with_its_message_never_left_running(spawn_worker: Any) -> None:
    job = service.submit(BOOM, actor="system:test")
    spawn_worker()
    wait_for(lambda: ended(job), "the job to end")
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message == "ValueError: the input has no sequence named ORF1ab"
    assert "Traceback" in job.error and service.as_dict(job)["error"].startswith("ValueError")


def test_a_worker_killed_mid_task_hands_the_job_over_and_it_finishes_once(spawn_worker: Any, tmp_path: Path) -> None:
    job = service.submit(SLOW, str(tmp_path), 3.0, actor="system:test")
    first = spawn_worker()
    wait_for(lambda: (tmp_path / f"started-{job.pk}-1").exists(), "the first attempt to start")
    wait_for(lambda: Job.objects.get(pk=job.pk).done > 0, "progress from the first attempt")
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert status(job) == "running"  # nobody knows yet: the heartbeat just stops
    spawn_worker()
    wait_for(lambda: status(job) == "succeeded", "the second worker to finish the job", timeout=90)
    job.refresh_from_db()
    assert job.attempts == 2
    assert sorted(p.name for p in tmp_path.glob(f"finished-{job.pk}-*")) == [f"finished-{job.pk}-2"]
    assert (tmp_path / f"started-{job.pk}-2").exists()


def test_a_poison_task_that_kills_every_worker_stops_after_its_attempts(spawn_worker: Any) -> None:
    job = service.submit(POISON, actor="system:test")
    deadline = time.monotonic() + 90
    worker = spawn_worker()
    while not ended(job):
        assert time.monotonic() < deadline, "the poison job never ended"
        if worker.poll() is not None:
            worker = spawn_worker()  # a supervisor restarts dead workers
        time.sleep(0.2)
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == 2
    assert job.message.startswith("gave up after 2 attempts")


def test_two_workers_racing_for_200_jobs_run_each_exactly_once(spawn_worker: Any, tmp_path: Path) -> None:
    spawn_worker()
    spawn_worker()
    wait_for(lambda: WorkerBeat.objects.count() == 2, "both workers to start")
    jobs = [service.submit(MARK, str(tmp_path), actor="system:test") for _ in range(200)]
    ids = [j.pk for j in jobs]
    wait_for(
        lambda: not Job.objects.filter(pk__in=ids, status__in=Job.ACTIVE).exists(), "all 200 jobs to end", timeout=180
    )
    assert Job.objects.filter(pk__in=ids, status="succeeded", attempts=1).count() == 200
    marks = list(tmp_path.glob("job-*"))
    assert len(marks) == 200  # O_EXCL: a second run of any job would have failed it
    pids = {m.read_text().split()[0] for m in marks}
    assert len(pids) == 2, "both workers took a share"


def test_a_kind_limited_to_one_at_a_time_never_runs_two_at_once(spawn_worker: Any, tmp_path: Path) -> None:
    jobs = [service.submit(ONE_AT_A_TIME, str(tmp_path), 0.6, actor="system:test") for _ in range(3)]
    spawn_worker()
    spawn_worker()
    wait_for(lambda: all(ended(j) for j in jobs), "the three jobs to end", timeout=90)
    spans = sorted((j.started_at, j.finished_at) for j in Job.objects.filter(pk__in=[j.pk for j in jobs]))
    assert all(status(j) == "succeeded" for j in jobs)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, "two jobs of a one-at-a-time kind overlapped"


def test_cancelling_a_queued_job_means_it_never_runs(spawn_worker: Any, tmp_path: Path, make_user: Any) -> None:
    owner = make_user(Role.REVIEWER)
    job = service.submit(MARK, str(tmp_path), actor=owner)
    service.cancel(job, actor=owner)
    spawn_worker()
    follower = service.submit(NOOP, actor=owner)
    wait_for(lambda: status(follower) == "succeeded", "a later job to run")
    assert status(job) == "cancelled" and not (tmp_path / f"job-{job.pk}").exists()


def test_cancelling_a_running_job_stops_it_at_its_next_step(spawn_worker: Any, tmp_path: Path, make_user: Any) -> None:
    owner = make_user(Role.REVIEWER)
    job = service.submit(SLOW, str(tmp_path), 30.0, actor=owner)
    spawn_worker()
    wait_for(lambda: status(job) == "running", "the job to start")
    service.cancel(job, actor=owner)
    wait_for(lambda: status(job) == "cancelled", "the running job to stop", timeout=20)
    assert not (tmp_path / f"finished-{job.pk}-1").exists()


def test_a_failed_job_is_retried_by_its_owner_or_an_admin_and_nobody_else(
    spawn_worker: Any, tmp_path: Path, make_user: Any
) -> None:
    owner, stranger, admin = make_user(Role.REVIEWER), make_user(Role.CLINICIAN), make_user(Role.ADMIN)
    job = service.submit(SLOW, str(tmp_path), 0.1, actor=owner)
    service.cancel(job, actor=owner)
    with pytest.raises(service.JobError, match="only the person who started"):
        service.retry(job, actor=stranger)
    service.retry(job, actor=admin)
    spawn_worker()
    wait_for(lambda: status(job) == "succeeded", "the retried job to succeed")
    with pytest.raises(service.JobError, match="only a failed or cancelled job"):
        service.retry(Job.objects.get(pk=job.pk), actor=owner)


def test_ctrl_c_stops_a_worker_and_its_children_cleanly(spawn_worker: Any) -> None:
    parent = spawn_worker("--concurrency", "2")
    wait_for(lambda: WorkerBeat.objects.count() == 2, "two worker processes")
    parent.send_signal(signal.SIGINT)
    assert parent.wait(timeout=30) == 0
    wait_for(lambda: WorkerBeat.objects.count() == 0, "the workers to sign off")


# ------------------------------------------------------------------------------------- limits (no worker)


def test_the_21st_waiting_job_of_one_person_is_refused_with_the_reason(db: Any, make_user: Any, settings: Any) -> None:
    settings.JOBS_PER_USER_CAP = 20
    user = make_user(Role.REVIEWER)
    for _ in range(20):
        service.submit(NOOP, actor=user)
    with pytest.raises(service.JobRefused, match="you already have 20 jobs waiting or running"):
        service.submit(NOOP, actor=user)
    assert Job.objects.filter(owner=user).count() == 20
    service.submit(NOOP, actor=make_user(Role.REVIEWER, username="someone_else"))  # the cap is per person


def test_the_ranking_api_answers_429_when_the_queue_cap_is_reached(
    client_as: Any, settings: Any, tmp_path: Path
) -> None:
    settings.JOBS_PER_USER_CAP = 1
    settings.DATA_DIR = tmp_path
    client = client_as(Role.REVIEWER)
    first = client.post("/api/repurposing/jobs", {"benchmark": "kiba"}, content_type="application/json")
    assert first.status_code == 200, first.content
    second = client.post("/api/repurposing/jobs", {"benchmark": "kiba"}, content_type="application/json")
    assert second.status_code == 429
    assert "the limit is 1" in second.json()["detail"]
    assert Job.objects.filter(kind="repurposing.rank").count() == 1


# ---------------------------------------------------------------------------------------------- schedules


def _daily(name: str = "test.daily") -> dict[str, scheduler.Schedule]:
    return {name: scheduler.Schedule(name, "0 3 * * *", NOOP)}


def test_a_schedule_fires_once_at_its_time_in_seoul(db: Any) -> None:
    schedules = _daily()
    start = datetime(2026, 12, 3, 2, 0, tzinfo=SEOUL)
    assert scheduler.tick(now=start, schedules=schedules) == []  # a new schedule starts from now
    assert scheduler.tick(now=start + timedelta(minutes=59), schedules=schedules) == []
    fired = scheduler.tick(now=datetime(2026, 12, 3, 3, 0, 1, tzinfo=SEOUL), schedules=schedules)
    assert len(fired) == 1 and fired[0].actor_label == "system:scheduler"
    assert fired[0].idempotency_key == "schedule:test.daily:2026-12-03T03:00:00+09:00"
    assert scheduler.tick(now=datetime(2026, 12, 3, 3, 0, 6, tzinfo=SEOUL), schedules=schedules) == []
    assert Job.objects.count() == 1


def test_a_scheduler_restarted_after_two_days_catches_up_each_missed_occurrence_once(db: Any) -> None:
    schedules = _daily()
    scheduler.tick(now=datetime(2026, 12, 3, 12, 0, tzinfo=SEOUL), schedules=schedules)
    later = datetime(2026, 12, 5, 12, 0, tzinfo=SEOUL)  # down over two 03:00 occurrences
    fired = scheduler.tick(now=later, schedules=schedules)
    assert [j.idempotency_key for j in fired] == [
        "schedule:test.daily:2026-12-04T03:00:00+09:00",
        "schedule:test.daily:2026-12-05T03:00:00+09:00",
    ]
    assert scheduler.tick(now=later, schedules=schedules) == []
    assert ScheduleState.objects.get(name="test.daily").last_occurrence == datetime(2026, 12, 5, 3, 0, tzinfo=SEOUL)


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_ticking_at_once_enqueue_an_occurrence_once() -> None:
    schedules = _daily()
    scheduler.tick(now=datetime(2026, 12, 3, 2, 0, tzinfo=SEOUL), schedules=schedules)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def tick() -> None:
        try:
            barrier.wait()
            scheduler.tick(now=datetime(2026, 12, 3, 3, 0, 1, tzinfo=SEOUL), schedules=schedules)
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert Job.objects.filter(kind="test.noop").count() == 1


def test_only_the_lease_holder_schedules_until_its_lease_expires(db: Any) -> None:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=SEOUL)
    assert scheduler.acquire("a", now=now, ttl_s=30)
    assert not scheduler.acquire("b", now=now + timedelta(seconds=10), ttl_s=30)
    assert scheduler.acquire("a", now=now + timedelta(seconds=20), ttl_s=30)  # renewal
    assert scheduler.acquire("b", now=now + timedelta(seconds=51), ttl_s=30)  # a went quiet
    assert not scheduler.acquire("a", now=now + timedelta(seconds=52), ttl_s=30)


def test_the_retention_purge_is_a_daily_schedule_run_as_a_system_actor(db: Any) -> None:
    schedules = scheduler.load_schedules()
    purge = schedules["investigation.retention_purge"]
    assert purge.crontab == "0 3 * * *" and purge.kind.name == "investigation.purge_expired"


# ------------------------------------------------------------------------------------ health, page, CLI


def test_health_says_whether_a_worker_was_seen_in_the_last_minute(client: Client, db: Any) -> None:
    from django.utils import timezone

    assert client.get("/api/health").json() == {"status": "ok", "worker_alive": False, "worker_last_seen": None}
    now = timezone.now()
    WorkerBeat.objects.create(worker_id="w", host="h", pid=1, queues="*", started_at=now, last_seen=now)
    assert client.get("/api/health").json()["worker_alive"] is True
    WorkerBeat.objects.filter(worker_id="w").update(last_seen=now - timedelta(minutes=2))
    assert client.get("/api/health").json()["worker_alive"] is False


def test_the_landing_page_warns_staff_but_not_the_public_when_no_worker_runs(client_as: Any) -> None:
    assert 'id="no-worker"' in client_as(Role.HEALTH_STAFF).get("/").content.decode()
    assert 'id="no-worker"' not in client_as(Role.PUBLIC).get("/").content.decode()


def test_the_jobs_page_shows_people_their_own_jobs_and_admins_all(client_as: Any, make_user: Any) -> None:
    owner = make_user(Role.REVIEWER, username="연구원1")
    service.submit(NOOP, actor=owner, message="내 작업")
    service.submit(NOOP, actor="system:scheduler", message="예약 작업")
    mine = Client()
    mine.force_login(owner)
    page = mine.get("/jobs/").content.decode()
    assert "내 작업" in page and "예약 작업" not in page
    assert "백그라운드 작업" in page and "다시 실행" not in page  # Korean by default; nothing failed yet
    assert "Background jobs" in mine.get("/jobs/", headers={"accept-language": "en"}).content.decode()
    admin_page = client_as(Role.ADMIN).get("/jobs/?kind=test.noop").content.decode()
    assert "내 작업" in admin_page and "예약 작업" in admin_page
    assert client_as(Role.CLINICIAN).get("/api/jobs").json() == []
    assert Client().get("/api/jobs").status_code == 401


def test_the_owner_cancels_from_the_jobs_page_and_a_stranger_cannot(client_as: Any, make_user: Any) -> None:
    owner = make_user(Role.REVIEWER, username="연구원2")
    job = service.submit(NOOP, actor=owner)
    assert client_as(Role.CLINICIAN).post(f"/jobs/{job.pk}/cancel/").status_code == 404
    mine = Client()
    mine.force_login(owner)
    assert mine.post(f"/jobs/{job.pk}/cancel/").status_code == 302
    assert status(job) == "cancelled"
    assert mine.post(f"/api/jobs/{job.pk}/cancel").status_code == 409


def test_a_finished_job_page_lists_its_lines_and_files_and_only_listed_files_download(
    make_user: Any, jobs_inline: None, settings: Any, tmp_path: Path
) -> None:
    from urllib.parse import quote

    from epiaid.core.models import AuditEvent

    settings.DATA_DIR = tmp_path
    owner = make_user(Role.HEALTH_STAFF, username="보건소")
    job = service.submit(WRITER, "동향 보고", actor=owner)
    assert status(job) == "succeeded"
    client = Client()
    client.force_login(owner)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "첫 줄" in page and "보고서.txt" in page and "back to trends" in page and "wrote one file" in page
    assert 'http-equiv="refresh"' not in page  # it reloads itself only while the job is active
    download = client.get(f"/jobs/{job.pk}/files/{quote('보고서.txt')}")
    assert download.status_code == 200 and b"".join(download.streaming_content).decode() == "동향 보고"
    assert AuditEvent.objects.filter(action="export", target="core.job", object_id=str(job.pk)).exists()
    assert client.get(f"/jobs/{job.pk}/files/scratch.tmp").status_code == 404  # written, not listed
    assert client.get(f"/jobs/{job.pk}/files/..%2Fsecret_key").status_code == 404
    stranger = Client()
    stranger.force_login(make_user(Role.HEALTH_STAFF, username="남"))
    assert stranger.get(f"/jobs/{job.pk}/").status_code == 404
    assert stranger.get(f"/jobs/{job.pk}/files/{quote('보고서.txt')}").status_code == 404


def test_an_active_job_page_reloads_itself(make_user: Any) -> None:
    owner = make_user(Role.REVIEWER)
    job = service.submit(NOOP, actor=owner)
    client = Client()
    client.force_login(owner)
    assert 'http-equiv="refresh"' in client.get(f"/jobs/{job.pk}/").content.decode()


def test_jobs_cli_lists_shows_and_refuses_unknown_jobs(db: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from epiaid.cli import main

    job = service.submit(BOOM, actor="system:test")
    runner = CliRunner()
    listing = runner.invoke(main, ["jobs", "list", "--kind", "test."])
    assert listing.exit_code == 0 and f"{job.pk:>6}  test.boom" in listing.output
    assert "no worker seen" in listing.output
    shown = runner.invoke(main, ["jobs", "show", str(job.pk)])
    assert shown.exit_code == 0 and '"status": "queued"' in shown.output
    missing = runner.invoke(main, ["jobs", "retry", "999999", "--as", "nobody"])
    assert missing.exit_code != 0


# ------------------------------------------------------------------------- PostgreSQL restarting under us


@pytest.mark.skipif(not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")), reason="PostgreSQL not installed")
@pytest.mark.django_db(transaction=True)
def test_a_worker_survives_postgresql_restarting_mid_task(spawn_worker: Any, tmp_path: Path, worker_id: str) -> None:
    """On a PostgreSQL server of this test's own (restarting the suite's shared one would break others)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL pass only")
    port = _free_port()
    script = REPO / "scripts" / "postgres-test-server.sh"
    pg_dir = Path(f"/tmp/epiaid-pg-restart-{port}")  # the postgres user must reach it: not under tmp_path
    env = {**os.environ, "EPIAID_PG_DIR": str(pg_dir)}
    url = subprocess.run([script, "start", str(port)], env=env, capture_output=True, text=True, check=True).stdout
    url = url.strip()
    try:
        run_env = {
            **os.environ,
            "EPIAID_DATABASE_URL": url,
            "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "src")]),
        }
        subprocess.run([sys.executable, "-m", "epiaid", "manage", "migrate", "-v0"], env=run_env, check=True)
        submit = (
            "import django; django.setup(); from epiaid.core.jobs.service import submit; "
            "from tests.core.job_handlers import SLOW; "
            f"print(submit(SLOW, {str(tmp_path)!r}, 6.0, actor='system:test').pk)"
        )
        run_env["DJANGO_SETTINGS_MODULE"] = "epiaid.core.settings"
        job_id = subprocess.run([sys.executable, "-c", submit], env=run_env, capture_output=True, text=True, check=True)
        job_id_text = job_id.stdout.strip().splitlines()[-1]

        def job_status() -> str:
            out = subprocess.run(
                ["psql", url, "-tAc", f"SELECT status FROM core_job WHERE id = {int(job_id_text)}"],  # noqa: S608 - an int,
                capture_output=True,
                text=True,
            )
            return out.stdout.strip()

        worker = spawn_worker(database=url)
        wait_for(lambda: (tmp_path / f"started-{job_id_text}-1").exists(), "the job to start")
        subprocess.run([script, "stop", str(port)], env=env, check=True)
        time.sleep(1.0)
        subprocess.run([script, "start", str(port)], env=env, check=True, capture_output=True)
        wait_for(lambda: job_status() == "succeeded", "the job to succeed after the restart", timeout=120)
        assert worker.poll() is None, "the worker died with the database"
        follow_up = subprocess.run(
            [sys.executable, "-c", submit.replace("6.0", "0.1")],
            env=run_env,
            capture_output=True,
            text=True,
            check=True,
        )
        job_id_text = follow_up.stdout.strip().splitlines()[-1]
        wait_for(lambda: job_status() == "succeeded", "a new job after the restart")
    finally:
        subprocess.run([script, "stop", str(port)], env=env, check=False)
        shutil.rmtree(pg_dir, ignore_errors=True)
