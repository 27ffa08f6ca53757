"""The 2020 API's time strings: Korea Standard Time as ``YYYY/MM/DD HH:MM:SS`` (no zone suffix)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")
FORMAT = "%Y/%m/%d %H:%M:%S"


def kst_string(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the API only formats aware times")
    return moment.astimezone(KST).strftime(FORMAT)


def parse_kst(text: str) -> datetime:
    """Parse a 2020-style string back to an aware time (contract tests and the fixture loader)."""
    return datetime.strptime(text, FORMAT).replace(tzinfo=KST)
