"""Keyword groups with synonyms and renames, and the English fallback tokeniser.

The Korean tokeniser (kiwipiepy with the epidemic's user dictionary and a per-eojeol cache) is shared
with the chatbot and lives in :mod:`epiaid.core.korean`; it is re-exported here for trends' callers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from epiaid.core.korean import (  # the shared Korean tokeniser (also used by the chatbot)
    EN_TOKEN,
    MAX_CHARS,
    NEW_TERMS,
    NOUN_TAGS,
    STOP_WORDS,
    Tokeniser,
)
from epiaid.core.korean import (
    tokeniser_normalise as normalise,
)

__all__ = [
    "DEFAULT_GROUPS",
    "MAX_CHARS",
    "NEW_TERMS",
    "NOUN_TAGS",
    "KeywordGroup",
    "TermChange",
    "Tokeniser",
    "normalise",
    "simple_tokens",
]


def simple_tokens(text: str) -> list[str]:
    """A dependency-free fallback for English text (lower-cased words without stop words)."""
    return [w for w in EN_TOKEN.findall(normalise(text).lower()) if w not in STOP_WORDS]


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
