"""What the situation map's importers share beyond :mod:`epiaid.core.importing`: rows keyed by source."""

from __future__ import annotations

from django.db import models

from epiaid.core.importing import ImportReport, Upserter


def keyed_by_source(model: type[models.Model], source: str, fields: list[str], report: ImportReport) -> Upserter:
    """Rows keyed by ``(source, source_key)``: a re-import of a source updates its own rows only."""
    return Upserter(model, fields, report, key_field="source_key", scope={"source": source})
