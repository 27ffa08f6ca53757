"""Infector ranking: features on a hand-made DS4C-shaped fixture, and the real DS4C evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from epiaid.investigation.cli import app
from epiaid.investigation.engine.infector import DS4C, candidate_features, cross_validate, plot_curve, rank

PATIENTS = (
    (
        "patient_id,global_num,sex,birth_year,age,country,province,city,disease,infection_case,infection_order,"
        "infected_by,contact_number,symptom_onset_date,confirmed_date,released_date,deceased_date,state\n"
    )
    + """1000000001,1,male,1964,50s,Korea,Seoul,Jung-gu,,overseas inflow,1,,40,2020-02-01,2020-02-03,,,released
1000000002,2,female,1980,40s,Korea,Seoul,Jung-gu,,contact with patient,2,1000000001,3,2020-02-04,2020-02-05,,,released
1000000003,3,male,1990,30s,Korea,Seoul,Mapo-gu,,etc,,,1,,2020-02-04,,,released
1000000004,4,male,1970,50s,Korea,Seoul,Jung-gu,,contact with patient,2,,2,2020-02-05,2020-02-06,,,released
1100000001,5,female,1991,20s,Korea,Busan,Jin-gu,,etc,,,0,,2020-02-04,,,released
"""
)
ROUTES = """patient_id,global_num,date,province,city,type,latitude,longitude
1000000001,1,2020-02-02,Seoul,Jung-gu,restaurant,37.5636,126.9976
1000000002,2,2020-02-02,Seoul,Jung-gu,restaurant,37.5637,126.9977
1000000002,2,2020-02-03,Seoul,Jung-gu,etc,37.5700,126.9900
1000000003,3,2020-02-02,Seoul,Mapo-gu,store,37.5563,126.9220
1000000004,4,2020-02-03,Seoul,Jung-gu,etc,37.5701,126.9901
1100000001,5,2020-02-02,Busan,Jin-gu,store,35.1631,129.0530
"""


@pytest.fixture
def tiny_ds4c(tmp_path: Path) -> Path:
    (tmp_path / "PatientInfo.csv").write_text(PATIENTS)
    (tmp_path / "PatientRoute.csv").write_text(ROUTES)
    return tmp_path


def test_features_describe_route_colocation_dates_and_region(tiny_ds4c: Path) -> None:
    data = DS4C.load(tiny_ds4c)
    f = candidate_features(data, ["1000000002"]).set_index("candidate")
    assert f.loc["1000000001", "label"] == 1 and f["label"].sum() == 1
    assert f.loc["1000000001", "n_100m_same_day"] == 1
    assert f.loc["1000000001", "dconf"] == 2
    assert f.loc["1000000001", "same_city"] == 1 and f.loc["1100000001", "same_province"] == 0
    # the case's own link never counts as its infector's "known infectee"
    assert f.loc["1000000001", "cand_known_infectees"] == 0


def test_blank_targets_are_contact_cases_with_routes_and_no_infector(tiny_ds4c: Path) -> None:
    data = DS4C.load(tiny_ds4c)
    assert data.blank_targets() == ["1000000004"]
    assert list(data.known_links()["patient_id"]) == ["1000000002"]


def test_rank_numbers_candidates_from_one(tiny_ds4c: Path) -> None:
    data = DS4C.load(tiny_ds4c)
    f = candidate_features(data, ["1000000004"])
    ranked = rank(f, f["n_100m_same_day"].to_numpy(float), top=3)
    assert list(ranked["rank"]) == [1, 2, 3]
    assert ranked["candidate_id"].iloc[0] == "1000000002"  # same place, day before
    assert list(ranked.columns) == ["patient_id", "candidate_id", "rank", "score"]


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"PatientInfo\.csv is missing"):
        DS4C.load(tmp_path)


@pytest.mark.slow
def test_ds4c_ranking_beats_the_goal_in_cross_validation(shared_data: Path, tmp_path: Path) -> None:
    result = cross_validate(DS4C.load(shared_data / "ds4c"), folds=5, seed=0)
    assert result.cases >= 140
    assert result.top1 >= 0.25 and result.top5 >= 0.60
    assert result.top1 > result.naive_top1
    assert result.curve[5][0] == result.top5
    assert plot_curve(result, tmp_path / "topk.png").stat().st_size > 1000
    assert "plotly" in plot_curve(result, tmp_path / "topk.html").read_text()[:100_000].lower()


@pytest.mark.slow
def test_rank_infectors_command_writes_ranks_for_every_blank_case(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "ranks.csv"
    result = CliRunner().invoke(app, ["rank-infectors", "--ds4c", str(shared_data / "ds4c"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    ranks = pd.read_csv(out, dtype={"patient_id": str, "candidate_id": str})
    data = DS4C.load(shared_data / "ds4c")
    assert set(ranks["patient_id"]) <= set(data.blank_targets())
    assert ranks["patient_id"].nunique() >= 0.95 * len(data.blank_targets())
    assert ranks.groupby("patient_id")["rank"].max().max() <= 10 and ranks["rank"].min() == 1
    assert list(ranks.columns) == ["patient_id", "candidate_id", "rank", "score"]
    assert json.loads(json.dumps(ranks.head(1).to_dict("records")))  # plain values
