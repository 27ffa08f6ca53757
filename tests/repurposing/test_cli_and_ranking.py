"""CLI and Python API: predict, rank with its report, and the real-data checks where ../shared exists."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from epiaid.repurposing import services
from epiaid.repurposing.cli import app
from epiaid.repurposing.engine.rank import landmarks, rank

runner = CliRunner()


def test_predict_writes_one_row_per_test_pair_with_shipped_style_weights(
    synthetic_dti: Path, synthetic_weights: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pred.csv"
    result = runner.invoke(
        app,
        [
            "predict",
            "--benchmark",
            "davis",
            "--data",
            str(synthetic_dti),
            "--out",
            str(out),
            "--weights",
            str(synthetic_weights),
        ],
    )
    assert result.exit_code == 0, result.output
    pred = pd.read_csv(out, dtype={"drug_id": str})
    pairs = pd.read_csv(synthetic_dti / "davis" / "test_pairs.csv", dtype={"drug_id": str})
    assert list(pred.columns) == ["drug_id", "protein_id", "prediction"]
    assert pred[["drug_id", "protein_id"]].equals(pairs)
    assert pred["prediction"].between(3, 10).all()  # pKd units, not nM


def test_predict_refuses_an_unknown_benchmark(synthetic_dti: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "predict",
            "--benchmark",
            "bindingdb",
            "--data",
            str(synthetic_dti),
            "--out",
            str(tmp_path / "x.csv"),
        ],
    )
    assert result.exit_code != 0
    assert "unknown benchmark" in result.output


def test_predict_without_weights_says_how_to_train(synthetic_dti: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="epiaid repurpose train"):
        services.predict_test_pairs("davis", synthetic_dti, tmp_path / "no-weights")


def test_rank_skips_bad_targets_and_drugs_and_reports_the_rest(
    synthetic_dti: Path, synthetic_weights: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "rank",
            "--targets",
            str(synthetic_dti / "targets.fasta"),
            "--library",
            str(synthetic_dti / "library.csv"),
            "--data",
            str(synthetic_dti),
            "--out",
            str(out),
            "--weights",
            str(synthetic_weights),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "ranking.csv")
    assert set(table["target"]) == {"viral_protease", "viral_polymerase"}
    assert table.groupby("target")["rank"].apply(lambda r: sorted(r) == list(range(1, 6))).all()
    for col in (
        "prediction",
        "uncertainty",
        "nearest_train_drug",
        "nearest_drug_tanimoto",
        "nearest_train_target",
        "nearest_target_similarity",
        "smiles",
    ):
        assert table[col].notna().all(), col
    assert (table["uncertainty"] >= 0).all()
    problems = pd.read_csv(out / "problems.csv")
    assert len(problems) == 5  # 3 FASTA records + 2 library rows
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "<script" not in html
    assert "한글약" in html


def test_rank_in_davis_units_adds_kd_in_nanomolar(synthetic_dti: Path, synthetic_weights: Path) -> None:
    result = rank(
        synthetic_dti / "targets.fasta",
        synthetic_dti / "library.csv",
        synthetic_dti,
        benchmark="davis",
        weights_root=synthetic_weights,
    )
    assert result.unit == "pKd" and result.mode == "both"
    t = result.table
    assert ((10 ** (9 - t["prediction"]) - t["kd_nm"]).abs() < 1e-6 * t["kd_nm"]).all()


def test_landmarks_report_missing_drugs_instead_of_failing(synthetic_dti: Path, synthetic_weights: Path) -> None:
    result = rank(
        synthetic_dti / "targets.fasta",
        synthetic_dti / "library.csv",
        synthetic_dti,
        weights_root=synthetic_weights,
    )
    marks = landmarks(result, "protease")
    assert list(marks["drug"]) == [
        "Atazanavir",
        "Remdesivir",
        "Efavirenz",
        "Ritonavir",
        "Dolutegravir",
        "Nirmatrelvir",
    ]
    assert marks["rank"].isna().all()


def test_rank_with_no_usable_target_fails_with_the_reason(
    synthetic_dti: Path, synthetic_weights: Path, tmp_path: Path
) -> None:
    fasta = tmp_path / "dna.fasta"
    fasta.write_text(">x\nACGTACGTACGTACGTACGTACGTACGT\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no usable protein sequence"):
        rank(fasta, synthetic_dti / "library.csv", synthetic_dti, weights_root=synthetic_weights)


# ---- real data ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_shipped_weights_predict_every_davis_test_pair(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "davis.csv"
    result = runner.invoke(
        app, ["predict", "--benchmark", "davis", "--data", str(shared_data / "dti"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    pred = pd.read_csv(out)
    assert len(pred) == 5010
    assert pred["prediction"].between(4, 11).all()


@pytest.mark.slow
def test_sars_cov_2_ranking_places_beck_top_five_and_nirmatrelvir(shared_data: Path, tmp_path: Path) -> None:
    lib = pd.read_csv(shared_data / "dti" / "drugs" / "drugbank_approved_admet_ai.csv", dtype=str)
    small = lib[lib["is_J05_antiviral"] == "1"]
    small.to_csv(tmp_path / "antivirals.csv", index=False)
    result = rank(
        shared_data / "dti" / "sars_cov_2" / "sars_cov_2_proteins.fasta",
        tmp_path / "antivirals.csv",
        shared_data / "dti",
    )
    marks = landmarks(result)
    assert marks["target"].iloc[0] == "nsp5_3CLpro_Mpro"
    assert marks.set_index("drug").loc["Atazanavir", "rank"] >= 1
    assert result.table["nearest_target_similarity"].max() < 0.5  # viral proteins are far from kinases


@pytest.mark.slow
def test_dock_command_reranks_a_shortlist_and_reports_failures(shared_data: Path, tmp_path: Path) -> None:
    library = tmp_path / "lib.smi"
    library.write_text("CC(=O)Nc1ccc(O)cc1 paracetamol\nC1CC( broken\nOCCO glycol\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "dock",
            "--library",
            str(library),
            "--data",
            str(shared_data / "dti"),
            "--exhaustiveness",
            "1",
            "--workers",
            "2",
            "--time-limit",
            "120",
            "--out",
            str(tmp_path / "run"),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "run" / "docking_ranked.csv")
    assert list(table["name"]) == ["paracetamol", "glycol"]  # best (most negative) score first
    assert (table["status"] == "ok").all() and table["score_kcal_mol"].is_monotonic_increasing
