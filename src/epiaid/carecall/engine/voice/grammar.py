"""Recognition grammars built from a dialog prompt's accepted phrases (Django-free).

A prompt carries ``grammar``: the phrases that answer it (yes/no/unknown vocabulary, or every temperature
from 35.0 to 42.0 as "삼십칠 점 팔" / "thirty seven point eight"). The voice layer adds the dialog's global
phrases ("다시" / "repeat", the opt-out ones) and, for Vosk, a few decoy words that soak up speech that
is none of them (the Korean model has no ``[unk]`` word, so without decoys every sound would be forced onto
an answer). What the recogniser hears is mapped back to the prompt's own phrase, which the dialog Session
interprets as typed text would be.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from epiaid.carecall.engine import numbers

# Short everyday words outside every answer: the decoys that out-of-grammar speech is decoded to. None of
# them may mean yes/no/repeat/stop or be part of a number.
DECOYS = {
    "ko": [
        "그런데",
        "그래서",
        "그리고",
        "지금",
        "오늘",
        "어제",
        "여기",
        "거기",
        "저기",
        "누구",
        "무엇",
        "뭐",
        "왜",
        "어디",
        "언제",
        "어떻게",
        "사람",
        "시간",
        "전화",
        "회사",
        "학교",
        "집",
        "밥",
        "물",
        "차",
        "길",
        "날씨",
        "모르",
        "글쎄",
        "잠깐",
        "여보세요",
        "저",
        "제",
        "우리",
        "너",
        "좋아요",
        "싫어요",
        "감사합니다",
        "안녕하세요",
        "고맙습니다",
        "바빠요",
        "나중에",
        "누구세요",
        "뭐라고요",
        "엄마",
        "아빠",
        "친구",
        "버스",
        "시장",
        "병원",
        "약",
        "하늘",
        "바다",
    ],
    "en": [
        "hello",
        "hi",
        "who",
        "what",
        "why",
        "where",
        "when",
        "how",
        "the",
        "a",
        "and",
        "but",
        "so",
        "well",
        "maybe",
        "later",
        "today",
        "tomorrow",
        "weather",
        "thanks",
        "thank",
        "you",
        "please",
        "wait",
        "busy",
        "sorry",
        "hmm",
        "um",
        "uh",
        "okay",
        "fine",
        "good",
        "bad",
        "home",
        "work",
        "car",
        "bus",
        "water",
        "coffee",
        "dog",
        "cat",
        "mother",
        "father",
        "friend",
        "doctor",
    ],
}


# One-word stand-ins the recogniser may use for a multi-word phrase of the dialog's vocabulary.
ALIASES = {
    "ko": {"다시": "다시 한번", "반복": "다시 한번"},
    "en": {"again": "say again"},
}


def normalise(text: str) -> str:
    """Lower case, NFC, punctuation to spaces, single spaces (as the dialog engine compares phrases)."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\w\s']", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _key(text: str) -> str:
    """The comparison key: Korean compares without spaces (word splits differ), English with them."""
    t = normalise(text)
    return t.replace(" ", "") if re.search(r"[가-힣]", t) else t


