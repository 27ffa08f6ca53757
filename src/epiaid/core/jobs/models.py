"""What the queue knows about background work, beside django-tasks-db's own task rows.

django-tasks-db stores *attempts* (one ``DBTaskResult`` row per enqueue) and runs them; it has no
visibility timeout, no owner, no progress and no cancellation. A :class:`Job` is the unit a person
sees and acts on: one per submission, pointing at its current attempt's task row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=64, db_index=True)
    handler = models.CharField(max_length=200, help_text="dotted path of the function that does the work")
    args = models.JSONField(default=list, blank=True)
    ref = models.CharField(max_length=100, blank=True, help_text="the capability's record, e.g. assay.designjob:3")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    #: what the handler returned: ``lines`` to show, ``files`` it wrote (name -> content type), ``link``
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    worker_id = models.CharField(max_length=100, blank=True)
    task_id = models.CharField(max_length=64, blank=True, help_text="the current attempt's django-tasks result id")
    cancel_requested = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "status"]), models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        return f"job {self.pk} {self.kind} ({self.status})"

    @property
    def fraction(self) -> float | None:
        return self.done / self.total if self.total else None


class WorkerBeat(models.Model):
    """A worker process's last sign of life (the health endpoint and the landing page read it)."""

    worker_id = models.CharField(max_length=100, primary_key=True)
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} (last seen {self.last_seen:%H:%M:%S})"


class Lease(models.Model):
    """A named lock held by one process until it expires (leader election for the scheduler)."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=100)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"lease {self.name} held by {self.holder}"


class ScheduleState(models.Model):
    """The last occurrence of a schedule that was enqueued, so a restart neither skips nor repeats one."""

    name = models.CharField(max_length=100, primary_key=True)
    last_occurrence = models.DateTimeField()

    def __str__(self) -> str:
        return f"schedule {self.name} at {self.last_occurrence:%Y-%m-%d %H:%M}"
