"""Outlets: create or update the list from the government's files, by code (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from epiaid.masks.engine.importer import ParseResult
from epiaid.masks.models import Outlet
from epiaid.masks.services.base import bump_version
from epiaid.masks.services.readmodel import refresh_after_commit


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    without_coordinates: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"read {self.read}, created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejected)}, without coordinates {len(self.without_coordinates)} "
            f"(kept, not on the map)"
        )


def import_outlets(parsed: ParseResult, *, batch_size: int = 2000) -> ImportReport:
    """Create or update outlets by code (idempotent: a second run changes nothing)."""
    report = ImportReport(
        read=parsed.read,
        rejected=list(parsed.rejected),
        warnings=list(parsed.warnings),
        without_coordinates=[f"{r.code} {r.name}" for r in parsed.without_coordinates],
    )
    existing = {o.code: o for o in Outlet.objects.all()}
    to_create: list[Outlet] = []
    to_update: list[Outlet] = []
    fields = ("name", "addr", "type", "lat", "lng")
    for row in parsed.rows:
        current = existing.get(row.code)
        if current is None:
            to_create.append(
                Outlet(code=row.code, name=row.name, addr=row.addr, type=row.type, lat=row.lat, lng=row.lng)
            )
        elif any(getattr(current, f) != getattr(row, f) for f in fields):
            for f in fields:
                setattr(current, f, getattr(row, f))
            to_update.append(current)
        else:
            report.unchanged += 1
    if to_create or to_update:
        with transaction.atomic():
            version = bump_version(timezone.now())
            for outlet in (*to_create, *to_update):
                outlet.version = version
            Outlet.objects.bulk_create(to_create, batch_size=batch_size)
            Outlet.objects.bulk_update(to_update, [*fields, "version"], batch_size=batch_size)
            transaction.on_commit(refresh_after_commit)
    report.created, report.updated = len(to_create), len(to_update)
    return report
