"""Shared models: the append-only audit log."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    # The vocabulary of ``action`` is epiaid.core.audit.AuditAction (record() refuses anything else).
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    # user, token, seller, system or anonymous (epiaid.core.actors.ActorKind)
    actor_kind = models.CharField(max_length=10, default="user")
    action = models.CharField(max_length=50, db_index=True)
    target = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=100, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.target}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")


class ApiToken(models.Model):
    """A bearer token for a machine acting as a user (a PACS pushing studies, a gateway).

    Only the SHA-256 of the secret is stored: a database leak does not leak working tokens. The secret
    is shown once when issued (``epiaid token issue``); the prefix identifies it in lists and audits.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="what uses it, e.g. 'PACS gateway, ward 3'")
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    #: what the token may do where a service checks (``xray.stow``, ``xray.wado``; see core/tokens.SCOPES);
    #: tokens issued before scopes existed were migrated to every scope, so nothing they did breaks.
    scopes = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="refused from then on; empty: never")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"{self.prefix}… {self.name} ({self.user}, {state})"

    def expired(self, now: Any = None) -> bool:
        from django.utils import timezone

        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


# Background work (core/jobs): defined in its own module, registered with the core app here.
from epiaid.core.jobs.models import Job, Lease, ScheduleState, WorkerBeat  # noqa: E402

__all__ = ["ApiToken", "AppendOnlyError", "AuditEvent", "Job", "Lease", "ScheduleState", "WorkerBeat"]
