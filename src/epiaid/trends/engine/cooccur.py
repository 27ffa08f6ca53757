"""Related words: document co-occurrence scored by PMI and Dunning's log-likelihood, per period.

A communicator asks "what do people read next to 마스크, and did that change after the 5-day rotation
started?" — so every score is computed for a period, and two periods are compared word by word.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Related:
    word: str
    together: int  # documents with both the target and the word
    count: int  # documents with the word
    pmi: float
    llr: float  # G², large = unlikely to be chance

    def as_dict(self) -> dict[str, Any]:
        return {
            "word": self.word,
            "together": self.together,
            "count": self.count,
            "pmi": round(self.pmi, 3),
            "llr": round(self.llr, 2),
        }


def _xlogx(*counts: float) -> float:
    return sum(c * math.log(c) for c in counts if c > 0)


def log_likelihood(k11: int, k12: int, k21: int, k22: int) -> float:
    """Dunning's G² for a 2x2 table (word × target presence over documents)."""
    n = k11 + k12 + k21 + k22
    rows = _xlogx(k11 + k12, k21 + k22)
    cols = _xlogx(k11 + k21, k12 + k22)
    return max(0.0, 2.0 * (_xlogx(k11, k12, k21, k22) - rows - cols + _xlogx(n)))


def related_words(
    docs: Sequence[Sequence[str]],
    target: str | Iterable[str],
    top: int = 20,
    min_together: int = 2,
    sort_by: str = "llr",
) -> list[Related]:
    """Words that occur in the same documents as ``target`` (any of its synonyms) more than chance."""
    targets = {target} if isinstance(target, str) else set(target)
    n = len(docs)
    df: Counter[str] = Counter()
    co: Counter[str] = Counter()
    n_target = 0
    for doc in docs:
        words = set(doc)
        df.update(words)
        if words & targets:
            n_target += 1
            co.update(words - targets)
    out = []
    for word, k11 in co.items():
        if k11 < min_together:
            continue
        k12 = n_target - k11
        k21 = df[word] - k11
        k22 = n - k11 - k12 - k21
        pmi = math.log((k11 * n) / (n_target * df[word]))
        if pmi <= 0:  # no more often together than chance: not related
            continue
        llr = log_likelihood(k11, k12, k21, k22)
        out.append(Related(word, k11, df[word], pmi, llr))
    out.sort(key=lambda r: (getattr(r, sort_by), r.together), reverse=True)
    return out[:top]


def compare_periods(
    before: Sequence[Sequence[str]],
    after: Sequence[Sequence[str]],
    target: str | Iterable[str],
    top: int = 15,
) -> dict[str, list[dict[str, Any]]]:
    """Related words that appear, grow, fade or vanish across a change point."""
    b = {r.word: r for r in related_words(before, target, top=200)}
    a = {r.word: r for r in related_words(after, target, top=200)}
    nb, na = max(len(before), 1), max(len(after), 1)
    rows: list[dict[str, Any]] = []
    for word in set(a) | set(b):
        sa = a[word].together / na if word in a else 0.0
        sb = b[word].together / nb if word in b else 0.0
        rows.append(
            {
                "word": word,
                "before": round(sb, 4),
                "after": round(sa, 4),
                "llr_before": round(b[word].llr, 2) if word in b else 0.0,
                "llr_after": round(a[word].llr, 2) if word in a else 0.0,
                "change": sa - sb,
            }
        )
    rising = sorted((r for r in rows if r["change"] > 0), key=lambda r: -r["change"])[:top]
    falling = sorted((r for r in rows if r["change"] < 0), key=lambda r: r["change"])[:top]
    return {"new": [r for r in rising if r["before"] == 0][:top], "rising": rising, "falling": falling}


def cooccurrence_graph(docs: Sequence[Sequence[str]], top_words: int = 40, min_pair: int = 3) -> Any:
    """networkx graph of the most frequent words, edges weighted by PMI of their document co-occurrence."""
    import networkx as nx

    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    vocab = [w for w, _ in df.most_common(top_words)]
    keep = set(vocab)
    pairs: Counter[tuple[str, str]] = Counter()
    for doc in docs:
        words = sorted(set(doc) & keep)
        for i, u in enumerate(words):
            for v in words[i + 1 :]:
                pairs[(u, v)] += 1
    n = max(len(docs), 1)
    g = nx.Graph()
    for w in vocab:
        g.add_node(w, count=df[w])
    for (u, v), k in pairs.items():
        if k >= min_pair:
            pmi = math.log(k * n / (df[u] * df[v]))
            if pmi > 0:
                g.add_edge(u, v, weight=k, pmi=round(pmi, 3))
    return g
