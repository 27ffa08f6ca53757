"""Korean text: decoding legacy encodings, normalising, region names, and refusing hostile text.

Korean public-sector files still arrive in CP949/EUC-KR; we detect that instead of guessing wrong
and storing mojibake. Text is NFC-normalised so that the same 한글 typed on a Mac (NFD) matches.
"""

from __future__ import annotations

import re
import unicodedata

_ENCODINGS = ("utf-8-sig", "cp949", "euc-kr")


class TextError(ValueError):
    """Text that cannot be decoded or that carries markup/script."""


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a file's bytes, returning (text, encoding). UTF-8 first, then CP949 (a superset of EUC-KR)."""
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise TextError("file is neither UTF-8 nor CP949/EUC-KR encoded text")


def normalise(text: str | None) -> str:
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"[ \t]+", " ", text).strip()


_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript\s*:|on[a-z]+\s*=", re.IGNORECASE)


def plain_text(value: str | None, field: str, *, max_length: int = 500) -> str:
    """Normalise a free-text field and refuse markup/script and overlong values with a clear reason."""
    text = normalise(value)
    if _MARKUP.search(text):
        raise TextError(f"{field} contains HTML or script, which is not allowed")
    if len(text) > max_length:
        raise TextError(f"{field} is longer than {max_length} characters")
    return text


_DANGEROUS = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|style|svg|img|link|meta|form|input|base)\b|javascript\s*:|\bon[a-z]+\s*=",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^<>]*>")


def strip_markup(value: str | None, field: str, *, max_length: int = 500) -> tuple[str, bool]:
    """For sources known to carry presentation markup (coronamap.site's ``<span>``/``<br>``): keep the
    text, drop the tags, and still refuse anything executable. Returns (text, whether tags were removed)."""
    text = normalise(value)
    if _DANGEROUS.search(text):
        raise TextError(f"{field} contains HTML or script, which is not allowed")
    cleaned = normalise(_TAG.sub(" ", text))
    return plain_text(cleaned, field, max_length=max_length), cleaned != text


# Province-level names: canonical English (as in DS4C) ↔ Korean official and short forms.
PROVINCES: dict[str, tuple[str, ...]] = {
    "Seoul": ("서울특별시", "서울시", "서울"),
    "Busan": ("부산광역시", "부산시", "부산"),
    "Daegu": ("대구광역시", "대구시", "대구"),
    "Incheon": ("인천광역시", "인천시", "인천"),
    "Gwangju": ("광주광역시", "광주시", "광주"),
    "Daejeon": ("대전광역시", "대전시", "대전"),
    "Ulsan": ("울산광역시", "울산시", "울산"),
    "Sejong": ("세종특별자치시", "세종시", "세종"),
    "Gyeonggi-do": ("경기도", "경기"),
    "Gangwon-do": ("강원특별자치도", "강원도", "강원"),
    "Chungcheongbuk-do": ("충청북도", "충북"),
    "Chungcheongnam-do": ("충청남도", "충남"),
    "Jeollabuk-do": ("전북특별자치도", "전라북도", "전북"),
    "Jeollanam-do": ("전라남도", "전남"),
    "Gyeongsangbuk-do": ("경상북도", "경북"),
    "Gyeongsangnam-do": ("경상남도", "경남"),
    "Jeju-do": ("제주특별자치도", "제주도", "제주"),
}
_PROVINCE_LOOKUP: dict[str, str] = {}
for _en, _kos in PROVINCES.items():
    _PROVINCE_LOOKUP[_en.lower()] = _en
    _PROVINCE_LOOKUP[_en.lower().removesuffix("-do")] = _en
    for _ko in _kos:
        _PROVINCE_LOOKUP[_ko] = _en


def province_en(name: str | None) -> str | None:
    """Canonical English province name for any Korean or English spelling, or None if unknown."""
    if not name:
        return None
    key = normalise(name)
    return _PROVINCE_LOOKUP.get(key) or _PROVINCE_LOOKUP.get(key.lower())


def province_ko(name: str | None) -> str | None:
    en = province_en(name)
    return PROVINCES[en][0] if en else None


def is_province_only(address: str) -> bool:
    """True for a bare city/province name such as '서울특별시' or '경기도' (too coarse for a lookup)."""
    parts = normalise(address).split()
    return len(parts) <= 1 and (not parts or province_en(parts[0]) is not None)
