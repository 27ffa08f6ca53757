"""Stock buckets and outlet codes exactly as the 2020 API published them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epiaid.masks.engine.stock import RemainStat, remain_stat, valid_code


@pytest.mark.parametrize(
    ("remain", "expected"),
    [
        (0, "empty"),
        (1, "empty"),
        (2, "few"),
        (29, "few"),
        (30, "some"),
        (99, "some"),
        (100, "plenty"),
        (10_000, "plenty"),
    ],
)
def test_remain_stat_is_exact_at_every_boundary(remain: int, expected: str) -> None:
    assert remain_stat(remain) == expected


@given(st.integers(min_value=0, max_value=10**6))
def test_halted_outlet_is_break_whatever_it_holds(remain: int) -> None:
    assert remain_stat(remain, halted=True) is RemainStat.BREAK


def test_negative_stock_is_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="-1"):
        remain_stat(-1)


@pytest.mark.parametrize(
    ("code", "kind", "ok"),
    [
        ("11837497", "01", True),
        ("1183749", "01", False),
        ("5038300744", "02", True),
        ("5038300744", "03", True),
        ("50383007", "02", False),
        ("１１８３７４９７", "01", False),
        ("1183749a", "01", False),
    ],
)
def test_outlet_code_length_depends_on_type(code: str, kind: str, ok: bool) -> None:
    assert valid_code(code, kind) is ok
