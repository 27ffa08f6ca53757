"""A design job: who asked, with what, how far it got, and where its outputs are."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DesignJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    title = models.CharField(max_length=200, blank=True)
    genomes_name = models.CharField(max_length=255)
    reference_name = models.CharField(max_length=255)
    targets = models.PositiveSmallIntegerField(default=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True)
    panel = models.JSONField(default=list, blank=True)  # rows of panel.tsv
    issues = models.JSONField(default=list, blank=True)  # per-record QC messages
    work_dir = models.CharField(max_length=500)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"assay design #{self.pk} ({self.status})"
