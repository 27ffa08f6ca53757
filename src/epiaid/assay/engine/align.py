"""Project every genome onto reference coordinates with minimap2 (mappy).

The result is a genomes × reference-positions matrix of base codes: the one shape all later steps
(variability, oligo scoring, surveillance) index by reference position. Insertions relative to the
reference are dropped from the matrix (they are counted in the messages), deletions become GAP and
unaligned ends stay N (unknown, never a mismatch).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import mappy
import numpy as np

from epiaid.assay.engine.seqio import GAP, Issue, N, Record, encode, revcomp

#: A genome whose alignment covers less than this share of the reference is not this virus.
MIN_REFERENCE_COVERAGE = 0.8
#: A genome whose aligned blocks are this divergent is another virus, even if it aligns.
MAX_DIVERGENCE = 0.1


class ReferenceMismatchError(ValueError):
    """Most genomes do not align to the reference: the reference is for another virus."""


@dataclass
class Alignment:
    names: list[str]
    matrix: np.ndarray  # (n_genomes, reference_length) uint8 base codes
    issues: list[Issue] = field(default_factory=list)
    insertions: int = 0


def make_aligner(reference: str, preset: str = "asm20") -> mappy.Aligner:
    aligner = mappy.Aligner(seq=reference, preset=preset)
    if not aligner:
        raise ValueError("minimap2 could not index the reference")
    return aligner


_LOCAL = threading.local()


def project(
    aligner: mappy.Aligner, reference_length: int, record: Record
) -> tuple[np.ndarray | None, Issue | None, int]:
    """One genome in reference coordinates, or None with the reason it cannot be used."""
    buffer = getattr(_LOCAL, "buffer", None)
    if buffer is None:
        buffer = _LOCAL.buffer = mappy.ThreadBuffer()
    hits = [h for h in aligner.map(record.seq, buf=buffer) if h.is_primary]
    row = np.full(reference_length, N, dtype=np.uint8)
    if not hits:
        return (
            None,
            Issue(record.name, "does not align to the reference at all (another virus?)", True, record.line),
            0,
        )
    covered = sum(h.r_en - h.r_st for h in hits)
    if covered < MIN_REFERENCE_COVERAGE * reference_length:
        return (
            None,
            Issue(
                record.name,
                f"aligns to only {covered / reference_length:.0%} of the reference (another virus or a fragment?)",
                True,
                record.line,
            ),
            0,
        )
    aligned = sum(h.blen for h in hits)
    mismatched = sum(h.NM for h in hits)
    if aligned and mismatched / aligned > MAX_DIVERGENCE:
        return (
            None,
            Issue(
                record.name,
                f"{mismatched / aligned:.0%} divergent from the reference (another virus?)",
                True,
                record.line,
            ),
            0,
        )
    inserted = 0
    minus = 0
    fwd = record.seq
    rc: str | None = None
    for hit in sorted(hits, key=lambda h: -h.mapq):
        if hit.strand == -1:
            minus += hit.r_en - hit.r_st
            rc = rc or revcomp(fwd)
            query, q_pos = rc, len(fwd) - hit.q_en
        else:
            query, q_pos = fwd, hit.q_st
        r_pos = hit.r_st
        for length, op in hit.cigar:
            if op in (0, 7, 8):  # M, =, X
                row[r_pos : r_pos + length] = encode(query[q_pos : q_pos + length])
                r_pos += length
                q_pos += length
            elif op == 1:  # insertion in the genome
                q_pos += length
                inserted += 1
            elif op in (2, 3):  # deletion in the genome
                row[r_pos : r_pos + length] = GAP
                r_pos += length
    issue = None
    if minus > covered / 2:
        issue = Issue(
            record.name,
            "reverse-complemented genome; aligned on the minus strand and used",
            False,
            record.line,
        )
    return row, issue, inserted


def align_records(
    records: list[Record],
    reference: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    threads: int = 2,
) -> Alignment:
    """Align all records; raise :class:`ReferenceMismatchError` when most of them fail to align.

    minimap2 releases the GIL while mapping, so a small thread pool uses both cores of the target
    machine without copying genomes between processes; results come back in input order.
    """
    aligner = make_aligner(reference)
    rows: list[np.ndarray] = []
    names: list[str] = []
    issues: list[Issue] = []
    inserted = 0
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        results = pool.map(lambda r: project(aligner, len(reference), r), records)
        for i, (record, (row, issue, ins)) in enumerate(zip(records, results, strict=True)):
            inserted += ins
            if issue is not None:
                issues.append(issue)
            if row is not None:
                rows.append(row)
                names.append(record.name)
            if progress is not None:
                progress(i + 1, len(records))
    if records and len(rows) < 0.5 * len(records):
        raise ReferenceMismatchError(
            f"only {len(rows)} of {len(records)} genomes align to the reference: "
            "the reference does not match "
            "these genomes (wrong virus or wrong file?)"
        )
    matrix = np.vstack(rows) if rows else np.zeros((0, len(reference)), dtype=np.uint8)
    return Alignment(names, matrix, issues, inserted)


def matrix_from_msa(records: list[Record], reference: str) -> np.ndarray:
    """A reference-anchored MSA (every row as long as the reference) read directly, without realigning."""
    rows = []
    for record in records:
        if len(record.seq) != len(reference):
            raise ValueError(
                f"record '{record.name}' has length {len(record.seq)}, not the reference's {len(reference)}"
            )
        rows.append(encode(record.seq.upper()))
    return np.vstack(rows) if rows else np.zeros((0, len(reference)), dtype=np.uint8)
