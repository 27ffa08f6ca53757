"""FAQ retrieval: BM25 on words/morphemes, character n-gram TF-IDF and a semantic signal, fused and
calibrated, with abstention.

Each knowledge-base entry is indexed under its question and each of its variants (an entry scores
the best of them) and, more weakly, under its answer. For a message the signals are:

* ``bm25``: BM25 (bm25s) over stemmed English words / Korean content morphemes (kiwipiepy with the
  epidemic's user dictionary, shared with trends via :mod:`epiaid.core.korean`);
* ``char``: cosine of character 2–4-gram TF-IDF vectors (Hangul spelled as jamo, so typos and
  jamo-by-jamo typing still match);
* ``sem``: cosine of sentence embeddings (:mod:`.semantic`), when a model is available.

The signals are combined linearly and turned into a probability that the top hit answers the
message (a logistic calibration fitted by ``scripts/chatbot_eval.py`` on the proxy training split;
parameters in :data:`CALIBRATION`). A message abstains when that probability is below the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from epiaid.chatbot.engine import text as T
from epiaid.chatbot.engine.text import detect_lang

__all__ = ["CALIBRATION", "Entry", "Hit", "Result", "Retriever", "detect_lang"]


@dataclass(frozen=True)
class Entry:
    id: str
    question: str
    answer: str
    variants: tuple[str, ...] = ()
    lang: str = "en"  # "ko" | "en"


@dataclass(frozen=True)
class Hit:
    entry_id: str
    score: float  # calibrated 0..1, higher = more confident


@dataclass(frozen=True)
class Result:
    hits: list[Hit]
    abstain: bool
    lang: str


@dataclass(frozen=True)
class Calibration:
    """Fusion weights and the logistic calibration of the fused score (see scripts/chatbot_eval.py)."""

    w_bm25: float = 0.35
    w_char: float = 0.65
    w_sem: float = 0.0
    w_answer: float = 0.15  # weight of the answer field against the question field
    slope: float = 12.0
    intercept: float = -5.0
    threshold: float = 0.5
    extra: dict[str, float] = field(default_factory=dict)

    def probability(self, fused: float) -> float:
        z = self.slope * fused + self.intercept
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


CALIBRATION = Calibration()


class _Index:
    """One field (questions+variants, or answers): BM25 and char TF-IDF over its documents."""

    def __init__(self, docs: list[str], owner: np.ndarray, n_entries: int) -> None:
        import bm25s
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.owner = owner
        self.n_entries = n_entries
        toks = T.tokens_many(docs)
        self._vocab: dict[str, int] = {}
        corpus_ids = [[self._vocab.setdefault(t, len(self._vocab)) for t in ts] for ts in toks]
        self.bm25 = bm25s.BM25()
        # bm25s wants at least one token per document and a non-empty vocabulary.
        pad = self._vocab.setdefault("\x00", len(self._vocab))
        self.bm25.index(
            bm25s.tokenization.Tokenized(
                ids=[ids or [pad] for ids in corpus_ids], vocab={k: v for k, v in self._vocab.items()}
            ),
            show_progress=False,
        )
        self.char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=1, dtype=np.float32
        )
        views = [T.char_view(d) for d in docs]
        self.char_matrix = self.char.fit_transform([v if v.strip() else "\x00" for v in views])

    def _per_entry(self, doc_scores: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n_entries, dtype=np.float32)
        np.maximum.at(out, self.owner, doc_scores.astype(np.float32))
        return out

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        ids = [self._vocab[t] for t in tokens if t in self._vocab]
        if not ids:
            return np.zeros(self.n_entries, dtype=np.float32)
        scores = self.bm25.get_scores(ids)
        return self._per_entry(np.asarray(scores))

    def char_scores(self, view: str) -> np.ndarray:
        q = self.char.transform([view])
        return self._per_entry(np.asarray((self.char_matrix @ q.T).toarray()).ravel())


class Retriever:
    def __init__(self, entries: Sequence[Entry], calibration: Calibration | None = None) -> None:
        self.entries = list(entries)
        self.calibration = calibration or CALIBRATION
        self.ids = [e.id for e in self.entries]
        q_docs: list[str] = []
        q_owner: list[int] = []
        for i, e in enumerate(self.entries):
            for q in dict.fromkeys((e.question, *e.variants)):
                c = T.clean(q)
                if c:
                    q_docs.append(c)
                    q_owner.append(i)
        n = len(self.entries)
        self._questions = _Index(q_docs or ["\x00"], np.array(q_owner or [0]), max(n, 1))
        a_docs = [T.clean(e.answer)[: T.MAX_CHARS] or "\x00" for e in self.entries]
        self._answers = _Index(a_docs or ["\x00"], np.arange(max(n, 1)), max(n, 1))

    @classmethod
    def build(cls, entries: Sequence[Entry]) -> Retriever:
        return cls(entries)

    # --- signals -------------------------------------------------------------------------------

    def signals(self, text: str) -> dict[str, np.ndarray]:
        """Per-entry signal arrays for an already cleaned message (used by the evaluation)."""
        tokens = T.tokens_many([text])[0]
        view = T.char_view(text)
        n_tokens = max(len(tokens), 1)
        out = {
            "bm25_q": self._questions.bm25_scores(tokens) / n_tokens,
            "bm25_a": self._answers.bm25_scores(tokens) / n_tokens,
            "char_q": self._questions.char_scores(view),
            "char_a": self._answers.char_scores(view),
        }
        return out

    def fused(self, sig: dict[str, np.ndarray]) -> np.ndarray:
        c = self.calibration
        # BM25 per query token, squashed to 0..1 (a strong match scores a few points per token).
        bm = 1.0 - np.exp(-(sig["bm25_q"] + c.w_answer * sig["bm25_a"]) / 2.0)
        ch = sig["char_q"] + c.w_answer * sig["char_a"]
        total = c.w_bm25 * bm + c.w_char * ch
        if "sem_q" in sig and c.w_sem:
            total = total + c.w_sem * sig["sem_q"]
        return np.asarray(total / max(c.w_bm25 + c.w_char + c.w_sem, 1e-9), dtype=np.float64)

    # --- public ----------------------------------------------------------------------------------

    def search(self, text: str, k: int = 5) -> Result:
        msg = T.clean(text)
        lang = detect_lang(msg)
        if not msg or not self.entries or not any(ch.isalnum() for ch in msg):
            return Result(hits=[], abstain=True, lang=lang)
        fused = self.fused(self.signals(msg))
        k = max(1, min(int(k), len(self.entries)))
        order = np.argsort(-fused, kind="stable")[:k]
        hits = [Hit(self.ids[i], round(self.calibration.probability(float(fused[i])), 6)) for i in order]
        abstain = not hits or hits[0].score < self.calibration.threshold
        return Result(hits=hits, abstain=abstain, lang=lang)

    def similarity(self, a: str, b: str) -> float:
        """How alike two questions are, 0..1 (character n-grams with this knowledge base's weights,
        word overlap and the semantic signal)."""
        ca, cb = T.clean(a), T.clean(b)
        if not ca or not cb:
            return 0.0
        vec = self._questions.char.transform([T.char_view(ca), T.char_view(cb)])
        char = float((vec[0] @ vec[1].T).toarray()[0, 0])
        ta, tb = (set(t) for t in T.tokens_many([ca, cb]))
        words = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
        return float(max(0.0, min(1.0, 0.7 * char + 0.3 * words)))
