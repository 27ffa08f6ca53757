"""Counting keyword-group mentions over millions of documents per day.

pyarrow's compute kernels scan UTF-8 buffers in C++ (one RE2 alternation per group, then a bincount
per day); ``bench/trends`` measures this against a plain-Python ``in`` loop on the same documents.
Matching is on the raw text (case-insensitive), so no tokenisation is needed to count: spelling
variants and spaceless forms come from :class:`~epiaid.trends.engine.text.KeywordGroup`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from epiaid.trends.engine.text import KeywordGroup

WORKERS = min(2, os.cpu_count() or 1)
PARALLEL_MIN = 200_000


def _as_array(texts: Sequence[str] | pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if isinstance(texts, pa.Array | pa.ChunkedArray):
        return texts
    return pa.array(texts, type=pa.large_string())


def mentions(texts: Sequence[str] | pa.Array | pa.ChunkedArray, group: KeywordGroup) -> np.ndarray:
    """Boolean per document: does it mention the group under any of its spellings?

    All spellings go into one RE2 alternation so each document is scanned once per group (one pass
    per spelling was 4x slower in ``bench/trends``).
    """
    arr = _as_array(texts)
    patterns = group.patterns()
    if not patterns:
        return np.zeros(len(arr), dtype=bool)
    regex = "|".join(re.escape(p) for p in patterns)

    def scan(part: Any) -> np.ndarray:
        hit = pc.match_substring_regex(part, regex, ignore_case=True)
        return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)

    n = len(arr)
    if n < PARALLEL_MIN or WORKERS < 2:
        return scan(arr)
    # pyarrow releases the GIL inside a kernel, so slices scan in parallel on separate cores.
    step = -(-n // WORKERS)
    with ThreadPoolExecutor(WORKERS) as pool:
        parts = list(pool.map(scan, [arr.slice(i, step) for i in range(0, n, step)]))
    return np.concatenate(parts)


def count_by_day(
    texts: Sequence[str] | pa.Array | pa.ChunkedArray, days: Sequence[Any] | np.ndarray, groups: Sequence[KeywordGroup]
) -> pd.DataFrame:
    """Documents per day (``all``) and per keyword group mentioning it."""
    day_arr = np.asarray(days)
    if len(day_arr) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(day_arr)} dates")
    codes, uniq = pd.factorize(day_arr, sort=True)
    out = {"all": np.bincount(codes, minlength=len(uniq))}
    for g in groups:
        out[g.name] = np.bincount(codes, weights=mentions(texts, g), minlength=len(uniq)).astype(int)
    frame = pd.DataFrame(out, index=pd.Index(uniq, name="date"))
    return frame


def count_python(texts: Sequence[str], days: Sequence[Any], groups: Sequence[KeywordGroup]) -> pd.DataFrame:
    """The plain-Python reference the benchmark compares against (same answers, slower)."""
    pats = [(g.name, g.patterns()) for g in groups]
    rows: dict[Any, dict[str, int]] = {}
    for text, day in zip(texts, days, strict=True):
        low = text.lower()
        row = rows.setdefault(day, {"all": 0, **{n: 0 for n, _ in pats}})
        row["all"] += 1
        for name, ps in pats:
            if any(p in low for p in ps):
                row[name] += 1
    frame = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    frame.index.name = "date"
    return frame
