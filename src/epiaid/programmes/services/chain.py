"""The tamper-evident decision log: every decision, payment and provisioning step as a hash-chain link."""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from epiaid.core.audit import AuditAction
from epiaid.programmes.engine import chain as engine
from epiaid.programmes.models import ChainHead, DecisionRecord
from epiaid.programmes.services.base import STAFF_READERS, Actor, Role, audit, require


def _head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        try:
            with transaction.atomic():
                ChainHead.objects.create(pk=1)
        except IntegrityError:
            pass  # another transaction created it first
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def append(kind: str, reference: str, actor: Actor, **payload: Any) -> DecisionRecord:
    """Add one link (inside the caller's transaction: the record stands or falls with the decision).

    No savepoint: a failure here fails the caller's whole step."""
    with transaction.atomic(savepoint=False):
        head = _head()
        seq, at = head.seq + 1, timezone.now()
        body = json.loads(
            json.dumps(
                {
                    "seq": seq,
                    "kind": kind,
                    "reference": reference,
                    "actor": actor.label,
                    "at": at.isoformat(),
                    **payload,
                },
                default=str,
            )
        )
        digest = engine.link(head.hash, body)
        rec = DecisionRecord.objects.create(
            seq=seq, kind=kind, reference=reference, payload=body, prev_hash=head.hash, hash=digest, created_at=at
        )
        head.seq, head.hash = seq, digest
        head.save(update_fields=["seq", "hash"])
    return rec


def verify(actor: Any) -> dict[str, Any]:
    """Recompute every link; ``{"ok": bool, "records": n, "broken_at": seq|None, "reason": ...}`` (audited)."""
    actor = require(actor, *STAFF_READERS, Role.ADMIN, target="programmes.chain")
    rows = DecisionRecord.objects.order_by("seq").values_list("seq", "prev_hash", "hash", "payload")
    broken = engine.verify(rows.iterator())
    head = ChainHead.objects.filter(pk=1).first()
    count = DecisionRecord.objects.count()
    if (
        broken is None
        and head is not None
        and (
            head.seq != count
            or (count and head.hash != DecisionRecord.objects.order_by("-seq").values_list("hash", flat=True).first())
        )
    ):
        broken = engine.Broken(head.seq, "the newest records were removed (the head names a later record)")
    result = {
        "ok": broken is None,
        "records": count,
        "broken_at": broken.seq if broken else None,
        "reason": broken.reason if broken else "",
    }
    audit(actor, AuditAction.PROGRAMMES_VERIFY, "programmes.chain", None, **result)
    return result
