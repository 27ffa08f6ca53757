"""On the real SARS-CoV-2 data beside the checkout (skipped on a fresh clone without ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from epiaid.assay.engine import align, exclusivity, inclusivity, seqio


@pytest.fixture(scope="module")
def assay_data(shared_data: Path) -> Path:
    return shared_data / "assay"


@pytest.fixture(scope="module")
def reference(assay_data: Path) -> seqio.Record:
    return seqio.read_reference(assay_data / "reference" / "MN908947.3.fasta")


@pytest.fixture(scope="module")
def lineages(assay_data: Path, reference: seqio.Record) -> tuple[list[str], np.ndarray]:
    records = list(seqio.read_fasta(assay_data / "experiments" / "msa_lineages_pre2021-06.fasta.xz"))
    return [r.name for r in records], align.matrix_from_msa(records, reference.seq)


def test_surveillance_flags_china_cdc_n_on_the_b11_triple_mutation(
    assay_data: Path, reference: seqio.Record, lineages: tuple[list[str], np.ndarray]
) -> None:
    codes = seqio.encode(reference.seq)
    assays = inclusivity.load_assays(assay_data / "primers" / "reference_assays.tsv", codes)
    table, breaks = inclusivity.surveil(assays, lineages[1], lineages[0], codes)
    worst = table.iloc[0]
    assert worst["assay"] == "ChinaCDC_N" and worst["at_risk_fraction"] > 0.3
    assert {28881, 28882, 28883} & {int(b["position"]) for b in breaks["ChinaCDC_N"]}  # type: ignore[call-overload]
    cdc_n2 = table.set_index("assay").loc["CDC_N2", "at_risk_fraction"]
    assert cdc_n2 < 0.05


def test_published_oligo_coordinates_agree_with_locating_them_on_the_reference(
    assay_data: Path, reference: seqio.Record
) -> None:
    codes = seqio.encode(reference.seq)
    for oligo in inclusivity.load_assays(assay_data / "primers" / "reference_assays.tsv", codes):
        start, _end, strand, _mm = inclusivity.locate(oligo.sequence, codes)
        assert (start, strand) == (oligo.start, oligo.strand), oligo.name


def test_pan_sarbecovirus_e_assay_is_predicted_to_amplify_sars_cov_1(assay_data: Path) -> None:
    neighbours = list(seqio.read_fasta(assay_data / "near_neighbours" / "coronavirus_near_neighbours.fasta"))
    rows = exclusivity.check(
        {"Charite_E": ("ACAGGTACGTTAATAGTTAATAGCGT", "ATATTGCAGCAGTACGCACACA", "ACACTAGCCATCCTTACTGCGCTTCG")},
        neighbours,
    )
    sars1 = [r for r in rows if "SARS-CoV-1" in r.neighbour]
    mers = [r for r in rows if "MERS" in r.neighbour]
    assert sars1 and all(r.amplifies for r in sars1)
    assert mers and not any(r.amplifies for r in mers)


@pytest.mark.slow
def test_panel_from_early_2020_genomes_still_detects_pre_2021_lineages(
    assay_data: Path, lineages: tuple[list[str], np.ndarray]
) -> None:
    pytest.importorskip("primer3")
    from epiaid.assay.engine import design

    inp = design.DesignInput(
        assay_data / "sars2" / "ncov_example_2019-12_to_2020-05_genbank.fasta.gz",
        assay_data / "reference" / "MN908947.3.fasta",
        3,
        assay_data / "near_neighbours" / "coronavirus_near_neighbours.fasta",
        max_genomes=150,
    )
    result = design.design(inp)
    assert len({a.gene for a in result.panel}) == 3
    assert not [r for r in result.exclusivity if r.must_exclude and r.amplifies]
    rates = inclusivity.panel_detection(result.placed(), lineages[1])
    assert rates["detected_by_2_or_more"] >= 0.995
    assert all(v >= 0.98 for k, v in rates.items() if k.endswith("_detected"))
