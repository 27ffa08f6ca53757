"""Korean business registration numbers (사업자등록번호): ``XXX-XX-XXXXX`` with a check digit.

The tenth digit checks the first nine: weights 1,3,7,1,3,7,1,3,5; add the carry of the ninth digit
times five; the check digit is ``(10 - sum mod 10) mod 10``. Universities and research institutes hold
such numbers too (their "고유번호" uses the same layout and check).
"""

from __future__ import annotations

import re

WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


class InvalidBRN(ValueError):
    pass


def normalise(raw: str) -> str:
    """Digits only, ``XXX-XX-XXXXX`` formatted; raises :class:`InvalidBRN` with the reason."""
    digits = re.sub(r"[\s\-]", "", raw or "")
    if not re.fullmatch(r"\d{10}", digits):
        raise InvalidBRN("a business registration number has 10 digits (XXX-XX-XXXXX)")
    if check_digit(digits[:9]) != int(digits[9]):
        raise InvalidBRN("the check digit of this business registration number is wrong")
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def check_digit(first_nine: str) -> int:
    d = [int(c) for c in first_nine]
    total = sum(x * w for x, w in zip(d, WEIGHTS, strict=True)) + (d[8] * 5) // 10
    return (10 - total % 10) % 10


def make(first_nine: str) -> str:
    """A valid number from nine digits (fixtures, demo data and the simulation)."""
    return normalise(first_nine + str(check_digit(first_nine)))
