"""Address matching for ``storesByAddr``: district/neighbourhood tokens against outlet addresses.

The 2020 API answered ``서울특별시 용산구 보광동`` with every outlet whose address names that district
and neighbourhood (road addresses carry the 동 in brackets: ``보광로 46 (보광동)``). We index the
tokens of every address once, so a query is a set intersection rather than a scan of 25k strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from epiaid.core.korean import is_province_only, normalise, province_en

_SPLIT = re.compile(r"[\s(),]+")
_MAX_QUERY = 200
_EXAMPLE = "'서울특별시 용산구 보광동'"


class AddressError(ValueError):
    """An address query that cannot be answered (absent, blank, only a city/province, too long)."""


def address_tokens(addr: str) -> tuple[str | None, frozenset[str]]:
    """(canonical province or None, the address's words without brackets and commas)."""
    words = [w for w in _SPLIT.split(normalise(addr)) if w]
    province = province_en(words[0]) if words else None
    return province, frozenset(words[1:] if province else words)


@dataclass(frozen=True)
class AddressQuery:
    text: str
    province: str | None
    tokens: tuple[str, ...]


def parse_query(address: str | None) -> AddressQuery:
    """The words to match. Absent or blank is refused; a province alone is too coarse and refused;
    anything else is a query, even one that can match nothing (a stray symbol, a character that
    normalising removes): it is answered with an empty list, never with "address is required"."""
    if address is None:
        raise AddressError(f"address is required (e.g. {_EXAMPLE})")
    if not address.strip():
        raise AddressError(f"address is empty: give a district (구/군) or neighbourhood (동), e.g. {_EXAMPLE}")
    text = normalise(address)
    if len(text) > _MAX_QUERY:
        raise AddressError(f"address is longer than {_MAX_QUERY} characters")
    if not text:  # only characters that normalising drops (format/private-use): matches nothing
        return AddressQuery(text=address.strip(), province=None, tokens=())
    province, tokens = address_tokens(text)
    if is_province_only(text) or (province is not None and not tokens):
        raise AddressError(f"'{text}' is a whole city or province; give a district (구/군) or neighbourhood (동)")
    ordered = tuple(w for w in _SPLIT.split(text) if w and w in tokens)
    return AddressQuery(text=text, province=province, tokens=ordered)
