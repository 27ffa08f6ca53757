"""A compressed FASTA is bounded as it is read: a decompression bomb is refused naming the limit."""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import pytest

from epiaid.assay.engine import seqio


@pytest.mark.parametrize("compress", [gzip.compress, lzma.compress, bz2.compress], ids=["gz", "xz", "bz2"])
def test_a_fasta_that_decompresses_past_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compress: object
) -> None:
    monkeypatch.setenv("EPIAID_MAX_DECOMPRESSED_BYTES", str(1024 * 1024))
    bomb = tmp_path / "genomes.fasta.gz"
    bomb.write_bytes(compress(b">x\n" + b"A" * (20 * 1024 * 1024)))  # type: ignore[operator]
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(seqio.FastaFormatError, match="decompresses to more than 1048576 bytes"):
        list(seqio.read_fasta(bomb))


def test_a_compressed_fasta_inside_the_limit_reads_as_before(tmp_path: Path) -> None:
    small = tmp_path / "ok.fasta.xz"
    small.write_bytes(lzma.compress(b">a\nACGT\n>b\nTTGA\n"))
    assert [(r.name, r.seq) for r in seqio.read_fasta(small)] == [("a", "ACGT"), ("b", "TTGA")]
