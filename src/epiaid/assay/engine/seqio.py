"""Reading genomes and checking them record by record.

A design run must survive a messy download: one bad record gets a message naming it and is left
out, and the run continues with the rest.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

#: Code of each base in the genome matrices used throughout the engine.
A, C, G, T, N, GAP = 0, 1, 2, 3, 4, 5
CODE = np.full(256, N, dtype=np.uint8)
for _b, _c in (("A", A), ("C", C), ("G", G), ("T", T), ("U", T), ("-", GAP)):
    CODE[ord(_b)] = _c
    CODE[ord(_b.lower())] = _c
LETTERS = np.frombuffer(b"ACGTN-", dtype=np.uint8)

IUPAC = set("RYKMSWBDHVN")
NUCLEOTIDES = set("ACGTU")
_COMPLEMENT = str.maketrans("ACGTURYKMSWBDHVN-", "TGCAAYRMKSWVHDBN-")


def revcomp(seq: str) -> str:
    return seq.upper().translate(_COMPLEMENT)[::-1]


def encode(seq: str) -> np.ndarray:
    """Sequence to base codes (anything but ACGTU- becomes N: unknown, never a mismatch)."""
    return CODE[np.frombuffer(seq.encode("ascii", "replace"), dtype=np.uint8)]


def decode(codes: np.ndarray) -> str:
    return LETTERS[codes].tobytes().decode("ascii")


@dataclass
class Record:
    name: str
    seq: str
    line: int  # line of the header in the file, for messages


@dataclass
class Issue:
    """One message about one record; ``dropped`` says whether the record left the design."""

    record: str
    problem: str
    dropped: bool
    line: int = 0

    def as_row(self) -> dict[str, object]:
        return {"record": self.record, "line": self.line, "dropped": self.dropped, "problem": self.problem}


@dataclass
class QCResult:
    kept: list[Record] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    n_read: int = 0


def max_decompressed_bytes() -> int:
    """How much a compressed FASTA may expand to (``EPIAID_MAX_DECOMPRESSED_BYTES``, default 4 GiB):
    a few kilobytes of gzip can claim terabytes; every genome set of 2020 fits well inside."""
    return int(os.environ.get("EPIAID_MAX_DECOMPRESSED_BYTES", str(4 * 1024**3)))


class _Bounded(io.RawIOBase):
    """A decompressing stream that stops with a named error once it has produced ``limit`` bytes."""

    def __init__(self, inner: IO[bytes], limit: int, name: str) -> None:
        self.inner, self.limit, self.name, self.produced = inner, limit, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(min(len(buffer), self.limit - self.produced + 1))
        self.produced += len(data)
        if self.produced > self.limit:
            raise FastaFormatError(f"{self.name}: decompresses to more than {self.limit} bytes; refused")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


def open_text(path: Path | str) -> IO[str]:
    """Plain, gzip, xz or bzip2 text, chosen by magic bytes (file names lie); compressed input is
    bounded by :func:`max_decompressed_bytes` as it is read (a decompression bomb stops early)."""
    path = Path(path)
    with path.open("rb") as fh:
        magic = fh.read(6)
    opener: Any = None
    if magic.startswith(b"\x1f\x8b"):
        opener = gzip.open
    elif magic.startswith(b"\xfd7zXZ"):
        opener = lzma.open
    elif magic.startswith(b"BZh"):
        opener = bz2.open
    if opener is None:
        return path.open("rt", encoding="utf-8", errors="replace")
    bounded = _Bounded(opener(path, "rb"), max_decompressed_bytes(), path.name)
    return io.TextIOWrapper(io.BufferedReader(bounded), encoding="utf-8", errors="replace")


class FastaFormatError(ValueError):
    pass


def read_fasta(path: Path | str) -> Iterator[Record]:
    """FASTA records; text before the first header is an error (it is not a FASTA file)."""
    name: str | None = None
    header_line = 0
    chunks: list[str] = []
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(">"):
                if name is not None:
                    yield Record(name, "".join(chunks), header_line)
                name = line[1:].strip() or f"(unnamed record at line {lineno})"
                header_line = lineno
                chunks = []
            elif name is None:
                raise FastaFormatError(f"{path}: line {lineno}: sequence text before the first '>' header; not FASTA")
            else:
                chunks.append(line.replace(" ", ""))
    if name is not None:
        yield Record(name, "".join(chunks), header_line)


def read_reference(path: Path | str) -> Record:
    """The first record of a FASTA file, checked to be a plausible nucleotide sequence."""
    try:
        record = next(iter(read_fasta(path)))
    except StopIteration:
        raise FastaFormatError(f"{path}: the reference file holds no FASTA record") from None
    seq = record.seq.upper().replace("-", "").replace("U", "T")
    bad = {ch for ch in seq if ch not in NUCLEOTIDES and ch not in IUPAC}
    if not seq:
        raise FastaFormatError(f"{path}: reference record '{record.name}' is empty")
    if bad:
        raise FastaFormatError(f"{path}: reference '{record.name}' has non-nucleotide characters {sorted(bad)[:8]}")
    return Record(record.name.split()[0], seq, record.line)


_NON_ACGT = re.compile(r"[^ACGT]")


def clean_record(
    record: Record,
    *,
    min_length: int,
    max_n_fraction: float,
    max_invalid_fraction: float = 0.01,
) -> tuple[Record | None, list[Issue]]:
    """Normalise one record (upper case, U→T, gaps removed, IUPAC codes → N) or drop it, with messages."""
    issues: list[Issue] = []
    name = record.name.split()[0] if record.name.split() else record.name
    seq = record.seq.upper().replace("-", "").replace(".", "").replace("U", "T")
    if not seq:
        return None, [Issue(name, "empty record (no sequence)", True, record.line)]
    invalid = [(i, ch) for i, ch in enumerate(seq) if ch not in NUCLEOTIDES and ch not in IUPAC]
    if invalid:
        examples = ", ".join(f"'{ch}' at {i + 1}" for i, ch in invalid[:5])
        if len(invalid) > max_invalid_fraction * len(seq):
            return None, [
                Issue(
                    name,
                    f"{len(invalid)} non-nucleotide characters ({examples}); protein or corrupt text?",
                    True,
                    record.line,
                )
            ]
        issues.append(
            Issue(
                name,
                f"{len(invalid)} non-nucleotide characters replaced by N ({examples})",
                False,
                record.line,
            )
        )
        table = {ord(ch): "N" for _, ch in invalid}
        seq = seq.translate(table)
    ambiguous = sum(seq.count(ch) for ch in IUPAC - {"N"})
    if ambiguous:
        issues.append(Issue(name, f"{ambiguous} IUPAC ambiguity codes treated as unknown (N)", False, record.line))
        seq = re.sub(r"[RYKMSWBDHV]", "N", seq)
    if len(seq) < min_length:
        issues.append(Issue(name, f"too short: {len(seq)} nt < {min_length} nt", True, record.line))
        return None, issues
    n_frac = seq.count("N") / len(seq)
    if n_frac > max_n_fraction:
        issues.append(Issue(name, f"too many unknown bases: {n_frac:.1%} N > {max_n_fraction:.0%}", True, record.line))
        return None, issues
    return Record(name, seq, record.line), issues


def qc_records(
    records: Iterator[Record] | list[Record],
    *,
    reference_length: int,
    min_length_fraction: float = 0.9,
    max_n_fraction: float = 0.05,
) -> QCResult:
    """Length, N content, characters, duplicate names and identical sequences, one message per problem."""
    result = QCResult()
    names: set[str] = set()
    seen: dict[int, str] = {}
    min_length = int(min_length_fraction * reference_length)
    for record in records:
        result.n_read += 1
        cleaned, issues = clean_record(record, min_length=min_length, max_n_fraction=max_n_fraction)
        result.issues.extend(issues)
        if cleaned is None:
            continue
        if cleaned.name in names:
            result.issues.append(Issue(cleaned.name, "duplicate record name; later copy left out", True, record.line))
            continue
        digest = hash(cleaned.seq)
        if digest in seen:
            result.issues.append(
                Issue(cleaned.name, f"identical sequence to '{seen[digest]}'; left out", True, record.line)
            )
            names.add(cleaned.name)
            continue
        names.add(cleaned.name)
        seen[digest] = cleaned.name
        result.kept.append(cleaned)
    return result
