"""A ranking job submitted from the web page: inputs live in its folder, progress in the database."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class RankJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repurposing_jobs",
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    benchmark = models.CharField(max_length=10, default="kiba")
    antivirals_only = models.BooleanField(default=False)
    targets_label = models.CharField(max_length=200, blank=True)
    library_label = models.CharField(max_length=200, blank=True)
    library_file = models.CharField(max_length=50, blank=True)
    work_dir = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=500, blank=True)
    n_targets = models.IntegerField(default=0)
    n_drugs = models.IntegerField(default=0)
    n_problems = models.IntegerField(default=0)
    # Optional docking re-rank of one target's shortlist after the ranking (0 = no docking).
    dock_top = models.IntegerField(default=0)
    dock_target = models.CharField(max_length=100, blank=True)
    dock_exhaustiveness = models.IntegerField(default=8)
    dock_time_limit_s = models.FloatField(default=300.0)
    dock_summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"ranking job {self.pk} ({self.status})"

    def fail(self, message: str) -> None:
        self.status = self.Status.FAILED
        self.message = message[:500]
        self.finished_at = timezone.now()
        self.save()

    def finish(self, info: dict[str, Any]) -> None:
        self.status = self.Status.DONE
        self.progress = 1.0
        self.n_targets = info["n_targets"]
        self.n_drugs = info["n_drugs"]
        self.n_problems = info["n_problems"]
        self.message = f"{info['n_drugs']} drugs × {info['n_targets']} targets ranked ({info['unit']})"
        if self.dock_summary:
            self.message = f"{self.message}; {self.dock_summary}"[:500]
        self.finished_at = timezone.now()
        self.save()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "status": self.status,
            "progress": self.progress,
            "message": self.message,
            "benchmark": self.benchmark,
            "targets": self.targets_label,
            "library": self.library_label,
            "n_targets": self.n_targets,
            "n_drugs": self.n_drugs,
            "n_problems": self.n_problems,
            "docking": (
                {
                    "target": self.dock_target,
                    "top": self.dock_top,
                    "exhaustiveness": self.dock_exhaustiveness,
                    "time_limit_s": self.dock_time_limit_s,
                    "summary": self.dock_summary,
                }
                if self.dock_top
                else None
            ),
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }
