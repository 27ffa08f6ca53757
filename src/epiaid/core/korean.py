"""Korean text: decoding legacy encodings, normalising, region names, and refusing hostile text.

Korean public-sector files still arrive in CP949/EUC-KR; we detect that instead of guessing wrong
and storing mojibake. Text is NFC-normalised so that the same 한글 typed on a Mac (NFD) matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

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


# --- Tokenisation (kiwipiepy), shared by trends (headlines) and chatbot (FAQ retrieval) ---
# Speed: kiwipiepy analyses ~400–1,000 headlines/s here. Headlines repeat words heavily (outlets copy
# each other, a crisis has a small vocabulary), so we analyse each distinct eojeol (space-separated
# word) once and reuse it: after warm-up a headline costs a few dictionary look-ups. Analysing an eojeol
# out of its sentence loses a little context, which for the nouns keyword analysis uses changes almost
# nothing (``bench/trends`` reports the agreement with whole-sentence analysis beside the speed-up).

#: Terms of the 2020 epidemic that the stock dictionary splits or does not know.
NEW_TERMS: tuple[str, ...] = (
    "코로나19",
    "코로나바이러스",
    "우한폐렴",
    "신종코로나",
    "사회적거리두기",
    "거리두기",
    "신천지",
    "자가격리",
    "선별진료소",
    "드라이브스루",
    "확진자",
    "슈퍼전파자",
    "팬데믹",
    "코호트격리",
    "생활치료센터",
    "재난지원금",
    "마스크5부제",
    "비대면",
    "진단키트",
    "무증상",
    "역학조사",
    "집단감염",
    "해외유입",
    # chatbot (public FAQ questions of 2020)
    "국민안심병원",
    "안심병원",
    "밀접접촉자",
    "접촉자",
    "능동감시",
    "자가진단",
    "자가격리자",
    "격리해제",
    "공적마스크",
    "보건용마스크",
    "이동경로",
    "음압병실",
    "해외입국자",
    "질병관리본부",
    "질병관리청",
    "콜센터",
    "워킹스루",
    "긴급재난지원금",
    "코로나블루",
)

#: Content tags kept for keyword analysis: nouns, foreign words, hanja, numbers attached to nouns.
NOUN_TAGS = ("NNG", "NNP", "SL", "SH")
STOP_WORDS = frozenset(
    {
        "것",
        "수",
        "등",
        "때",
        "중",
        "위",
        "곳",
        "더",
        "및",
        "제",
        "년",
        "월",
        "일",
        "명",
        "건",
        "개",
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "and",
        "for",
        "on",
        "is",
        "with",
        "as",
        "at",
        "by",
    }
)
EN_TOKEN = re.compile(r"[a-z][a-z0-9\-]+")
_HANGUL = re.compile(r"[가-힣]")
MAX_CHARS = 20_000  # longer documents are cut (a scraped page can be megabytes of boilerplate)


def tokeniser_normalise(text: str | None) -> str:
    """NFC, whitespace collapsed, cut at MAX_CHARS (what the tokeniser analyses)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    return re.sub(r"\s+", " ", text).strip()[:MAX_CHARS]


