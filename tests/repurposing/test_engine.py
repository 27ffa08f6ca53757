"""The science engine: metrics, readers, features, model round trip — without Django."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epiaid.repurposing.engine import data as D
from epiaid.repurposing.engine import features as F
from epiaid.repurposing.engine.evaluate import cross_validate, outer_folds
from epiaid.repurposing.engine.metrics import concordance_index, mse
from epiaid.repurposing.engine.model import DTIModel


def brute_force_ci(y: np.ndarray, p: np.ndarray) -> float:
    score = pairs = 0.0
    for i, j in itertools.combinations(range(len(y)), 2):
        if y[i] == y[j]:
            continue
        hi, lo = (i, j) if y[i] > y[j] else (j, i)
        pairs += 1
        score += 1.0 if p[hi] > p[lo] else 0.5 if p[hi] == p[lo] else 0.0
    return score / pairs


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=2, max_size=40))
def test_concordance_index_matches_the_pairwise_definition_with_ties(values: list[tuple[int, int]]) -> None:
    y = np.array([v[0] for v in values], dtype=float)
    p = np.array([v[1] for v in values], dtype=float)
    if len(set(y)) < 2:
        assert np.isnan(concordance_index(y, p))
    else:
        assert concordance_index(y, p) == pytest.approx(brute_force_ci(y, p))


def test_concordance_index_is_one_for_perfect_order_and_half_for_constant_predictions() -> None:
    y = np.arange(1000, dtype=float)
    assert concordance_index(y, y * 2) == 1.0
    assert concordance_index(y, -y) == 0.0
    assert concordance_index(y, np.zeros_like(y)) == 0.5
    assert mse(np.array([1.0, 2.0]), np.array([1.0, 4.0])) == 2.0


def test_concordance_index_refuses_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="equal length"):
        concordance_index(np.zeros(3), np.zeros(4))


def test_davis_kd_becomes_pkd() -> None:
    assert D.to_model_units("davis", np.array([10000.0, 1.0])) == pytest.approx([5.0, 9.0])
    assert D.to_model_units("kiba", np.array([11.1])) == pytest.approx([11.1])
    assert D.pkd_to_nm(7.0) == pytest.approx(100.0)


def test_fasta_reader_keeps_proteins_and_reports_each_bad_record(synthetic_dti: Path) -> None:
    targets, problems = D.read_fasta(synthetic_dti / "targets.fasta")
    assert sorted(targets) == ["viral_polymerase", "viral_protease"]
    reasons = {p.field: p.reason for p in problems}
    assert reasons["empty_record"] == "empty sequence"
    assert "nucleotide" in reasons["dna_by_mistake"]
    assert "not amino acids" in reasons["garbled"]
    assert all(p.row.isdigit() for p in problems)


def test_smiles_library_skips_unparseable_and_empty_rows_with_their_row_numbers(synthetic_dti: Path) -> None:
    lib, problems = D.read_smiles_library(synthetic_dti / "library.csv")
    assert "Broken" not in set(lib["name"]) and "Empty" not in set(lib["name"])
    assert "한글약" in set(lib["name"])  # Korean names survive
    assert {(p.row, p.field) for p in problems} == {("5", "smiles"), ("6", "smiles")}


def test_smi_files_are_read_too(tmp_path: Path) -> None:
    smi = tmp_path / "lib.smi"
    smi.write_text("CCO ethanol\nnot_a_smiles junk\nc1ccccc1 benzene\n", encoding="utf-8")
    lib, problems = D.read_smiles_library(smi)
    assert list(lib["name"]) == ["ethanol", "benzene"]
    assert problems[0].row == "2"


def test_library_without_a_smiles_column_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "lib.csv"
    path.write_text("name,structure\nx,CCO\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no 'smiles' column"):
        D.read_smiles_library(path)


def test_train_rows_with_unknown_ids_or_bad_affinity_are_reported_and_skipped(
    synthetic_dti: Path, tmp_path: Path
) -> None:
    src = synthetic_dti / "davis"
    dst = tmp_path / "davis"
    dst.mkdir()
    for name in ("ligands_can.txt", "proteins.txt", "test_pairs.csv"):
        (dst / name).write_bytes((src / name).read_bytes())
    train = pd.read_csv(src / "train.csv", dtype=str)
    train.loc[0, "drug_id"] = "NOPE"
    train.loc[1, "affinity"] = "-3"
    train.to_csv(dst / "train.csv", index=False)
    bench = D.load_benchmark(tmp_path, "davis")
    assert len(bench.train) == len(train) - 2
    assert [(p.row, p.field) for p in bench.problems] == [("2", "drug_id"), ("3", "affinity")]


def test_unknown_benchmark_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown benchmark 'bindingdb'"):
        D.load_benchmark(tmp_path, "bindingdb")


def test_similar_molecules_and_sequences_score_higher_than_unrelated_ones() -> None:
    bits, failed = F.morgan_bits(["CC(=O)Nc1ccc(O)cc1", "CC(=O)Nc1ccc(OC)cc1", "CCCCCCCCCC", "C1CC("])
    assert failed == [3]
    sim = F.tanimoto(bits[:3], bits[:3])
    assert sim[0, 0] == pytest.approx(1.0) and sim[0, 1] > sim[0, 2]
    k = F.kmer_profiles(["MKTAYIAKQRQISFVKSHFSRQ", "MKTAYIAKQRQISFVKSHFSRA", "GGGGGGGGGGGGGGGGGGGG"])
    cos = F.cosine(k, k)
    assert cos[0, 1] > 0.8 > cos[0, 2]


def test_model_learns_the_planted_structure_and_round_trips_through_disk(synthetic_dti: Path, tmp_path: Path) -> None:
    bench = D.load_benchmark(synthetic_dti, "davis")
    tr, te = bench.train[bench.train.fold != 0], bench.train[bench.train.fold == 0]
    model = DTIModel.fit("davis", bench.drugs, bench.proteins, tr, members=2, rounds=60)
    model.attach_memory(bench.drugs, bench.proteins, tr)
    pred = model.predict(te, bench.drugs, bench.proteins)
    assert concordance_index(te.y.to_numpy(), pred) > 0.75
    model.save(tmp_path / "m")
    again = DTIModel.load(tmp_path / "m")
    again.attach_memory(bench.drugs, bench.proteins, tr)
    assert np.allclose(again.predict(te, bench.drugs, bench.proteins), pred, atol=1e-6)


def test_prediction_names_unknown_ids(synthetic_dti: Path, synthetic_weights: Path) -> None:
    bench = D.load_benchmark(synthetic_dti, "davis")
    model = DTIModel.load(synthetic_weights / "davis" / "pair")
    model.attach_memory(bench.drugs, bench.proteins, bench.train)
    with pytest.raises(KeyError, match="NOPE"):
        model.predict(pd.DataFrame({"drug_id": ["NOPE"], "protein_id": ["P000"]}), bench.drugs, bench.proteins)


def test_unseen_drug_folds_never_share_a_drug_between_train_and_test(synthetic_dti: Path) -> None:
    bench = D.load_benchmark(synthetic_dti, "kiba")
    folds = outer_folds(bench, "unseen_drug")
    for f in range(5):
        assert not set(bench.train.drug_id[folds == f]) & set(bench.train.drug_id[folds != f])
    folds = outer_folds(bench, "unseen_target")
    for f in range(5):
        assert not set(bench.train.protein_id[folds == f]) & set(bench.train.protein_id[folds != f])


def test_cross_validation_reports_ci_and_mse_per_fold(synthetic_dti: Path) -> None:
    bench = D.load_benchmark(synthetic_dti, "kiba")
    r = cross_validate(bench, "random", members=1, rounds=30, max_folds=2)
    assert [f["fold"] for f in r["folds"]] == [0, 1]
    assert 0.5 < r["ci_mean"] <= 1.0 and r["mse_mean"] > 0
