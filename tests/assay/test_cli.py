"""`epiaid assay design|surveil` from the command line, as a lab would run them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from epiaid.assay.cli import app

pytest.importorskip("primer3")


def test_design_command_writes_panel_tsv(synthetic_set: dict[str, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "design",
            "--genomes",
            str(synthetic_set["genomes"]),
            "--reference",
            str(synthetic_set["reference"]),
            "--targets",
            "2",
            "--out",
            str(tmp_path),
            "--annotation",
            str(synthetic_set["annotation"]),
            "--no-neighbours",
        ],
    )
    assert result.exit_code == 0, result.output
    panel = pd.read_csv(tmp_path / "panel.tsv", sep="\t")
    assert panel["target"].nunique() == 2
    assert "other_virus" in result.output  # per-record messages are shown


def test_design_command_refuses_a_reference_that_is_not_fasta(synthetic_set: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "ref.txt"
    bad.write_text("not a fasta file\n")
    result = CliRunner().invoke(
        app,
        ["design", "--genomes", str(synthetic_set["genomes"]), "--reference", str(bad), "--out", str(tmp_path / "o")],
    )
    assert result.exit_code != 0
    assert "not FASTA" in result.output


def test_surveil_command_reports_assays_at_risk(synthetic_set: dict[str, Path], tmp_path: Path) -> None:
    from epiaid.assay.engine import seqio

    ref = seqio.read_reference(synthetic_set["reference"]).seq
    assays = tmp_path / "assays.tsv"
    assays.write_text(
        "assay\toligo_name\trole\tsequence_5to3\n"
        f"mine\tmine_F\tforward\t{ref[1000:1020]}\nmine\tmine_R\treverse\t{seqio.revcomp(ref[1100:1120])}\n"
    )
    result = CliRunner().invoke(
        app,
        [
            "surveil",
            "--genomes",
            str(synthetic_set["genomes"]),
            "--reference",
            str(synthetic_set["reference"]),
            "--assays",
            str(assays),
            "--out",
            str(tmp_path / "s"),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "s" / "at_risk.tsv", sep="\t")
    assert table.loc[0, "assay"] == "mine" and table.loc[0, "genomes"] > 20
