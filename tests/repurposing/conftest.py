"""Fixtures of the repurposing tests: a seeded synthetic benchmark and a tiny model trained on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from epiaid.repurposing.engine.synthetic import make_benchmark, make_targets_and_library
from epiaid.repurposing.engine.training import train_benchmark


@pytest.fixture(scope="session")
def synthetic_dti(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DeepDTA-layout folder (davis/ and kiba/) with planted structure, plus targets and a library."""
    root = tmp_path_factory.mktemp("dti")
    make_benchmark(root, "davis", seed=1)
    make_benchmark(root, "kiba", seed=2)
    make_targets_and_library(root)
    return root


@pytest.fixture(scope="session")
def synthetic_weights(synthetic_dti: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Weights trained on the synthetic benchmark (pair and both modes), small and fast."""
    root = tmp_path_factory.mktemp("weights")
    for bench in ("davis", "kiba"):
        train_benchmark(synthetic_dti, bench, modes=("pair", "both"), members=2, rounds=40, out=root, command="test")
    return root
