"""Seeded synthetic genomes (a made-up virus) so that a fresh clone's tests run without ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from epiaid.assay.engine import synthetic


@pytest.fixture(scope="session")
def synthetic_set(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synthetic.write_dataset(tmp_path_factory.mktemp("assay_synthetic"), n_genomes=30)


@pytest.fixture(scope="session")
def designed(synthetic_set: dict[str, Path]) -> object:
    pytest.importorskip("primer3")
    from epiaid.assay.engine import design

    inp = design.DesignInput(
        synthetic_set["genomes"],
        synthetic_set["reference"],
        3,
        synthetic_set["neighbours"],
        synthetic_set["annotation"],
    )
    return design.design(inp)
