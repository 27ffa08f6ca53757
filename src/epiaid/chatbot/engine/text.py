"""Cleaning and tokenising chatbot messages (Korean and English), safe on any input.

Every message goes through :func:`clean` first: it is capped, NFC-normalised, stripped of control
characters, markup and script, so that binary junk, a pasted web page or a megabyte of text costs
the same as a short question and never raises.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

#: Longest message we read (characters after cleaning); the rest is dropped.
MAX_CHARS = 1_000
#: Longest raw input we even look at (a huge paste is cut before any regex runs over it).
MAX_RAW_CHARS = 20_000

_SCRIPT_BLOCK = re.compile(r"<\s*(script|style)\b[^>]*>.*?(<\s*/\s*\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]{0,500}>")
_URL = re.compile(r"(https?|javascript|data)\s*:\S*", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_HANGUL_CHAR = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LETTER = re.compile(r"[^\W\d_]")


def clean(text: object) -> str:
    """A safe, bounded, plain-text version of any message ('' for nothing usable)."""
    if text is None:
        return ""
    if isinstance(text, bytes | bytearray):
        text = bytes(text[: MAX_RAW_CHARS * 4]).decode("utf-8", errors="ignore")
    s = str(text)[:MAX_RAW_CHARS]
    s = unicodedata.normalize("NFC", s)
    s = _SCRIPT_BLOCK.sub(" ", s)
    s = _TAG.sub(" ", s)
    s = _URL.sub(" ", s)
    s = "".join(ch if unicodedata.category(ch)[0] not in "CZ" or ch == " " else " " for ch in s)
    s = _SPACE.sub(" ", s).strip()
    return s[:MAX_CHARS]


def detect_lang(text: str) -> str:
    """'ko' when Hangul makes up at least a third of the letters, else 'en'."""
    s = str(text or "")[:MAX_RAW_CHARS]
    letters = len(_LETTER.findall(s))
    if not letters:
        return "en"
    return "ko" if len(_HANGUL_CHAR.findall(s)) * 3 >= letters else "en"


def has_hangul(text: str) -> bool:
    return _HANGUL_CHAR.search(text) is not None


@lru_cache(maxsize=1)
def _jamo_table() -> dict[int, str]:
    """Conjoining jamo (from NFD of syllables) -> compatibility jamo (as typed one by one: ㅋㅗㄹㅗㄴㅏ)."""
    table: dict[int, str] = {}
    for cp in range(0x1100, 0x1200):
        name = unicodedata.name(chr(cp), "")
        parts = name.split(" ", 2)
        if len(parts) == 3 and parts[0] == "HANGUL" and parts[1] in ("CHOSEONG", "JUNGSEONG", "JONGSEONG"):
            try:
                table[cp] = unicodedata.lookup("HANGUL LETTER " + parts[2])
            except KeyError:
                continue
    return table


def char_view(text: str) -> str:
    """Lower-cased text with Hangul spelled out as compatibility jamo, for character n-grams.

    A typo in one jamo (코로니 for 코로나) or a word typed jamo by jamo (ㅋㅗㄹㅗㄴㅏ) then shares
    most n-grams with the right spelling.
    """
    s = text.lower()
    if not has_hangul(s):
        return s
    return unicodedata.normalize("NFD", s).translate(_jamo_table())


# --- word tokens -------------------------------------------------------------------------------

EN_STOP = frozenset(
    """
    a about above after again all am an and any are as at be been being below between both but by
    can could did do does doing down during each few for from further had has have having he her
    here hers him his how i if in into is it its itself just me more most my no nor not now of off
    on once only or other our ours out over own same she should so some such than that the their
    them then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours please tell know
    """.split()  # noqa: SIM905
)
# Spellings of the disease and virus that mean the same thing to someone asking.
_EN_SYNONYMS = {
    "covid": "covid",
    "covid19": "covid",
    "covid-19": "covid",
    "coronavirus": "covid",
    "coronaviruses": "covid",
    "corona": "covid",
    "sars-cov-2": "covid",
    "sarscov2": "covid",
    "ncov": "covid",
    "2019-ncov": "covid",
    "virus": "covid",
}
_EN_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_KO_CONTENT_TAGS = ("NNG", "NNP", "NR", "SL", "SN", "SH", "XR", "VV", "VA", "MAG", "NNB")
_KO_STOP = frozenset(
    {"것", "수", "등", "때", "중", "하", "되", "있", "없", "이", "그", "저", "어떻", "어떡", "어디", "뭐"}
)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def en_tokens(text: str) -> list[str]:
    words = []
    for w in _EN_WORD.findall(text.lower()):
        w = _EN_SYNONYMS.get(w, w)
        if w in EN_STOP or (len(w) < 2 and not w.isdigit()):
            continue
        words.append(w)
    return [str(t) for t in _stemmer().stemWords(words)]


@lru_cache(maxsize=1)
def korean_tokeniser():  # type: ignore[no-untyped-def]
    """The shared kiwipiepy tokeniser (user dictionary of the epidemic's words), loaded on first use."""
    from epiaid.core.korean import Tokeniser

    return Tokeniser(num_workers=1)


_KIWI_LOCK = threading.Lock()


def ko_tokens_many(texts: list[str]) -> list[list[str]]:
    """Content morphemes of Korean text (nouns, verb/adjective stems, roots, foreign words).

    One message at a time through the shared analyser: its eojeol cache is a plain dict that a
    concurrent request could clear mid-lookup (web servers call ``search`` from several threads)."""
    with _KIWI_LOCK:
        morphs = korean_tokeniser().morphs_many(texts)
    out = []
    for ms in morphs:
        toks = []
        for form, tag in ms:
            if not tag.startswith(_KO_CONTENT_TAGS):
                continue
            f = form.lower()
            if f in _KO_STOP:
                continue
            if tag == "SL":
                toks.extend(en_tokens(f))
            else:
                toks.append(f)
        out.append(toks)
    return out


def tokens_many(texts: list[str]) -> list[list[str]]:
    """Word tokens for BM25: Korean morphemes where there is Hangul, stemmed English words otherwise."""
    out: list[list[str]] = [[] for _ in texts]
    ko_idx = [i for i, t in enumerate(texts) if has_hangul(t)]
    for i, t in enumerate(texts):
        if i not in ko_idx:
            out[i] = en_tokens(t)
    if ko_idx:
        for i, toks in zip(ko_idx, ko_tokens_many([texts[i] for i in ko_idx]), strict=True):
            out[i] = toks
    return out
