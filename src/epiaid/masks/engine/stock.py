"""Stock levels as the 2020 public API published them: a coarse bucket, never the exact count.

Publishing buckets instead of counts was deliberate in 2020 (queues formed around exact numbers);
the boundaries below are the published ones and are tested at every edge.
"""

from __future__ import annotations

from enum import StrEnum


class RemainStat(StrEnum):
    PLENTY = "plenty"  # 100 or more
    SOME = "some"  # 30–99
    FEW = "few"  # 2–29
    EMPTY = "empty"  # 0–1
    BREAK = "break"  # sales halted


#: Outlet types of the 2020 API.
OUTLET_TYPES: dict[str, str] = {"01": "pharmacy", "02": "post office", "03": "Nonghyup mart"}


def remain_stat(remain: int, *, halted: bool = False) -> RemainStat:
    """Bucket a stock count; a halted outlet is ``break`` whatever it holds."""
    if remain < 0:
        raise ValueError(f"stock cannot be negative: {remain}")
    if halted:
        return RemainStat.BREAK
    if remain >= 100:
        return RemainStat.PLENTY
    if remain >= 30:
        return RemainStat.SOME
    if remain >= 2:
        return RemainStat.FEW
    return RemainStat.EMPTY


def valid_code(code: str, outlet_type: str) -> bool:
    """8 digits for pharmacies, 10 for post offices and marts (the 2020 code scheme)."""
    if not code.isdigit() or not code.isascii():
        return False
    return len(code) == (8 if outlet_type == "01" else 10)