@dataclass
class Grammar:
    """The phrases one prompt accepts, in one language, and how to map a hypothesis back to one of them."""

    lang: str
    phrases: list[str]  # the prompt's own phrases, in its order (what Session.answer is given)
    extra: list[str] = field(default_factory=list)  # global phrases (repeat, stop)
    single_words: bool = True  # for Vosk: leave out multi-word phrases other than numbers (see vosk_phrases)
    _by_key: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _temperatures: dict[float, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for p in [*self.phrases, *self.extra]:
            self._by_key.setdefault(_key(p), p)
            value = numbers.parse_temperature(p) if re.search(r"\d|점|point|도|degrees", p) else None
            if value is not None:
                self._temperatures.setdefault(value, p)

    @property
    def all_phrases(self) -> list[str]:
        return [*self.phrases, *self.extra]

    @property
    def has_numbers(self) -> bool:
        return bool(self._temperatures)

    def exact(self, hypothesis: str) -> str | None:
        """The phrase the hypothesis is, word for word (spaces aside in Korean), or None. An alias (a
        one-word stand-in such as "다시" for "다시 한번") maps to its phrase."""
        if not hypothesis.strip():
            return None
        key = _key(hypothesis)
        hit = self._by_key.get(key)
        if hit is None:
            target = ALIASES.get(self.lang, {}).get(key)
            hit = self._by_key.get(_key(target)) if target else None
        return hit

    def match(self, hypothesis: str, *, fuzzy: float = 0.0) -> str | None:
        """The accepted phrase a (free-form) hypothesis means, or None.

        In order: the phrase itself; the same temperature however written ("37.8", "37.8 degrees",
        "thirty-seven point eight"); one phrase said twice; with ``fuzzy`` > 0, the closest phrase whose
        similarity ratio is at least ``fuzzy`` (for free-form recognisers whose spelling wanders)."""
        if not hypothesis or not hypothesis.strip():
            return None
        hit = self.exact(hypothesis)
        if hit is not None:
            return hit
        if self._temperatures:
            value = numbers.parse_temperature(hypothesis)
            if value is not None and value in self._temperatures:
                return self._temperatures[value]
        words = normalise(hypothesis).split()
        decoys = set(DECOYS.get(self.lang, ()))
        kept = [w for w in words if w not in decoys or self.exact(w) is not None]
        if kept and len(words) - len(kept) == 1:  # one decoy word beside an answer ("어제 없어요")
            hit = self.exact(" ".join(kept))
            if hit is not None:
                return hit
        half = len(words) // 2
        if words and len(words) % 2 == 0 and words[:half] == words[half:]:
            hit = self.exact(" ".join(words[:half]))
            if hit is not None:
                return hit
        if fuzzy > 0:
            keys = list(self._by_key)
            close = difflib.get_close_matches(_key(hypothesis), keys, n=1, cutoff=fuzzy)
            if close:
                return self._by_key[close[0]]
        return None

    def vosk_phrases(self, in_vocabulary: Callable[[str], bool], *, decoys: bool = True) -> tuple[list[str], list[str]]:
        """The grammar as a Vosk phrase list in the model's own words, and the phrases it could not spell.

        A word missing from the model's vocabulary is split into the longest known pieces ("삼십구" →
        "삼십 구"); a phrase with a piece that cannot be spelled at all is left out (and reported)."""
        out: list[str] = []
        missing: list[str] = []
        for phrase in self.all_phrases:
            spelled = spell(phrase, in_vocabulary)
            if spelled is None:
                missing.append(phrase)
            elif " " in spelled and self.single_words and numbers.parse_temperature(phrase) is None:
                # Vosk's "grammar" is a bigram model over the phrases' words: multi-word phrases
                # ("열이 나요", "안 해요") put loose words ("이", "나요") into it that short answers are then
                # decoded to. Only numbers keep their structure; the aliases stand in for the rest.
                missing.append(phrase)
            elif spelled not in out:
                out.append(spelled)
        for alias, target in ALIASES.get(self.lang, {}).items():
            if self.exact(target) is not None and in_vocabulary(alias) and alias not in out:
                out.append(alias)
        if decoys:
            for word in DECOYS.get(self.lang, ()):
                if in_vocabulary(word) and word not in out and self.exact(word) is None:
                    out.append(word)
        return out, missing


def spell(phrase: str, in_vocabulary: Callable[[str], bool]) -> str | None:
    """The phrase in words the model knows, or None."""
    words: list[str] = []
    for word in normalise(phrase).split():
        if in_vocabulary(word):
            words.append(word)
            continue
        pieces = _split(word, in_vocabulary)
        if pieces is None:
            return None
        words.extend(pieces)
    return " ".join(words) if words else None


def _split(word: str, in_vocabulary: Callable[[str], bool]) -> list[str] | None:
    """Longest-first segmentation of a word into known words (dynamic programming over characters)."""
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(n, i, -1):
            piece = word[i:j]
            if in_vocabulary(piece):
                candidate = [*(best[i] or []), piece]
                if best[j] is None or len(candidate) < len(best[j] or []):
                    best[j] = candidate
    return best[n]


def for_prompt(prompt_grammar: Iterable[str], lang: str, extra: Iterable[str] = ()) -> Grammar:
    return Grammar(lang, list(dict.fromkeys(prompt_grammar)), [p for p in dict.fromkeys(extra) if p])


def yes_no_phrases(lang: str) -> list[str]:
    """A standalone yes/no grammar (the dialog's vocabulary is used when there is one)."""
    if lang == "ko":
        return ["네", "예", "있어요", "있습니다", "아니요", "아니오", "없어요", "없습니다"]
    return ["yes", "yeah", "yes i do", "no", "nope", "no i don't"]


def repeat_phrases(lang: str) -> list[str]:
    return ["다시", "한번 더"] if lang == "ko" else ["repeat", "say again", "pardon"]


def temperature_phrases(lang: str, low: float = 35.0, high: float = 42.0) -> list[str]:
    return numbers.temperature_phrases(lang, low, high)
