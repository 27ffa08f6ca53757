"""Bad input gets a clear message per record, and the design continues with the valid ones."""

from __future__ import annotations

import gzip
import lzma
from pathlib import Path

import pytest

from epiaid.assay.engine import align, seqio


def _issues(designed: object) -> dict[str, str]:
    return {i.record: i.problem for i in designed.issues}  # type: ignore[attr-defined]


def test_empty_record_is_named_and_left_out(designed: object) -> None:
    assert "empty" in _issues(designed)["empty_record"]
    assert "empty_record" not in designed.names  # type: ignore[attr-defined]


def test_protein_text_is_refused_as_non_nucleotide(designed: object) -> None:
    assert "non-nucleotide" in _issues(designed)["protein_record"]


def test_duplicate_names_keep_the_first_copy(designed: object) -> None:
    assert "duplicate" in _issues(designed)["variant_000"]
    assert designed.names.count("variant_000") == 1  # type: ignore[attr-defined]


def test_iupac_codes_become_unknown_bases_not_mismatches(designed: object) -> None:
    assert "IUPAC" in _issues(designed)["iupac_codes"]
    assert "iupac_codes" in designed.names  # type: ignore[attr-defined]


def test_reverse_complemented_genome_is_flipped_and_used(designed: object) -> None:
    assert "reverse-complemented" in _issues(designed)["reverse_complemented"]
    assert "reverse_complemented" in designed.names  # type: ignore[attr-defined]


def test_genome_of_another_virus_is_left_out(designed: object) -> None:
    assert "another virus" in _issues(designed)["other_virus"]
    assert "other_virus" not in designed.names  # type: ignore[attr-defined]


def test_reference_that_matches_nothing_is_a_clear_error(synthetic_set: dict[str, Path], tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.fasta"
    records = list(seqio.read_fasta(synthetic_set["neighbours"]))
    wrong.write_text(f">wrong\n{records[1].seq}\n")
    genomes = seqio.qc_records(seqio.read_fasta(synthetic_set["genomes"]), reference_length=3600).kept
    with pytest.raises(align.ReferenceMismatchError, match="reference does not match"):
        align.align_records(genomes, seqio.read_reference(wrong).seq)


def test_gzip_and_xz_inputs_read_like_plain_text(synthetic_set: dict[str, Path], tmp_path: Path) -> None:
    text = synthetic_set["genomes"].read_bytes()
    (tmp_path / "g.fa.gz").write_bytes(gzip.compress(text))
    (tmp_path / "g.fa.xz").write_bytes(lzma.compress(text))
    plain = [r.name for r in seqio.read_fasta(synthetic_set["genomes"])]
    assert [r.name for r in seqio.read_fasta(tmp_path / "g.fa.gz")] == plain
    assert [r.name for r in seqio.read_fasta(tmp_path / "g.fa.xz")] == plain


def test_text_before_the_first_header_is_not_fasta(tmp_path: Path) -> None:
    bad = tmp_path / "bad.fasta"
    bad.write_text("ACGT\n>x\nACGT\n")
    with pytest.raises(seqio.FastaFormatError, match="line 1"):
        list(seqio.read_fasta(bad))


def test_too_many_unknown_bases_drop_a_genome() -> None:
    qc = seqio.qc_records([seqio.Record("gappy", "ACGT" * 100 + "N" * 100, 1)], reference_length=500)
    assert not qc.kept
    assert "unknown bases" in qc.issues[0].problem


def test_metadata_keeps_only_genomes_collected_before_the_date(tmp_path: Path) -> None:
    from epiaid.assay.engine.design import metadata_filter

    meta = tmp_path / "meta.tsv"
    meta.write_text("strain\tdate\nearly\t2020-01-20\npartial\t2020-02-XX\nlate\t2020-04-01\nundated\t\n")
    assert metadata_filter(meta, "2020-03-01") == {"early", "partial"}


def test_metadata_without_a_date_column_is_named_in_the_error(tmp_path: Path) -> None:
    from epiaid.assay.engine.design import metadata_filter

    meta = tmp_path / "meta.tsv"
    meta.write_text("strain\tcollected\nx\t2020-01-01\n")
    with pytest.raises(ValueError, match="'date' column"):
        metadata_filter(meta, "2020-03-01")
