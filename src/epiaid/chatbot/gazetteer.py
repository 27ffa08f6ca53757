"""Place names, offline, from our own data: provinces, districts, neighbourhoods, clinics, outlets, places.

Built from records (name, address, lat, lng) the situation map and the mask read model already hold;
no geocoder, no network. A place is found in a message by its Korean name (particles such as 에/에서/
근처 cut off) or its English name (official romanisation, ``Yongsan-gu`` = ``yongsan gu`` =
``Yongsan``). A name that several areas share (중구 is in six cities) is *ambiguous* unless the message
also names the province; a name we do not know is *unknown*. Either way the caller asks back rather
than guessing. Django-free (tests and benchmarks build one from plain tuples).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

# --- Revised Romanisation (enough to match official district spellings) -----------------------------

_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_MEDIALS = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu",
    "ui", "i",
]  # fmt: skip
_FINALS = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t",
    "t", "k", "t", "p", "t",
]  # fmt: skip
_FINAL_BEFORE_VOWEL = {1: "g", 7: "d", 8: "r", 17: "b", 19: "s", 22: "j", 23: "ch"}


def _syllables(text: str) -> list[tuple[int, int, int] | str]:
    out: list[tuple[int, int, int] | str] = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out.append((code // 588, (code % 588) // 28, code % 28))
        else:
            out.append(ch)
    return out


def romanise(text: str) -> str:
    """Hangul in Revised Romanisation (lower case), with the assimilations place names need (종로 → jongno)."""
    parts = _syllables(text)
    out: list[str] = []
    for i, part in enumerate(parts):
        if isinstance(part, str):
            out.append(part.lower())
            continue
        ini, med, fin = part
        prev = parts[i - 1] if i > 0 else None
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        initial = _INITIALS[ini]
        if ini == 5:  # ㄹ
            if isinstance(prev, tuple) and prev[2] == 8:
                initial = "l"  # ㄹㄹ → ll
            elif isinstance(prev, tuple) and prev[2] not in (0, 8):
                initial = "n"  # 종로 → jongno, 강릉 → gangneung
            elif prev is None or isinstance(prev, str):
                initial = "r"
        elif ini == 11 and isinstance(prev, tuple) and prev[2] in _FINAL_BEFORE_VOWEL:
            initial = ""  # liaison handled on the previous final
        final = _FINALS[fin]
        if fin and isinstance(nxt, tuple):
            if nxt[0] == 11 and fin in _FINAL_BEFORE_VOWEL:
                final = _FINAL_BEFORE_VOWEL[fin]
            elif nxt[0] == 5 and fin == 4:  # ㄴㄹ → ll (신라 → silla)
                final = "l"
            elif nxt[0] in (2, 6) and fin in (1, 24):  # ㄱ before ㄴ/ㅁ → ng (국민 → gungmin)
                final = "ng"
        out.append(initial + _MEDIALS[med] + final)
    return "".join(out)


_LOOSE = str.maketrans("gdbr", "ktpl")


def latin_key(text: str) -> str:
    """Letters only, lower case, loose on k/g t/d p/b r/l (how people spell Korean names in English)."""
    s = unicodedata.normalize("NFKD", text.lower())
    s = "".join(ch for ch in s if "a" <= ch <= "z")
    return s.translate(_LOOSE)


# --- places --------------------------------------------------------------------------------------

PROVINCES: dict[str, tuple[str, ...]] = {
    "서울특별시": ("서울", "서울시", "seoul"),
    "부산광역시": ("부산", "부산시", "busan"),
    "대구광역시": ("대구", "대구시", "daegu"),
    "인천광역시": ("인천", "인천시", "incheon"),
    "광주광역시": ("광주", "광주시", "gwangju"),
    "대전광역시": ("대전", "대전시", "daejeon"),
    "울산광역시": ("울산", "울산시", "ulsan"),
    "세종특별자치시": ("세종", "세종시", "sejong"),
    "경기도": ("경기", "gyeonggi", "gyeonggido"),
    "강원도": ("강원", "강원특별자치도", "gangwon", "gangwondo"),
    "충청북도": ("충북", "chungcheongbukdo", "chungbuk"),
    "충청남도": ("충남", "chungcheongnamdo", "chungnam"),
    "전라북도": ("전북", "전북특별자치도", "jeollabukdo", "jeonbuk"),
    "전라남도": ("전남", "jeollanamdo", "jeonnam"),
    "경상북도": ("경북", "gyeongsangbukdo", "gyeongbuk"),
    "경상남도": ("경남", "gyeongsangnamdo", "gyeongnam"),
    "제주특별자치도": ("제주", "제주도", "jeju", "jejudo"),
}
_PROVINCE_OF: dict[str, str] = {}
for _official, _aliases in PROVINCES.items():
    _PROVINCE_OF[_official] = _official
    for _alias in _aliases:
        _PROVINCE_OF[_alias if not _alias.isascii() else latin_key(_alias)] = _official

PROVINCE_EN = {
    "서울특별시": "Seoul",
    "부산광역시": "Busan",
    "대구광역시": "Daegu",
    "인천광역시": "Incheon",
    "광주광역시": "Gwangju",
    "대전광역시": "Daejeon",
    "울산광역시": "Ulsan",
    "세종특별자치시": "Sejong",
    "경기도": "Gyeonggi-do",
    "강원도": "Gangwon-do",
    "충청북도": "Chungcheongbuk-do",
    "충청남도": "Chungcheongnam-do",
    "전라북도": "Jeollabuk-do",
    "전라남도": "Jeollanam-do",
    "경상북도": "Gyeongsangbuk-do",
    "경상남도": "Gyeongsangnam-do",
    "제주특별자치도": "Jeju-do",
}


def province_of(token: str) -> str | None:
    return _PROVINCE_OF.get(token) or _PROVINCE_OF.get(latin_key(token))


@dataclass
class Place:
    kind: str  # province | district | neighbourhood | clinic | outlet | visited place
    name: str  # Korean (or the source's) name
    province: str
    lat: float
    lng: float
    label_en: str = ""
    _points: list[tuple[float, float]] = field(default_factory=list, repr=False)

    def label(self, lang: str) -> str:
        if lang == "en":
            return self.label_en or self.name
        return (
            self.name
            if self.kind in {"clinic", "outlet", "visited place"} or not self.province
            else (f"{short_province(self.province)} {self.name}" if self.kind != "province" else self.name)
        )


def short_province(official: str) -> str:
    aliases = PROVINCES.get(official)
    return aliases[0] if aliases else official


def _district_en(name: str) -> str:
    suffix = {"구": "gu", "시": "si", "군": "gun", "동": "dong", "읍": "eup", "면": "myeon", "가": "ga"}.get(
        name[-1:], ""
    )
    stem = name[:-1] if suffix else name
    roman = romanise(stem)
    return f"{roman.capitalize()}-{suffix}" if suffix else roman.capitalize()


_ADMIN = re.compile(r"^[가-힣0-9]+(시|군|구)$")
_DONG = re.compile(r"^[가-힣0-9.]+(동|읍|면|가)$")
_PAREN = re.compile(r"\(([^)]*)\)")

#: Endings cut off a Korean word to find a place name inside it (longest first).
_PARTICLES = tuple(
    sorted(
        (
            "에서는", "에서", "근처에", "근처", "주변에", "주변", "부근", "쪽에", "쪽", "인근", "에는", "에", "의",
            "은", "는", "이", "가", "을", "를", "로", "으로", "까지", "이랑", "랑", "하고", "에서의", "동네",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip
_WORD = re.compile(r"[가-힣A-Za-z0-9][가-힣A-Za-z0-9.\-']*")


@dataclass
class Resolution:
    status: str  # found | ambiguous | unknown | none
    place: Place | None = None
    options: list[Place] = field(default_factory=list)
    text: str = ""  # the words that named the place (or that we could not place)


class Gazetteer:
    def __init__(self) -> None:
        self._ko: dict[str, list[Place]] = defaultdict(list)
        self._en: dict[str, list[Place]] = defaultdict(list)
        self._areas: dict[tuple[str, str, str], Place] = {}

    # --- building --------------------------------------------------------------------------------

    def _area(self, kind: str, province: str, name: str, lat: float, lng: float) -> None:
        key = (kind, province, name)
        place = self._areas.get(key)
        if place is None:
            label_en = (
                PROVINCE_EN.get(province, province)
                if kind == "province"
                else f"{_district_en(name)}, {PROVINCE_EN.get(province, province)}"
            )
            place = self._areas[key] = Place(kind, name, province, lat, lng, label_en)
            self._index(place, name, [_district_en(name)] if kind != "province" else [])
        place._points.append((lat, lng))

    def _index(self, place: Place, ko_name: str, en_names: Iterable[str]) -> None:
        key = _ko_key(ko_name)
        if key and place not in self._ko[key]:
            self._ko[key].append(place)
        for en in en_names:
            for variant in _en_variants(en):
                if variant and place not in self._en[variant]:
                    self._en[variant].append(place)

    def add_address(self, address: str, lat: float | None, lng: float | None) -> None:
        """Districts and neighbourhoods named in an address, placed at the mean of their members."""
        if lat is None or lng is None or not address:
            return
        text = unicodedata.normalize("NFC", address)
        words = _PAREN.sub(" ", text).split()
        if not words:
            return
        province = province_of(words[0])
        if province is None:
            return
        self._area("province", province, province, lat, lng)
        for word in words[1:3]:
            if _ADMIN.match(word):
                self._area("district", province, word, lat, lng)
            else:
                break
        dongs = [w.strip(", ") for m in _PAREN.finditer(text) for w in m.group(1).split(",")]
        dongs += [w for w in words[1:5] if _DONG.match(w)]
        for dong in dongs:
            if _DONG.match(dong) and not dong[0].isdigit():
                self._area("neighbourhood", province, dong, lat, lng)

    def add_named(
        self, kind: str, name: str, address: str, lat: float | None, lng: float | None, name_en: str = ""
    ) -> None:
        """A clinic, outlet or disclosed place by its own name (its address feeds the districts too)."""
        if lat is None or lng is None or not name:
            return
        self.add_address(address, lat, lng)
        words = address.split()
        province = province_of(words[0]) if words else None
        place = Place(kind, unicodedata.normalize("NFC", name.strip()), province or "", lat, lng, name_en or "")
        self._index(place, place.name, [name_en] if name_en else [])

    def finish(self) -> Gazetteer:
        for place in self._areas.values():
            if place._points:
                place.lat = sum(p[0] for p in place._points) / len(place._points)
                place.lng = sum(p[1] for p in place._points) / len(place._points)
                place._points = []
        return self

    def __len__(self) -> int:
        return len(self._ko) + len(self._en)

    # --- resolving ---------------------------------------------------------------------------------

    def resolve(self, text: str) -> Resolution:
        """The place a message names, if exactly one fits (see the module docstring)."""
        text = unicodedata.normalize("NFC", text or "")
        words = _WORD.findall(text)
        provinces = {p for w in words for p in [province_of(_strip_particles(w))] if p}
        found: list[tuple[int, list[Place], str]] = []
        # Korean: each word (particles off), and pairs of words joined (e.g. "서울 대학교병원")
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                chunk = words[i : i + n]
                candidates = {"".join(chunk), " ".join(chunk)}
                candidates |= {_strip_particles(c) for c in list(candidates)}
                for cand in candidates:
                    hits = self._ko.get(_ko_key(cand))
                    if hits:
                        found.append((len(cand), hits, " ".join(chunk)))
                latin = latin_key("".join(chunk))
                if latin and chunk[0].isascii():
                    hits = self._en.get(latin)
                    if hits:
                        found.append((len(latin), hits, " ".join(chunk)))
        if not found:
            if provinces:
                province = next(iter(provinces)) if len(provinces) == 1 else None
                place = self._areas.get(("province", province, province)) if province else None
                if place is not None:
                    return Resolution("found", place, text=short_province(place.province))
            return Resolution("none")
        found.sort(key=lambda f: (-f[0], _rank(f[1])))
        _, hits, words_used = found[0]
        narrowed = [p for p in hits if p.province in provinces] if provinces else hits
        if narrowed:
            hits = narrowed
        # prefer areas over same-named single places, and bigger areas first
        best_kind = min(_KIND_RANK.get(p.kind, 9) for p in hits)
        hits = [p for p in hits if _KIND_RANK.get(p.kind, 9) == best_kind]
        if len(hits) == 1:
            return Resolution("found", hits[0], text=words_used)
        distinct = {(round(p.lat, 3), round(p.lng, 3)) for p in hits}
        if len(distinct) == 1:
            return Resolution("found", hits[0], text=words_used)
        return Resolution("ambiguous", options=hits[:6], text=words_used)


_KIND_RANK = {"district": 0, "province": 1, "neighbourhood": 2, "clinic": 3, "visited place": 4, "outlet": 5}


def _rank(places: list[Place]) -> int:
    return min(_KIND_RANK.get(p.kind, 9) for p in places)


def _ko_key(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _strip_particles(word: str) -> str:
    for _ in range(2):
        for particle in _PARTICLES:
            if word.endswith(particle) and len(word) > len(particle) + 1:
                word = word[: -len(particle)]
                break
    return word


def _en_variants(name: str) -> set[str]:
    """``Yongsan-gu, Seoul`` → yongsanku, yongsan (loose keys)."""
    base = name.split(",")[0]
    full = latin_key(base)
    variants = {full}
    low = base.lower().strip()
    for suffix in ("-gu", "-si", "-gun", "-dong", "-eup", "-myeon", "-ga", " gu", " si", " gun", " dong"):
        if low.endswith(suffix):
            variants.add(latin_key(low[: -len(suffix)]))
    return {v for v in variants if len(v) >= 3}


def unknown_place_words(text: str, stopwords: Iterable[str]) -> str:
    """The words of a message that look like a place we did not find (for the question back)."""
    stop = set(stopwords)
    words = [_strip_particles(w) for w in _WORD.findall(text)]
    return " ".join(w for w in words if w.lower() not in stop and not w.isdigit())[:60]
