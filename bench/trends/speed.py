"""Speed of the three trends hot paths against their peer or limit; prints ratios.

1. Headlines tokenised per second: our eojeol-cached tokeniser vs kiwipiepy alone (batch API, same
   thread count), plus how often both agree on the nouns (quality of the fast path).
2. Keyword-group counting per day: pyarrow kernels vs a plain-Python loop, in documents per minute
   (goal >= 20 M/min), on ``--docs`` documents processed in chunks of 1 M.
3. Change points: the default configuration on ``--series`` series x ``--days`` days (goal < 60 s),
   and ruptures' Binseg (l2, 2 log n, z-scored) on a sample, extrapolated.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pyarrow as pa
from headlines import generate  # type: ignore[import-not-found]


def bench_tokenise(n: int, threads: int) -> None:
    from kiwipiepy import Kiwi

    from epiaid.trends.engine.text import Tokeniser

    texts = generate(n, seed=1)
    kiwi = Kiwi(num_workers=threads)
    kiwi.tokenize(texts[:50])  # warm the model
    t0 = time.perf_counter()
    list(kiwi.tokenize(texts))
    kiwi_rate = n / (time.perf_counter() - t0)
    tok = Tokeniser(num_workers=threads)
    tok.tokenise_many(texts[:50])
    tok._cache.clear()
    t0 = time.perf_counter()
    fast = tok.tokenise_many(texts)
    ours_rate = n / (time.perf_counter() - t0)
    sample = texts[:2000]
    ref = tok.tokenise_sentences(sample)
    jac = [len(set(a) & set(b)) / max(len(set(a) | set(b)), 1) for a, b in zip(fast[:2000], ref, strict=True)]
    print(f"tokenise: {n} headlines, {threads} threads, cold cache")
    print(f"  kiwipiepy alone     {kiwi_rate:9.0f} headlines/s")
    print(
        f"  epiaid (eojeol cache){ours_rate:8.0f} headlines/s   ratio {ours_rate / kiwi_rate:.1f}x   "
        f"goal 2,000/s: {'met' if ours_rate >= 2000 else 'NOT met'}"
    )
    print(f"  noun agreement with whole-sentence analysis (mean Jaccard): {np.mean(jac):.3f}")
    words = [w for t in texts for w in t.split()]
    # The speed-up depends on how often words repeat; real news vocabularies are larger than ours.
    print(f"  distinct words: {len(set(words)) / len(words):.1%} of {len(words):,} (cache misses)")


def bench_keywords(total: int, python_sample: int) -> None:
    from epiaid.trends.engine.keywords import count_by_day, count_python
    from epiaid.trends.engine.text import DEFAULT_GROUPS

    pool = generate(20_000, seed=2)
    rng = np.random.default_rng(3)
    chunk = min(total, 1_000_000)
    pool_arr = pa.array(pool, type=pa.large_string())
    elapsed = 0.0
    done = 0
    while done < total:
        m = min(chunk, total - done)
        idx = pa.array(rng.integers(0, len(pool), m))
        texts = pool_arr.take(idx)
        days = rng.integers(0, 365, m)
        t0 = time.perf_counter()
        count_by_day(texts, days, DEFAULT_GROUPS)
        elapsed += time.perf_counter() - t0
        done += m
    rate = done / elapsed * 60
    sample = [pool[i] for i in rng.integers(0, len(pool), python_sample)]
    sdays = rng.integers(0, 365, python_sample)
    t0 = time.perf_counter()
    slow = count_python(sample, sdays.tolist(), DEFAULT_GROUPS)
    py_rate = python_sample / (time.perf_counter() - t0) * 60
    fast = count_by_day(sample, sdays, DEFAULT_GROUPS)
    same = bool((fast.to_numpy() == slow.loc[fast.index].to_numpy()).all())
    print(f"keywords: {done:,} documents x {len(DEFAULT_GROUPS)} groups")
    print(f"  pyarrow kernels  {rate / 1e6:8.1f} M docs/min   goal 20 M/min: {'met' if rate >= 20e6 else 'NOT met'}")
    print(f"  python loop      {py_rate / 1e6:8.1f} M docs/min   ratio {rate / py_rate:.1f}x   same counts: {same}")


def bench_changepoints(n_series: int, days: int, ruptures_sample: int) -> None:
    import ruptures as rpt

    from epiaid.trends.engine import changepoints as cp

    rng = np.random.default_rng(4)
    data = []
    for _ in range(n_series):
        y = rng.normal(0, 1, days)
        for c in sorted(rng.choice(np.arange(50, days - 50), int(rng.integers(0, 5)), replace=False)):
            y[c:] += rng.normal(0, 4)
        data.append(y)
    cp.detect_indices(data[0])  # load the compiled kernels
    t0 = time.perf_counter()
    for y in data:
        cp.detect(y)  # with the per-change explanation (segment model, confidence)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    for y in data[:ruptures_sample]:
        z = (y - y.mean()) / y.std()
        rpt.Binseg(model="l2").fit(z.reshape(-1, 1)).predict(pen=2 * math.log(days))
    rpt_each = (time.perf_counter() - t0) / ruptures_sample
    print(f"changepoints: {n_series} series x {days} days, default (PELT, line + variance per segment, explained)")
    print(f"  epiaid          {ours:8.1f} s   goal < 60 s: {'met' if ours < 60 else 'NOT met'}")
    print(
        f"  ruptures Binseg {rpt_each * n_series:8.1f} s (l2, 2 log n; {ruptures_sample} series, extrapolated)   "
        f"ratio {rpt_each * n_series / ours:.2f}x"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--headlines", type=int, default=20_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--docs", type=int, default=10_000_000)
    ap.add_argument("--python-docs", type=int, default=200_000)
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--days", type=int, default=1500)
    ap.add_argument("--ruptures-sample", type=int, default=50)
    ap.add_argument("--only", choices=["tokenise", "keywords", "changepoints"], default=None)
    a = ap.parse_args()
    if a.only in (None, "tokenise"):
        bench_tokenise(a.headlines, a.threads)
    if a.only in (None, "keywords"):
        bench_keywords(a.docs, a.python_docs)
    if a.only in (None, "changepoints"):
        bench_changepoints(a.series, a.days, a.ruptures_sample)


if __name__ == "__main__":
    main()
