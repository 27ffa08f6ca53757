"""Programmes and tracks from the YAML/JSON configuration (idempotent: a track is updated in place)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from epiaid.core.audit import AuditAction
from epiaid.core.errors import BadInput, Conflict
from epiaid.programmes.engine import config as engine
from epiaid.programmes.models import Programme, Track, TrackLedger
from epiaid.programmes.services.base import Role, audit, refuse, require


def load_config(actor: Any, path: Path | None = None, document: dict[str, Any] | None = None) -> list[str]:
    """Create or update the programmes and tracks of a configuration file; one line per track."""
    actor = require(actor, Role.PROGRAMME_OFFICER, Role.ADMIN, target="programmes.config")
    try:
        specs = engine.parse(document) if document is not None else engine.load(path or engine.DEFAULT)
    except (engine.ConfigError, OSError, ValueError) as exc:
        raise refuse(actor, BadInput(str(exc), code="bad_config"), "programmes.config") from exc
    lines: list[str] = []
    with transaction.atomic():
        for p in specs:
            programme, _ = Programme.objects.update_or_create(
                code=p.code, defaults={"kind": p.kind, "name_en": p.name_en, "name_ko": p.name_ko}
            )
            for t in p.tracks:
                fields = {
                    "programme": programme,
                    "name_en": t.name_en,
                    "name_ko": t.name_ko,
                    "unit": t.unit,
                    "budget": t.budget,
                    "sizes_tf": list(t.sizes_tf),
                    "months": t.months,
                    "grant_min": t.grant_min,
                    "grant_max": t.grant_max,
                    "co_payment_rate": t.co_payment_rate,
                    "eligibility": list(t.eligibility),
                    "review_sla_business_days": t.review_sla_business_days,
                    "opens_on": t.opens_on,
                    "closes_on": t.closes_on,
                    "extension": {
                        "allowed": t.extension.allowed,
                        "months": t.extension.months,
                        "max_extensions": t.extension.max_extensions,
                        "needs_review": t.extension.needs_review,
                    },
                    "pay_supplier_after_delivery": t.pay_supplier_after_delivery,
                    "milestones": list(t.milestones),
                }
                track, created = Track.objects.update_or_create(code=t.code, defaults=fields)
                ledger, _ = TrackLedger.objects.select_for_update().get_or_create(track=track)
                if ledger.committed > t.budget:
                    raise Conflict(
                        f"track {t.code}: {ledger.committed} is already committed, more than the new budget {t.budget}",
                        code="budget_below_commitments",
                    )
                ledger.budget = t.budget
                ledger.save(update_fields=["budget"])
                lines.append(f"{t.code}: {'created' if created else 'updated'} (budget {t.budget} {t.unit})")
        audit(actor, AuditAction.PROGRAMMES_CONFIGURE, "programmes.config", None, tracks=lines)
    return lines
