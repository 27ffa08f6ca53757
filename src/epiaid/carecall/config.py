"""Care-call settings (Django settings override the defaults; each may also come from the environment).

========================================  ===========================  ======================================
setting / environment                     default                      meaning
========================================  ===========================  ======================================
CARECALL_ROUNDS / EPIAID_CARECALL_ROUNDS   "09:00,15:00"                check-in times, in each person's zone
CARECALL_QUIET_HOURS                       "21:00-08:00"                no call starts in this window
CARECALL_ATTEMPTS                          3                            attempts per round
CARECALL_RETRY_MINUTES                     10                           minutes between attempts
CARECALL_ANSWER_MINUTES                    5                            a call not finished by then is over
CARECALL_DIGEST_AT                         "20:00"                      daily digest time (schedule zone)
CARECALL_FROM_EMAIL                        DEFAULT_FROM_EMAIL           sender of officers' reports
CARECALL_DIALOG                            engine/dialogs/symptoms.yaml the dialog file
CARECALL_TWILIO_AUTH_TOKEN                 "" (webhooks refused)        signs TwiML/SMS webhooks
CARECALL_PUBLIC_URL                        "http://127.0.0.1:8000"      base of links and webhook URLs
========================================  ===========================  ======================================
"""

from __future__ import annotations

import os
from datetime import time
from functools import lru_cache
from typing import Any

from django.conf import settings

from epiaid.carecall.engine.dialog import DEFAULT_DIALOG, Dialog, load_dialog


def get(name: str, default: Any) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    return os.environ.get(f"EPIAID_{name}", default)


def _hhmm(value: str) -> time:
    hours, minutes = value.strip().split(":")
    return time(int(hours), int(minutes))


def rounds() -> list[str]:
    raw = get("CARECALL_ROUNDS", "09:00,15:00")
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return sorted(f"{_hhmm(x):%H:%M}" for x in items if str(x).strip())


def slot_time(slot: str) -> time:
    return _hhmm(slot)


def quiet_hours() -> tuple[time, time] | None:
    raw = str(get("CARECALL_QUIET_HOURS", "21:00-08:00")).strip()
    if not raw:
        return None
    start, end = raw.split("-")
    return _hhmm(start), _hhmm(end)


def is_quiet(moment: time) -> bool:
    window = quiet_hours()
    if window is None:
        return False
    start, end = window
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def attempts() -> int:
    return int(get("CARECALL_ATTEMPTS", 3))


def retry_minutes() -> float:
    return float(get("CARECALL_RETRY_MINUTES", 10))


def answer_minutes() -> float:
    return float(get("CARECALL_ANSWER_MINUTES", 5))


def round_minutes() -> float:
    """How long a round lasts: every attempt, the gaps between them, and the last call's answer time."""
    return (attempts() - 1) * retry_minutes() + answer_minutes() + 1


def digest_at() -> time:
    return _hhmm(str(get("CARECALL_DIGEST_AT", "20:00")))


def from_email() -> str:
    return str(get("CARECALL_FROM_EMAIL", getattr(settings, "DEFAULT_FROM_EMAIL", "carecall@localhost")))


def twilio_auth_token() -> str:
    return str(get("CARECALL_TWILIO_AUTH_TOKEN", ""))


def public_url() -> str:
    return str(get("CARECALL_PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")


@lru_cache(maxsize=4)
def _dialog(path: str) -> Dialog:
    return load_dialog(path)


def dialog() -> Dialog:
    return _dialog(str(get("CARECALL_DIALOG", DEFAULT_DIALOG)))
