"""Public services of the situation map — the only part other capabilities may import.

``case_exists`` and ``publish_visits`` let the investigation capability link an investigation to a
confirmed case and publish selected visits under the disclosure policy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from epiaid.situation.services.disclosure import DisclosurePolicy, current_policy, set_policy
from epiaid.situation.services.editing import EditError, add_visit, create_case, set_disclosed, update_visit
from epiaid.situation.services.importers import ImportFileError, ImportReport
from epiaid.situation.services.queries import VisitFilter, nearest_clinics


def _time_of(value: Any) -> Any:
    """Investigations hand over datetimes; the map stores the time of day."""
    return value.time() if isinstance(value, datetime) else value


def case_exists(number: str) -> bool:
    from epiaid.situation.models import Case

    return Case.objects.filter(number=number).exists()


def publish_visits(case_number: str, visits: list[dict[str, Any]], *, actor: Any) -> int:
    """Create disclosed visits for a case (from an investigation); all or nothing. Returns the count.

    Each dict needs ``place_name``, ``lat``, ``lng``, ``date`` and may carry ``start``/``end``
    (datetimes or times), ``category`` and ``address``. The disclosure policy still decides what the
    public sees (the window), and the text rules refuse markup.
    """
    from django.db import transaction

    from epiaid.situation.models import Case, Source

    case = Case.objects.filter(number=case_number).first()
    if case is None:
        raise EditError("case_number", f"unknown case {case_number!r}")
    with transaction.atomic():
        for item in visits:
            start, end = item.get("start"), item.get("end")
            add_visit(
                actor,
                case,
                {
                    **item,
                    "start_time": _time_of(start),
                    "end_time": _time_of(end),
                    "disclosed": True,
                },
                source=Source.INVESTIGATION,
            )
    return len(visits)


__all__ = [
    "DisclosurePolicy",
    "EditError",
    "ImportFileError",
    "ImportReport",
    "VisitFilter",
    "add_visit",
    "case_exists",
    "create_case",
    "current_policy",
    "nearest_clinics",
    "publish_visits",
    "set_disclosed",
    "set_policy",
    "update_visit",
]
