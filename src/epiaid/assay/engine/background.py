"""Background check: do the oligos' 3′ ends occur in a host/background genome (e.g. human)?

A k-mer index, not BLAST: the 3′-terminal k bases of every oligo (both strands) are packed into
2-bit integers, and the background is streamed in 8 Mb chunks whose k-mers are computed with numpy
and tested with ``np.isin``. Memory stays flat whatever the background size, and no BLAST install
or database build is needed. An exact 3′ k-mer hit (default k = 12) is what lets a primer extend
off-target, so it is the hit worth flagging; hits are reported, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from epiaid.assay.engine.seqio import N, encode, open_text, revcomp

CHUNK = 8_000_000


@dataclass
class BackgroundHit:
    oligo: str
    record: str
    position: int  # 0-based start of the k-mer in the background record
    strand: str


def kmer_codes(codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer code of every k-mer and whether it is free of unknown bases."""
    if len(codes) < k:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    values = np.zeros(len(codes) - k + 1, dtype=np.int64)
    bad = np.zeros(len(codes) - k + 1, dtype=bool)
    for j in range(k):
        window = codes[j : len(codes) - k + 1 + j]
        values = (values << 2) | np.minimum(window, 3).astype(np.int64)
        bad |= window >= N
    return values, ~bad


def _records(path: Path) -> Iterator[tuple[str, str]]:
    name, size = "", 0
    parts: list[str] = []
    with open_text(path) as fh:
        for line in fh:
            if line.startswith(">"):
                if parts:
                    yield name, "".join(parts)
                name, parts, size = line[1:].strip().split(" ")[0], [], 0
                continue
            parts.append(line.strip())
            size += len(parts[-1])
            if size >= CHUNK:  # flush a chunk, keeping an overlap so k-mers across the cut are seen
                text = "".join(parts)
                yield name, text
                parts, size = [text[-64:]], 64
    if parts:
        yield name, "".join(parts)


def screen(oligos: dict[str, str], background: Path, k: int = 12, limit: int = 1000) -> list[BackgroundHit]:
    """Oligo name → sequence; returns exact 3′ k-mer hits in the background (both strands)."""
    wanted: dict[int, list[tuple[str, str]]] = {}
    for name, seq in oligos.items():
        for strand, site in (("+", seq[-k:]), ("-", revcomp(seq[-k:]))):
            values, ok = kmer_codes(encode(site), k)
            if len(values) and ok[0]:
                wanted.setdefault(int(values[0]), []).append((name, strand))
    keys = np.array(sorted(wanted), dtype=np.int64)
    hits: list[BackgroundHit] = []
    offset: dict[str, int] = {}
    for record, text in _records(background):
        start = offset.get(record, 0)
        values, ok = kmer_codes(encode(text.upper()), k)
        found = np.flatnonzero(ok & np.isin(values, keys))
        for i in found:
            for name, strand in wanted[int(values[i])]:
                hits.append(BackgroundHit(name, record, start + int(i), strand))
        offset[record] = start + max(len(text) - 64, 0)
        if len(hits) >= limit:
            break
    return hits
