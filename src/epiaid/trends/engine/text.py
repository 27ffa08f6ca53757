"""Korean (and English) tokenisation for headlines, keyword groups with synonyms, new words.

Speed: kiwipiepy analyses ~400–1,000 headlines/s here. Headlines repeat words heavily (outlets copy
each other, a crisis has a small vocabulary), so we analyse each distinct eojeol (space-separated
word) once and reuse it: after warm-up a headline costs a few dictionary look-ups. Analysing an eojeol
out of its sentence loses a little context, which for the nouns keyword analysis uses changes almost
nothing (``bench/trends`` reports the agreement with whole-sentence analysis beside the speed-up).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

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
)

#: Content tags kept for keyword analysis: nouns, foreign words, hanja, numbers attached to nouns.
NOUN_TAGS = ("NNG", "NNP", "SL", "SH")
_STOP = frozenset(
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
_EN_TOKEN = re.compile(r"[a-z][a-z0-9\-]+")
_HANGUL = re.compile(r"[가-힣]")
MAX_CHARS = 20_000  # longer documents are cut (a scraped page can be megabytes of boilerplate)


def normalise(text: str | None) -> str:
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
        word = normalise(word).replace(" ", "")
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
        split = [normalise(t).split(" ") if t else [] for t in texts]
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
                if form not in _STOP:
                    toks.append(form)
            out.append(toks)
        return out

    def tokenise(self, text: str, nouns_only: bool = True) -> list[str]:
        return self.tokenise_many([text], nouns_only)[0]

    def tokenise_sentences(self, texts: Sequence[str]) -> list[list[str]]:
        """Whole-sentence analysis without the cache (the reference the cache is measured against)."""
        out = []
        for tokens in self.kiwi.tokenize([normalise(t) for t in texts]):
            out.append(
                [
                    t.form.lower()
                    for t in tokens
                    if t.tag.startswith(NOUN_TAGS)
                    and (len(t.form) > 1 or _HANGUL.match(t.form))
                    and t.form.lower() not in _STOP
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
            for word in normalise(text).split(" "):
                if not _HANGUL.match(word):
                    continue
                for k in range(2, min(len(word), 10) + 1):
                    stem = word[:k]
                    if not all("가" <= ch <= "힣" or ch.isdigit() for ch in stem):
                        break
                    prefixes[stem] += 1
                    follow.setdefault(stem, Counter())[word[k : k + 1]] += 1
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


def simple_tokens(text: str) -> list[str]:
    """A dependency-free fallback for English text (lower-cased words without stop words)."""
    return [w for w in _EN_TOKEN.findall(normalise(text).lower()) if w not in _STOP]


@dataclass
class TermChange:
    old: str
    new: str
    since: date  # the day the new name became official


@dataclass
class KeywordGroup:
    """An issue tracked under several spellings; renamed terms still count for the same issue."""

    name: str
    terms: list[str]
    changes: list[TermChange] = field(default_factory=list)

    def all_terms(self) -> list[str]:
        terms = list(self.terms)
        for c in self.changes:
            terms += [c.old, c.new]
        return list(dict.fromkeys(normalise(t) for t in terms if t))

    def patterns(self) -> list[str]:
        """Spaceless forms too, so '우한 폐렴' and '우한폐렴' both match."""
        pats = []
        for t in self.all_terms():
            pats.append(t.lower())
            pats.append(t.replace(" ", "").lower())
        return list(dict.fromkeys(pats))

    def term_shares(self, texts: Sequence[str], days: Sequence[date]) -> dict[str, Counter[date]]:
        """Per term, how many texts used it each day: shows a rename taking over (우한 폐렴 → 코로나19)."""
        out: dict[str, Counter[date]] = {t: Counter() for t in self.all_terms()}
        for text, day in zip(texts, days, strict=True):
            low = normalise(text).lower()
            flat = low.replace(" ", "")
            for t in out:
                if t.lower() in low or t.replace(" ", "").lower() in flat:
                    out[t][day] += 1
        return out


DEFAULT_GROUPS: tuple[KeywordGroup, ...] = (
    KeywordGroup(
        "코로나19",
        ["코로나19", "코로나 19", "코로나바이러스", "신종 코로나", "covid-19", "coronavirus"],
        [TermChange("우한 폐렴", "코로나19", date(2020, 2, 12))],
    ),
    KeywordGroup("마스크", ["마스크", "mask", "공적 마스크", "마스크 5부제"]),
    KeywordGroup("거리두기", ["사회적 거리두기", "거리두기", "social distancing"]),
    KeywordGroup("신천지", ["신천지", "shincheonji"]),
    KeywordGroup("백신", ["백신", "vaccine"]),
)
