"""Tiled amplicon schemes (ARTIC style): overlapping amplicons across the genome in two pools."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from epiaid.assay.engine import seqio, tiling

pytest.importorskip("primer3")


@pytest.fixture(scope="module")
def tiled(synthetic_set: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("tiles")
    bed = out / "other.primer.bed"
    ref = seqio.read_reference(synthetic_set["reference"]).seq
    bed.write_text(
        f"SYNTH_REF\t10\t32\tx_1_LEFT\t1\t+\nSYNTH_REF\t380\t402\tx_1_RIGHT\t1\t-\n"
        f"SYNTH_REF\t300\t322\tx_2_LEFT\t2\t+\t{ref[300:322]}\n"
        f"SYNTH_REF\t700\t722\tx_2_RIGHT\t2\t-\t{seqio.revcomp(ref[700:722])}\n"
    )
    _scheme, table = tiling.run(synthetic_set["genomes"], synthetic_set["reference"], out, 400, [bed], None)
    return out, table


def test_scheme_tiles_the_genome_with_overlapping_amplicons_in_alternating_pools(
    tiled: tuple[Path, pd.DataFrame],
) -> None:
    out, _ = tiled
    bed = pd.read_csv(
        out / "scheme.primer.bed",
        sep="\t",
        header=None,
        names=["chrom", "start", "end", "name", "pool", "strand", "seq"],
    )
    lefts, rights = bed[bed["name"].str.endswith("LEFT")], bed[bed["name"].str.endswith("RIGHT")]
    assert len(lefts) == len(rights) >= 6
    assert lefts["start"].iloc[0] < 200 and rights["end"].iloc[-1] > 3300
    assert list(lefts["pool"]) == [1 if i % 2 == 0 else 2 for i in range(len(lefts))]
    assert (lefts["start"].to_numpy()[1:] < rights["start"].to_numpy()[:-1]).all()  # each overlaps the previous


def test_comparison_counts_amplicon_dropouts_for_each_scheme(tiled: tuple[Path, pd.DataFrame]) -> None:
    _, table = tiled
    assert list(table["scheme"]) == ["epiaid", "other"]
    assert table.loc[1, "amplicons"] == 2 and table.loc[1, "primers"] == 4
    assert (table["mean_amplicons_lost_per_genome"] >= 0).all()
