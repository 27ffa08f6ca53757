"""Importers for the situation map: DS4C, coronamap.site routes, MOHW clinic lists, our own template.

Each import is one transaction: a malformed file (missing columns, wrong format) changes nothing;
a bad row is rejected with its row number, field and reason while good rows go in. Rows are keyed
by (source, source_key) so re-importing a file updates in place and never duplicates. Reading,
cell parsing, the upserter and the report are shared with every capability (:mod:`epiaid.core.importing`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from epiaid.core.importing import ImportFileError, ImportReport, Rejection, RowError, read_csv
from epiaid.situation.services.importers.clinics import CLINIC_ALIASES, import_clinics
from epiaid.situation.services.importers.coronamap import import_coronamap
from epiaid.situation.services.importers.ds4c import (
    import_ds4c_cases,
    import_ds4c_clusters,
    import_ds4c_dir,
    import_ds4c_routes,
)
from epiaid.situation.services.importers.template import (
    TEMPLATE_COLUMNS,
    TEMPLATE_EXAMPLE,
    import_template,
    template_csv,
)

IMPORTERS: dict[str, Callable[[Any], ImportReport]] = {
    "ds4c-clusters": import_ds4c_clusters,
    "ds4c-cases": import_ds4c_cases,
    "ds4c-routes": import_ds4c_routes,
    "coronamap": import_coronamap,
    "clinics": import_clinics,
    "template": import_template,
}

__all__ = [
    "CLINIC_ALIASES",
    "IMPORTERS",
    "TEMPLATE_COLUMNS",
    "TEMPLATE_EXAMPLE",
    "ImportFileError",
    "ImportReport",
    "Rejection",
    "RowError",
    "import_clinics",
    "import_coronamap",
    "import_ds4c_cases",
    "import_ds4c_clusters",
    "import_ds4c_dir",
    "import_ds4c_routes",
    "import_template",
    "read_csv",
    "template_csv",
]
