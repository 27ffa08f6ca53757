"""Outlets: create or update the list from the government's files, by code (idempotent).

Written with the platform's one upserter and import report (:mod:`epiaid.core.importing`), as the
situation map's lists are: a second run of the same file changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from epiaid.core.importing import ImportReport as BaseReport
from epiaid.core.importing import Rejection, Upserter
from epiaid.masks.engine.importer import ParseResult
from epiaid.masks.models import Outlet
from epiaid.masks.services.base import bump_version
from epiaid.masks.services.readmodel import refresh_after_commit

FIELDS = ("name", "addr", "type", "lat", "lng")
_PROBLEM = re.compile(r"^(?:(?P<file>.+?): )?row (?P<row>\d+), (?P<field>[^:]+): (?P<reason>.*)$", re.DOTALL)


def _rejection(line: str) -> Rejection:
    """The outlet parser's "[file: ]row N, field: problem" as a structured rejection."""
    found = _PROBLEM.match(line)
    if found is None:
        return Rejection(row=0, field="file", reason=line)
    return Rejection(int(found["row"]), found["field"], found["reason"], found["file"] or "")


@dataclass
class ImportReport(BaseReport):
    """The shared report plus the outlets kept without coordinates (listed, not on the map)."""

    kind: str = "mask outlets"
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
        rejected=[_rejection(line) for line in parsed.rejected],
        warnings=[_rejection(line) for line in parsed.warnings],
        without_coordinates=[f"{r.code} {r.name}" for r in parsed.without_coordinates],
    )
    upsert = Upserter(Outlet, FIELDS, report, key_field="code")
    for number, row in enumerate(parsed.rows, start=2):
        upsert.add(number, row.code, {f: getattr(row, f) for f in FIELDS})
    if upsert.pending:
        with transaction.atomic():
            upsert.flush(batch_size=batch_size, version=bump_version(timezone.now()))
            transaction.on_commit(refresh_after_commit)
    return report