class Tokeniser:
    """kiwipiepy with a user dictionary of new terms and a per-eojeol cache (see module docstring)."""

    def __init__(
        self,
        user_words: Iterable[tuple[str, str]] | None = None,
        num_workers: int = 2,
        cache_size: int = 500_000,
    ) -> None:
        from kiwipiepy import Kiwi

        self.kiwi = Kiwi(num_workers=num_workers)
        self.user_words: list[str] = []
        for word in NEW_TERMS:
            self.add_word(word, "NNP")
        for word, tag in user_words or ():
            self.add_word(word, tag)
        self._cache: dict[str, tuple[tuple[str, str], ...]] = {}
        self._cache_size = cache_size

    def add_word(self, word: str, tag: str = "NNP", score: float = 0.0) -> None:
        word = tokeniser_normalise(word).replace(" ", "")
        if word:
            self.kiwi.add_user_word(word, tag, score)
            self.user_words.append(word)
            if hasattr(self, "_cache"):
                self._cache.clear()

    @staticmethod
    def read_user_dictionary(path: Path) -> list[tuple[str, str]]:
        """``word<TAB>tag`` lines (tag defaults to NNP); ``#`` starts a comment."""
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                parts = line.split("\t")
                out.append((parts[0].strip(), parts[1].strip() if len(parts) > 1 else "NNP"))
        return out

    def _analyse(self, words: Sequence[str]) -> None:
        missing = [w for w in dict.fromkeys(words) if w not in self._cache]
        if not missing:
            return
        if len(self._cache) + len(missing) > self._cache_size:
            self._cache.clear()
        for word, tokens in zip(missing, self.kiwi.tokenize(missing), strict=True):
            self._cache[word] = tuple((t.form, t.tag) for t in tokens)

    def morphs_many(self, texts: Sequence[str]) -> list[list[tuple[str, str]]]:
        split = [tokeniser_normalise(t).split(" ") if t else [] for t in texts]
        self._analyse([w for ws in split for w in ws if w])
        return [[m for w in ws if w for m in self._cache[w]] for ws in split]

    def tokenise_many(self, texts: Sequence[str], nouns_only: bool = True) -> list[list[str]]:
        """Content tokens per text (nouns, foreign words) lower-cased; Korean and English alike."""
        out = []
        for morphs in self.morphs_many(texts):
            toks = []
            for form, tag in morphs:
                if nouns_only and not tag.startswith(NOUN_TAGS):
                    continue
                form = form.lower()
                if len(form) < 2 and not _HANGUL.match(form):
                    continue
                if form not in STOP_WORDS:
                    toks.append(form)
            out.append(toks)
        return out

    def tokenise(self, text: str, nouns_only: bool = True) -> list[str]:
        return self.tokenise_many([text], nouns_only)[0]

    def tokenise_sentences(self, texts: Sequence[str]) -> list[list[str]]:
        """Whole-sentence analysis without the cache (the reference the cache is measured against)."""
        out = []
        for tokens in self.kiwi.tokenize([tokeniser_normalise(t) for t in texts]):
            out.append(
                [
                    t.form.lower()
                    for t in tokens
                    if t.tag.startswith(NOUN_TAGS)
                    and (len(t.form) > 1 or _HANGUL.match(t.form))
                    and t.form.lower() not in STOP_WORDS
                ]
            )
        return out

    def discover_words(
        self, texts: Sequence[str], min_count: int = 5, min_entropy: float = 1.0, top: int = 50
    ) -> list[dict[str, Any]]:
        """New-word candidates: frequent word stems the dictionary does not know as one noun.

        A stem is a prefix of space-separated words followed by many different continuations
        (particles, nothing, other words): high right-branching entropy, as in Kiwi's own word
        extractor — which on small corpora scored every candidate 0 here, so we compute it directly.
        Stems the tokeniser already returns as a single noun are not new.
        """
        prefixes: Counter[str] = Counter()
        follow: dict[str, Counter[str]] = {}
        for text in texts:
            for word in tokeniser_normalise(text).split(" "):
                if not _HANGUL.match(word):
                    continue
                for k in range(2, min(len(word), 10) + 1):
                    stem = word[:k]
                    if not all("가" <= ch <= "힣" or ch.isdigit() for ch in stem):
                        break
                    prefixes[stem] += 1
                    follow.setdefault(stem, Counter())[word[k : k + 1]] += 1
        import numpy as np

        scored = []
        for stem, count in prefixes.items():
            if count < min_count:
                continue
            nxt = follow[stem]
            probs = np.array(list(nxt.values()), dtype=float) / count
            entropy = float(-(probs * np.log2(probs)).sum())
            if entropy < min_entropy:
                continue
            scored.append((entropy * np.log(count), stem, count, entropy))
        scored.sort(reverse=True)
        known = set(self.user_words)
        out: list[dict[str, Any]] = []
        for score, stem, count, entropy in scored:
            if stem in known or any(stem != o["word"] and stem in o["word"] for o in out):
                continue
            morphs = self.morphs_many([stem])[0]
            if len(morphs) == 1 and morphs[0][1].startswith(("NNG", "NNP")):
                continue  # the dictionary already knows it as one noun
            out.append({"word": stem, "count": count, "entropy": round(entropy, 3), "score": round(score, 3)})
            if len(out) >= top:
                break
        return out
