"""What every step of the investigation workflow shares: its errors, the audited refusal, windows."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest

from epiaid.core.audit import record
from epiaid.core.errors import EpiaidError
from epiaid.investigation.models import (
    Investigation,
)

KST = ZoneInfo("Asia/Seoul")
#: Days before symptom onset that a request may reach back (KDCA: 2 days before onset for contacts,
#: 14 days for the source of infection).
LOOKBACK_DAYS = 14
#: Days after isolation the data is kept unless the outbreak is declared over earlier.
RETENTION_DAYS = int(os.environ.get("EPIAID_INVESTIGATION_RETENTION_DAYS", "28"))
TARGET = "investigation"


class WorkflowError(EpiaidError):
    """A refused step of the workflow; the API's one handler answers with its status and code."""

    status = 409
    code = "workflow_refused"


class Forbidden(WorkflowError):
    status = 403
    code = "forbidden"


class BadInput(WorkflowError):
    status = 400
    code = "bad_input"


class NotReady(WorkflowError):
    status = 409
    code = "not_ready"


def _refuse(
    exc: type[WorkflowError],
    message: str,
    *,
    actor: Any,
    request: HttpRequest | None,
    target: str,
    object_id: Any = None,
    code: str | None = None,
    **detail: Any,
) -> WorkflowError:
    record(
        request, "refused", f"{TARGET}.{target}", object_id=object_id, actor=actor, detail={"reason": message, **detail}
    )
    return exc(message, code=code)


def store_root(inv: Investigation) -> Path:
    return Path(settings.DATA_DIR) / "investigation" / str(inv.pk)


def default_window(inv: Investigation) -> tuple[dt.datetime, dt.datetime]:
    """14 days before symptom onset (00:00 KST) to the end of the isolation day (KST)."""
    start = dt.datetime.combine(inv.symptom_onset - dt.timedelta(days=LOOKBACK_DAYS), dt.time(0), tzinfo=KST)
    end = dt.datetime.combine(inv.isolation_date + dt.timedelta(days=1), dt.time(0), tzinfo=KST) - dt.timedelta(
        seconds=1
    )
    return start, end
