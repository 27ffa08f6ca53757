"""Background jobs: submit, run, watch, cancel and retry long work, on Django's task framework.

The queue itself is django-tasks (the backport of Django 6's ``django.tasks``) with its ORM backend,
so SQLite by default and PostgreSQL in production need no extra server. This module adds what an
outbreak team needs around it and the library does not have:

- a :class:`~epiaid.core.jobs.models.Job` per submission: owner, progress, error, cancellation;
- limits: a queue cap per user, and global and per-user concurrency per kind of job, checked when a
  worker claims a job (a job over its limit waits, it is not refused);
- a visibility timeout: a running job's worker writes a heartbeat; a job whose heartbeat stops (the
  worker was killed) is queued again by :func:`reap`, at most ``max_attempts`` times in all;
- exactly-once completion: only the attempt that holds the job may finish it.

Capabilities declare a kind once (:func:`register`) and call :func:`submit`; the handler is a plain
function ``handler(ctx, *args)`` run in a worker process, never in the web process.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskContext, task

from epiaid.core.actors import Actor
from epiaid.core.errors import Conflict
from epiaid.core.jobs.models import Job

log = logging.getLogger(__name__)

Status = Job.Status


class JobError(Conflict):
    """A request about a job that cannot be granted; the message says why, for the person asking."""

    code = "job_conflict"


class JobRefused(JobError, ValueError):
    """The submission is over a limit (the per-user queue cap)."""

    status = 429
    code = "queue_full"


class JobCancelled(Exception):
    """Raised inside a handler (from :meth:`JobContext.progress`) once someone cancelled the job."""


@dataclass(frozen=True)
class JobKind:
    """How one kind of job runs: its handler and its limits."""

    name: str
    handler: str
    queue: str = "default"
    global_limit: int | None = None
    per_user_limit: int | None = None
    max_attempts: int = 3
    #: called with (job, reason) when the job ends without its handler finishing (cancelled, given up),
    #: so the capability can mark its own record; runs in whatever process ended the job.
    on_abandon: str | None = None
    #: called with (job,) when someone retries the job, so the capability can reopen its own record
    on_retry: str | None = None


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    KINDS[kind.name] = kind
    return kind


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def heartbeat_s() -> float:
    return _setting("JOBS_HEARTBEAT_S", 5.0)


def visibility_timeout_s() -> float:
    return _setting("JOBS_VISIBILITY_TIMEOUT_S", 60.0)


def user_queue_cap() -> int:
    return int(_setting("JOBS_PER_USER_CAP", 20))


def actor_label_of(actor: Any) -> str:
    return Actor.of(actor).label


# --------------------------------------------------------------------------------------------- submit


def submit(
    kind: JobKind,
    *args: Any,
    actor: Any,
    ref: str = "",
    idempotency_key: str | None = None,
    message: str = "waiting for a worker",
) -> Job:
    """Queue one job of ``kind`` for ``actor`` (a user, or a ``system:…`` label for schedules).

    Refused with :class:`JobRefused` when the user already has :func:`user_queue_cap` jobs waiting or
    running. With an ``idempotency_key`` already used, the existing job is returned, nothing queued.
    """
    owner = Actor.of(actor).user
    if idempotency_key is not None:
        existing = Job.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    check_capacity(owner)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind.name,
                handler=kind.handler,
                args=list(args),
                ref=ref,
                owner=owner,
                actor_label=actor_label_of(actor),
                max_attempts=kind.max_attempts,
                idempotency_key=idempotency_key,
                message=message,
            )
            _enqueue(job, kind)
    except IntegrityError:
        if idempotency_key is None:
            raise
        return Job.objects.get(idempotency_key=idempotency_key)  # another scheduler got there first
    return Job.objects.get(pk=job.pk)


def check_capacity(actor: Any) -> None:
    """Refuse (:class:`JobRefused`) a person who already has the most jobs waiting or running.

    Capabilities call it before storing a submission's inputs, so a refusal leaves nothing behind.
    """
    owner = Actor.of(actor).user
    if owner is None:
        return
    active = Job.objects.filter(owner=owner, status__in=Job.ACTIVE).count()
    if active >= user_queue_cap():
        raise JobRefused(
            f"you already have {active} jobs waiting or running (the limit is {user_queue_cap()}); "
            "wait for one to finish or cancel one"
        )


def _enqueue(job: Job, kind: JobKind, *, delay_s: float = 0.0) -> None:
    """Create the next attempt's task row and point the job at it (inside the caller's transaction)."""
    run_after = timezone.now() + timedelta(seconds=delay_s) if delay_s else None
    result = execute.using(queue_name=kind.queue, run_after=run_after).enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


def output_dir(job_id: int) -> Path:
    folder = Path(settings.DATA_DIR) / "jobs" / str(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def output_file(job: Job, name: str) -> tuple[Path, str] | None:
    """A file a finished job listed in its result (never any other path), with its content type."""
    files = job.result.get("files", {}) if isinstance(job.result, dict) else {}
    if job.status != Status.SUCCEEDED or name not in files or "/" in name or name.startswith("."):
        return None
    path = Path(settings.DATA_DIR) / "jobs" / str(job.pk) / name
    return (path, str(files[name])) if path.is_file() else None


def download(actor: Any, job_id: int, name: str) -> tuple[Path, str]:
    """A file a job wrote, for someone who may see the job: 404 otherwise; every download audited."""
    from epiaid.core.actors import Actor
    from epiaid.core.audit import AuditAction, event
    from epiaid.core.errors import NotFound

    who = Actor.of(actor)
    job = jobs_visible_to(who.user).filter(pk=job_id).first()
    found = output_file(job, name) if job is not None else None
    if job is None or found is None:
        raise NotFound(f"job {job_id} has no file {name!r}", code="unknown_file")
    event(who, AuditAction.EXPORT, "core.job", object_id=job.pk, detail={"file": name, "kind": job.kind})
    return found


def kind_of(job: Job) -> JobKind:
    """The job's kind; importing its handler registers it (a worker may not have imported it yet)."""
    if job.kind not in KINDS:
        import_string(job.handler)
    return KINDS.get(job.kind) or JobKind(job.kind, job.handler)


