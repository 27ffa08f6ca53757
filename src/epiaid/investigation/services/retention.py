"""Retention: approved data is deleted at its deadline (or when the outbreak is declared over), with proof."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from epiaid.core.actors import SYSTEM_RETENTION, Actor
from epiaid.core.audit import record
from epiaid.core.roles import Role, has_role
from epiaid.investigation.engine import store
from epiaid.investigation.models import (
    DeletionRecord,
    Delivery,
    Investigation,
)
from epiaid.investigation.services.common import (
    TARGET,
    Forbidden,
    _refuse,
    store_root,
)

# --- retention -----------------------------------------------------------------------------------


def purge_expired(
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    reason: str = "retention deadline",
    actor: Any = SYSTEM_RETENTION,
) -> list[str]:
    """Delete the data of every investigation past its deadline; a DeletionRecord proves each.

    ``actor`` is who purges: the daily schedule (``system:retention``, the default) or an admin.
    """
    who = Actor.of(actor)
    actor_label = who.label
    moment = now or timezone.now()
    lines = []
    for inv in Investigation.objects.filter(retention_until__lte=moment, purged_at__isnull=True):
        root = store_root(inv)
        rows = sum(d.rows for d in Delivery.objects.filter(request__investigation=inv))
        if dry_run:
            lines.append(f"would delete investigation {inv.pk} ({rows} rows in {root})")
            continue
        files = store.delete_store(root)
        with transaction.atomic():
            DeletionRecord.objects.create(
                investigation=inv, files_deleted=files, rows_deleted=rows, reason=reason, actor_label=actor_label
            )
            inv.purged_at = moment
            inv.save(update_fields=["purged_at"])
        record(
            None,
            "delete",
            f"{TARGET}.data",
            object_id=inv.pk,
            actor=who,
            detail={"files": files, "rows": rows, "reason": reason, "by": actor_label},
        )
        lines.append(f"deleted investigation {inv.pk}: {files} files, {rows} rows ({reason})")
    return lines


def end_outbreak(actor: Any, request: HttpRequest | None = None) -> list[str]:
    """Declare the outbreak over: every investigation's deadline becomes now, then purge."""
    if not has_role(actor, Role.ADMIN):
        raise _refuse(
            Forbidden,
            "only an administrator declares the end of the outbreak",
            actor=actor,
            request=request,
            target="retention",
        )
    now = timezone.now()
    Investigation.objects.filter(purged_at__isnull=True, retention_until__gt=now).update(retention_until=now)
    record(request, "end_outbreak", f"{TARGET}.retention", actor=actor)
    return purge_expired(now=now, reason="end of outbreak", actor=actor)
