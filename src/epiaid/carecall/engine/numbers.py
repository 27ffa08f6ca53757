"""Spoken and typed body temperatures, in Korean and English, to degrees Celsius (Django-free).

People answer "삼십칠 점 팔", "37.8도", "서른일곱 점 팔", "37도 8부" (the colloquial 부 for tenths),
"thirty seven point eight", "37 point 8" or, on a keypad, "378" / "37*8". Fahrenheit readings
(95–110) are converted, since an English speaker may give one.
"""

from __future__ import annotations

import re
import unicodedata

SINO_DIGITS = {
    "영": 0,
    "공": 0,
    "일": 1,
    "이": 2,
    "삼": 3,
    "사": 4,
    "오": 5,
    "육": 6,
    "륙": 6,
    "칠": 7,
    "팔": 8,
    "구": 9,
}
SINO_NAMES = ["영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]
NATIVE_TENS = {"열": 10, "스물": 20, "스무": 20, "서른": 30, "마흔": 40}
NATIVE_UNITS = {
    "하나": 1,
    "한": 1,
    "둘": 2,
    "두": 2,
    "셋": 3,
    "세": 3,
    "넷": 4,
    "네": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
}
EN_UNITS = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
EN_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

_KO_NOISE = re.compile(
    "|".join(
        sorted(
            [
                "섭씨",
                "화씨",
                "체온은",
                "체온이",
                "체온",
                "열은",
                "열이",
                "이에요",
                "예요",
                "입니다",
                "이요",
                "정도",
                "쯤",
                "요",
                "℃",
                "°c",
                "°",
            ],
            key=len,
            reverse=True,
        )
    )
)
_EN_NOISE = re.compile(
    r"\b(degrees?|celsius|centigrade|fahrenheit|about|around|it'?s|my|temperature|is|i|have|it|was|a|of)\b|℃|°c?"
)


def sino_korean(n: int) -> str:
    """0–99 in Sino-Korean words: 37 → 삼십칠."""
    if n < 10:
        return SINO_NAMES[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else SINO_NAMES[tens]) + "십" + (SINO_NAMES[units] if units else "")


def english_words(n: int) -> str:
    """0–99 in English words: 37 → thirty seven."""
    if n < 20:
        return next(k for k, v in EN_UNITS.items() if v == n and k != "oh")
    tens, units = divmod(n, 10)
    name = next(k for k, v in EN_TENS.items() if v == tens * 10)
    return name + (" " + EN_NAMES[units] if units else "")


def say_temperature(value: float, lang: str) -> str:
    """How a prompt reads a temperature back: 37.8 → "삼십칠 점 팔" / "thirty seven point eight"."""
    whole, tenth = divmod(round(value * 10), 10)
    if lang == "ko":
        return f"{sino_korean(whole)} 점 {SINO_NAMES[tenth]}"
    return f"{english_words(whole)} point {EN_NAMES[tenth]}"


def _sino_int(s: str) -> int | None:
    if not s or any(ch not in SINO_DIGITS and ch not in "십백" for ch in s):
        return None
    total, current = 0, 0
    for ch in s:
        if ch == "백":
            total += (current or 1) * 100
            current = 0
        elif ch == "십":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + SINO_DIGITS[ch] if current else SINO_DIGITS[ch]
    return total + current


def _native_int(s: str) -> int | None:
    total = 0
    rest = s
    for word, value in sorted(NATIVE_TENS.items(), key=lambda kv: -len(kv[0])):
        if rest.startswith(word):
            total, rest = value, rest[len(word) :]
            break
    if rest:
        unit = NATIVE_UNITS.get(rest)
        if unit is None:
            return None
        total += unit
    return total if s else None


def _korean_int(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    value = _sino_int(s)
    return value if value is not None else _native_int(s)


def _korean_fraction(s: str) -> str | None:
    if s.isdigit():
        return s
    if s and all(ch in SINO_DIGITS for ch in s):
        return "".join(str(SINO_DIGITS[ch]) for ch in s)
    unit = NATIVE_UNITS.get(s)
    return str(unit) if unit is not None else None


def _english_number(words: list[str]) -> tuple[int | None, str | None]:
    """Integer part and fraction digits of e.g. ['thirty', 'seven', 'point', 'eight']."""
    if "point" in words:
        i = words.index("point")
        whole_words, frac_words = words[:i], words[i + 1 :]
    else:
        whole_words, frac_words = words, []
    whole: int | None = None
    if len(whole_words) == 1 and whole_words[0].isdigit():
        whole = int(whole_words[0])
    elif whole_words:
        total = 0
        for w in whole_words:
            if w in EN_TENS:
                total += EN_TENS[w]
            elif w in EN_UNITS:
                total += EN_UNITS[w]
            elif w == "hundred":
                total = (total or 1) * 100
            else:
                return None, None
        whole = total
    frac = ""
    for w in frac_words:
        if w.isdigit():
            frac += w
        elif w in EN_UNITS and EN_UNITS[w] < 10:
            frac += str(EN_UNITS[w])
        else:
            return None, None
    return whole, frac or None


def _plausible(value: float) -> float | None:
    if 95.0 <= value <= 110.0:  # Fahrenheit
        value = (value - 32.0) * 5.0 / 9.0
    if 30.0 <= value <= 45.0:
        return round(value, 1)
    return None


def parse_temperature(text: str | None) -> float | None:
    """A body temperature in ℃ from what was said or typed, or None when it is not one."""
    if not text:
        return None
    s = unicodedata.normalize("NFKC", text).lower().strip()
    s = s.replace("-", " ").replace(",", ".")
    # "37도 8부" / "삼십칠도 팔부": the tenths in 부
    bu = re.fullmatch(r"\s*(.+?)\s*도\s*(.+?)\s*부\s*", s)
    if bu:
        whole, frac = _korean_int(bu.group(1).replace(" ", "")), _korean_fraction(bu.group(2).replace(" ", ""))
        if whole is None or frac is None:
            return None
        return _plausible(float(f"{whole}.{frac}"))
    if re.search(r"[가-힣]", s):
        s = _KO_NOISE.sub(" ", s)
        s = re.sub(r"도\s*$", "", s.strip()).strip()
        s = s.replace(" ", "")
        parts = re.split(r"점|\.", s)
        if len(parts) > 2 or not parts[0]:
            return None
        whole = _korean_int(parts[0])
        frac = _korean_fraction(parts[1]) if len(parts) == 2 else "0"
        if whole is None or frac is None:
            return None
        return _plausible(float(f"{whole}.{frac}"))
    # English words or plain digits
    m = re.fullmatch(r"\s*(\d{2,3})(?:\s*[.*#]\s*(\d))?\s*(?:°?\s*[cf]|degrees?.*)?\s*", s)
    if m:
        return _plausible(float(f"{m.group(1)}.{m.group(2) or 0}"))
    words = [w for w in re.split(r"[\s.]+", _EN_NOISE.sub(" ", s.replace(".", " point "))) if w]
    whole, frac = _english_number(words)
    if whole is None:
        return None
    return _plausible(float(f"{whole}.{frac or 0}"))


def parse_keypad_temperature(digits: str | None) -> float | None:
    """Keypad: "378" → 37.8, "37*8" / "37#8" → 37.8, "37" → 37.0, "1004" → 100.4 ℉ → 38.0 ℃."""
    if not digits:
        return None
    d = digits.strip().rstrip("#")
    m = re.fullmatch(r"(\d{2,3})[*#](\d)", d)
    if m:
        return _plausible(float(f"{m.group(1)}.{m.group(2)}"))
    if not d.isdigit():
        return None
    if len(d) == 2:
        return _plausible(float(d))
    if len(d) == 3:
        return _plausible(float(d) / 10)
    if len(d) == 4:
        return _plausible(float(d) / 10)
    return None


def temperature_phrases(lang: str, low: float = 35.0, high: float = 42.0) -> list[str]:
    """Every phrase a recogniser should accept for a temperature between ``low`` and ``high``."""
    out: list[str] = []
    for tenths in range(round(low * 10), round(high * 10) + 1):
        value = tenths / 10
        out.append(say_temperature(value, lang))
        if tenths % 10 == 0:
            whole = tenths // 10
            out.append(f"{sino_korean(whole)} 도" if lang == "ko" else f"{english_words(whole)} degrees")
    return out