# ------------------------------------------------------------------------------------------ run (worker)


class JobContext:
    """What a handler gets: progress reporting that also tells it when to stop."""

    def __init__(self, job: Job, cancelled: threading.Event) -> None:
        self.job_id = job.pk
        self.attempt = job.attempts
        self.actor_label = job.actor_label
        self.owner = job.owner
        self._cancelled = cancelled
        self._last = 0.0

    @property
    def output_dir(self) -> Path:
        """Where the job writes the files it lists in its result's ``files`` (downloadable from its page)."""
        return output_dir(self.job_id)

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def progress(self, done: int, total: int, message: str = "") -> None:
        """Store progress (at most twice a second, always the last step); raise if cancelled."""
        if self._cancelled.is_set():
            raise JobCancelled(f"job {self.job_id} was cancelled")
        now = time.monotonic()
        if now - self._last >= 0.5 or done >= total:
            self._last = now
            try:
                Job.objects.filter(pk=self.job_id, attempts=self.attempt, status=Status.RUNNING).update(
                    done=max(done, 0), total=max(total, 0), message=message[:300]
                )
            except (OperationalError, InterfaceError) as exc:  # progress is best effort: work goes on
                log.warning("progress of job %s not stored: %s", self.job_id, exc)
                connection.close()


@task(takes_context=True)
def execute(context: TaskContext, job_id: int) -> str:
    """The one django-tasks task: claim the job, run its handler, record the outcome."""
    worker_ids = context.task_result.worker_ids
    return run_claimed(job_id, str(context.task_result.id), worker_ids[-1] if worker_ids else "inline")


def _claim(job_id: int, task_id: str, worker_id: str) -> tuple[Job | None, str]:
    """Take the job for this attempt, or say why not (stale attempt, finished, over a limit)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return None, "gone"
    kind = kind_of(job)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Serialise claims of one kind so two workers cannot both pass the concurrency check.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"epiaid.jobs.{job.kind}"])
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != Status.QUEUED or (job.task_id and job.task_id != task_id):
            return None, "stale"  # cancelled, finished, or re-queued under a newer task row
        if job.cancel_requested:
            _end(job, Status.CANCELLED, "cancelled before it started", kind=kind)
            return None, "cancelled"
        running = Job.objects.filter(kind=job.kind, status=Status.RUNNING)
        over_global = kind.global_limit is not None and running.count() >= kind.global_limit
        over_user = (
            kind.per_user_limit is not None
            and job.owner_id is not None
            and running.filter(owner_id=job.owner_id).count() >= kind.per_user_limit
        )
        if over_global or over_user:
            who = "for you" if over_user else "in all"
            job.message = f"waiting: the most {kind.name} jobs that may run at once {who} are running"
            job.save(update_fields=["message"])
            _enqueue(job, kind, delay_s=_setting("JOBS_DEFER_S", 2.0))
            return None, "deferred"
        now = timezone.now()
        job.status, job.attempts, job.worker_id = Status.RUNNING, job.attempts + 1, worker_id[:100]
        job.started_at = job.started_at or now
        job.heartbeat_at, job.message, job.error = now, "started", ""
        job.save(update_fields=["status", "attempts", "worker_id", "started_at", "heartbeat_at", "message", "error"])
        return job, "claimed"


def run_claimed(job_id: int, task_id: str, worker_id: str) -> str:
    job, outcome = _claim(job_id, task_id, worker_id)
    if job is None:
        return outcome
    kind = kind_of(job)
    cancelled = threading.Event()
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(job.pk, job.attempts, cancelled, stop), daemon=True)
    beat.start()
    try:
        handler: Callable[..., Any] = import_string(job.handler)
        value = handler(JobContext(job, cancelled), *job.args)
    except JobCancelled:
        _finish(job, Status.CANCELLED, "cancelled while running", kind=kind)
        return "cancelled"
    except (OperationalError, InterfaceError) as exc:  # the database went away under the handler
        log.warning("job %s (%s) lost the database: %s", job.pk, job.kind, exc)
        _finish(job, Status.QUEUED, f"the database connection was lost during attempt {job.attempts}", kind=kind)
        return "queued again"
    except Exception as exc:  # the handler's failure is the job's outcome, never a stuck "running"
        log.warning("job %s (%s) failed: %s", job.pk, job.kind, exc)
        _finish(job, Status.FAILED, f"{type(exc).__name__}: {exc}", detail=traceback.format_exc(), kind=kind)
        return "failed"
    finally:
        stop.set()
        beat.join(timeout=5)
    _finish(job, Status.SUCCEEDED, "done", kind=kind, result=value if isinstance(value, dict) else None)
    return "succeeded"


def _heartbeat(job_id: int, attempt: int, cancelled: threading.Event, stop: threading.Event) -> None:
    """Keep the claim alive while the handler runs; notice a cancellation; survive a database restart."""
    try:
        while not stop.wait(heartbeat_s()):
            try:
                rows = Job.objects.filter(pk=job_id, attempts=attempt, status=Status.RUNNING)
                rows.update(heartbeat_at=timezone.now())
                if rows.filter(cancel_requested=True).exists():
                    cancelled.set()
            except DatabaseError as exc:  # the database went away: try again at the next beat
                log.warning("heartbeat of job %s failed: %s", job_id, exc)
                close_old_connections()
                connection.close()
    finally:
        connection.close()


def _finish(
    job: Job, status: str, message: str, *, detail: str = "", kind: JobKind, result: dict[str, Any] | None = None
) -> None:
    """Record the outcome of the attempt that holds the job, retrying while the database is away.

    ``QUEUED`` as the outcome hands the job to a later attempt (or gives up after the last one).
    """
    deadline = time.monotonic() + _setting("JOBS_FINISH_RETRY_S", 120.0)
    while True:
        try:
            with transaction.atomic():
                current = Job.objects.select_for_update().filter(pk=job.pk).first()
                if current is None or current.status != Status.RUNNING or current.attempts != job.attempts:
                    return  # reaped and handed to another attempt meanwhile: that one reports
                if status == Status.QUEUED:
                    _hand_over(current, kind, message, timezone.now())
                else:
                    _end(current, status, message, detail=detail, kind=kind, result=result)
            return
        except DatabaseError as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("recording job %s failed (%s); retrying", job.pk, exc)
            connection.close()
            time.sleep(1.0)


def _end(
    job: Job, status: str, message: str, *, detail: str = "", kind: JobKind, result: dict[str, Any] | None = None
) -> None:
    job.status, job.finished_at, job.message = status, timezone.now(), message[:300]
    if result is not None:
        job.result = result
        message = str(result.get("message", message))
        job.message = message[:300]
    if status == Status.SUCCEEDED and job.total:
        job.done = job.total
    if status in (Status.FAILED, Status.CANCELLED):
        job.error = detail or message
    job.save(update_fields=["status", "finished_at", "message", "done", "error", "result"])
    if kind.on_abandon and status == Status.CANCELLED:
        import_string(kind.on_abandon)(job, message)


def _hand_over(job: Job, kind: JobKind, reason: str, moment: Any) -> None:
    """The attempt holding ``job`` is lost: queue the job again, or give up after its last attempt."""
    job.refresh_from_db()
    if job.attempts >= job.max_attempts:
        job.status, job.finished_at = Status.FAILED, moment
        job.message = f"gave up after {job.attempts} attempts: {reason}"[:300]
        job.error = job.message
        job.save(update_fields=["status", "finished_at", "message", "error"])
        if kind.on_abandon:
            import_string(kind.on_abandon)(job, job.message)
    else:
        Job.objects.filter(pk=job.pk).update(status=Status.QUEUED, message=f"queued again: {reason}"[:300])
        _enqueue(job, kind)


def reap(*, now: Any = None) -> list[int]:
    """Queue again every running job whose heartbeat stopped (its worker died); give up after N attempts.

    Safe to run from every worker at once: each job is taken over by one conditional update.
    """
    from django_tasks_db.models import DBTaskResult

    moment = now or timezone.now()
    cutoff = moment - timedelta(seconds=visibility_timeout_s())
    reaped = []
    for job in Job.objects.filter(status=Status.RUNNING, heartbeat_at__lt=cutoff):
        kind = kind_of(job)
        with transaction.atomic():
            taken = Job.objects.filter(pk=job.pk, status=Status.RUNNING, heartbeat_at=job.heartbeat_at).update(
                heartbeat_at=moment
            )
            if not taken:
                continue
            if job.task_id:
                DBTaskResult.objects.filter(id=job.task_id, status="RUNNING").update(
                    status="FAILED", finished_at=moment, traceback="worker stopped sending heartbeats"
                )
            _hand_over(job, kind, f"its worker ({job.worker_id}) stopped during attempt {job.attempts}", moment)
        reaped.append(job.pk)
    return reaped


# ---------------------------------------------------------------------------------- watch, cancel, retry


def can_manage(actor: Any, job: Job) -> bool:
    from epiaid.core.roles import Role, has_role

    return bool(actor is not None and (job.owner_id == getattr(actor, "pk", None) or has_role(actor, Role.ADMIN)))


def jobs_visible_to(actor: Any) -> QuerySet[Job]:
    """Admins see every job; everyone else their own."""
    from epiaid.core.roles import Role, has_role

    jobs = Job.objects.select_related("owner")
    if has_role(actor, Role.ADMIN):
        return jobs.all()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return jobs.none()
    return jobs.filter(owner=actor)


def cancel(job: Job, *, actor: Any) -> Job:
    """Cancel a queued job at once; ask a running one to stop (its handler stops at its next step)."""
    if not can_manage(actor, job):
        raise JobError("only the person who started a job, or an admin, may cancel it")
    kind = kind_of(job)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status == Status.QUEUED:
            _end(job, Status.CANCELLED, f"cancelled by {actor_label_of(actor)}", kind=kind)
        elif job.status == Status.RUNNING:
            job.cancel_requested, job.message = True, f"cancelling (asked by {actor_label_of(actor)})"
            job.save(update_fields=["cancel_requested", "message"])
        else:
            raise JobError(f"job {job.pk} has already ended ({job.status})")
    return job


def retry(job: Job, *, actor: Any) -> Job:
    """Run a failed or cancelled job again, as a fresh set of attempts."""
    if not can_manage(actor, job):
        raise JobError("only the person who started a job, or an admin, may retry it")
    kind = kind_of(job)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in (Status.FAILED, Status.CANCELLED):
            raise JobError(f"only a failed or cancelled job can be retried (job {job.pk} is {job.status})")
        job.status, job.attempts, job.cancel_requested = Status.QUEUED, 0, False
        job.finished_at, job.error = None, ""
        job.message = f"retry asked by {actor_label_of(actor)}"
        job.save(update_fields=["status", "attempts", "cancel_requested", "finished_at", "error", "message"])
        if kind.on_retry:
            import_string(kind.on_retry)(job)
        _enqueue(job, kind)
    return Job.objects.get(pk=job.pk)


def latest_for(ref: str) -> Job | None:
    """The newest job working on a capability's record (its page shows this job's state)."""
    return Job.objects.filter(ref=ref).order_by("-created_at", "-id").first()


def filter_jobs(jobs: QuerySet[Job], *, status: str = "", kind: str = "", owner: str = "") -> QuerySet[Job]:
    if status:
        jobs = jobs.filter(status=status)
    if kind:
        jobs = jobs.filter(kind__startswith=kind)
    if owner:
        jobs = jobs.filter(Q(owner__username=owner) | Q(actor_label=owner))
    return jobs


def as_dict(job: Job) -> dict[str, Any]:
    """A job as pages, the API and the CLI show it."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "owner": job.actor_label,
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "error": job.error.strip().splitlines()[-1] if job.error.strip() else "",
        "attempts": job.attempts,
        "ref": job.ref,
        "lines": list(job.result.get("lines", [])) if isinstance(job.result, dict) else [],
        "files": sorted(job.result.get("files", {})) if isinstance(job.result, dict) else [],
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
