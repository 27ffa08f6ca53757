"""Infector ranking: features on hand-made DS4C-shaped fixtures (a five-person one and a synthetic
outbreak of our own making), the honest evaluation protocols, and the real DS4C evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from epiaid.investigation.cli import app
from epiaid.investigation.engine.infector import (
    DS4C,
    candidate_features,
    clusters,
    default_rankers,
    evaluate,
    evaluation_report,
    evidence,
    fit_temperature,
    folds,
    plot_curves,
    rank,
    si_loglik,
    softmax_by_case,
    training_cases,
    training_split,
)

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
    assert f.loc["1000000003", "has_donset"] == 0  # the candidate's onset is unknown
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
def test_ds4c_time_ordered_evaluation_is_below_random_cv_and_the_new_model_leads(
    shared_data: Path, tmp_path: Path
) -> None:
    report = evaluation_report(DS4C.load(shared_data / "ds4c"))
    rows = report["protocols"]
    assert rows["random"]["new"]["cases"] >= 140 and rows["time_grouped"]["new"]["cases"] >= 110
    # the random CV overstates what an investigator gets on new cases
    assert rows["random"]["current"]["top1"] > rows["time_grouped"]["current"]["top1"] + 0.1
    for proto in rows:
        assert rows[proto]["new"]["mrr"] > rows[proto]["current"]["mrr"] > rows[proto]["naive"]["mrr"]
    assert rows["time_grouped"]["new"]["top1"] >= 0.24 and rows["time_grouped"]["new"]["top5"] >= 0.5
    assert len(report["calibration"]) == 5
    assert plot_curves(report, tmp_path / "topk.png").stat().st_size > 1000


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


def synthetic_outbreak(root: Path, chains: int = 40, seed: int = 0) -> Path:
    """A DS4C-shaped outbreak of our own making: each infector is confirmed, then 1–2 days later its
    infectee, who visited the same place (same type, district, ≤ 50 m) the day before; onsets follow
    the serial interval; unrelated cases add noise. Chains are spread over 80 days."""
    rng = np.random.default_rng(seed)
    people, routes = [], []
    day0 = pd.Timestamp("2020-02-01")
    pid = 0

    def person(conf: pd.Timestamp, city: str, case: str, by: str, onset: pd.Timestamp | None) -> str:
        nonlocal pid
        pid += 1
        p = f"1000{pid:06d}"
        on = "" if onset is None else onset.date().isoformat()
        people.append(
            f"{p},{pid},male,1980,{rng.choice(['20s', '30s', '50s'])},Korea,Seoul,{city},,{case},,{by},3,{on},"
            f"{conf.date().isoformat()},,,released"
        )
        return p

    def visit(p: str, day: pd.Timestamp, city: str, kind: str, lat: float, lon: float) -> None:
        routes.append(f"{p},0,{day.date().isoformat()},Seoul,{city},{kind},{lat:.6f},{lon:.6f}")

    for i in range(chains):
        conf = day0 + pd.Timedelta(days=int(2 * i))
        city = f"gu{i % 5}"
        lat, lon = 37.5 + rng.uniform(0, 0.1), 126.9 + rng.uniform(0, 0.1)
        src = person(conf, city, "etc", "", conf - pd.Timedelta(days=2))
        visit(src, conf - pd.Timedelta(days=2), city, "restaurant", lat, lon)
        visit(src, conf - pd.Timedelta(days=5), city, "store", lat + 0.02, lon)
        sick = person(conf + pd.Timedelta(days=int(rng.integers(1, 3))), city, "contact with patient", src, None)
        visit(sick, conf - pd.Timedelta(days=1), city, "restaurant", lat + 0.0003, lon)
        for _ in range(3):  # unrelated cases confirmed around the same time, elsewhere
            other = person(conf - pd.Timedelta(days=int(rng.integers(0, 4))), f"gu{rng.integers(5)}", "etc", "", None)
            visit(other, conf - pd.Timedelta(days=int(rng.integers(1, 4))), city, "store", lat + 0.05, lon + 0.05)
    (root / "PatientInfo.csv").write_text(PATIENTS.splitlines()[0] + "\n" + "\n".join(people) + "\n")
    (root / "PatientRoute.csv").write_text(ROUTES.splitlines()[0] + "\n" + "\n".join(routes) + "\n")
    return root


@pytest.fixture
def outbreak(tmp_path: Path) -> DS4C:
    return DS4C.load(synthetic_outbreak(tmp_path))


def test_candidates_are_confirmed_on_or_before_the_case(tiny_ds4c: Path) -> None:
    data = DS4C.load(tiny_ds4c)
    f = candidate_features(data, ["1000000002"])  # confirmed 2020-02-05
    assert set(f["candidate"]) == {"1000000001", "1000000003", "1100000001"}  # not 1000000004 (02-06)
    assert (f["dconf"] >= 0).all()


def test_epidemiological_features_of_a_pair(tiny_ds4c: Path) -> None:
    f = candidate_features(DS4C.load(tiny_ds4c), ["1000000004"]).set_index("candidate")
    src = f.loc["1000000002"]  # onsets 02-04 → 02-05: serial interval 1 day from onsets
    assert src["si"] == 1 and src["si_from_onset"] == 1
    assert src["n_type_city_same_day"] == 1 and src["n_100m_same_day"] == 1  # "etc" in Jung-gu on 02-03
    assert f.loc["1000000003", "si_from_onset"] == 0 and f.loc["1000000003", "si"] == 2  # confirmation fallback
    assert src["household_like"] == 1 and f.loc["1100000001", "household_like"] == 0
    assert src["age_gap"] == 1  # 40s vs 50s
    # a serial interval near the published mean is likelier than a long one
    assert si_loglik(np.array([4.0]))[0] > si_loglik(np.array([15.0]))[0]


def test_link_features_use_only_the_links_known_at_ranking_time(tiny_ds4c: Path) -> None:
    data = DS4C.load(tiny_ds4c)
    known = candidate_features(data, ["1000000004"]).set_index("candidate")
    assert known.loc["1000000001", "cand_known_infectees"] == np.log1p(1)
    unknown = candidate_features(data, ["1000000004"], links=pd.Series(dtype=object)).set_index("candidate")
    assert unknown.loc["1000000001", "cand_known_infectees"] == 0
    assert unknown.loc["1000000002", "cand_has_known_infector"] == 0


def test_time_ordered_folds_train_only_on_earlier_cases_of_other_clusters(outbreak: DS4C) -> None:
    cluster = clusters(outbreak)
    pool = training_cases(outbreak, "infector")
    conf = outbreak.patients["confirmed_date"]
    fs = folds(outbreak, "time_grouped")
    assert len(fs) == 4
    for origin, test in fs:
        assert origin is not None and all(conf[c] >= origin for c in test)
        train = training_split(outbreak, pool, test, origin, "time_grouped", cluster)
        assert train and all(conf[c] < origin for c in train)
        assert not {cluster[c] for c in train} & {cluster[c] for c in test}
    # random folds cover every case once
    tests = [c for _, t in folds(outbreak, "random") for c in t]
    assert sorted(tests) == sorted(training_cases(outbreak, "both"))


def test_a_cluster_is_its_links_and_its_named_infection_case(tiny_ds4c: Path) -> None:
    c = clusters(DS4C.load(tiny_ds4c))
    assert c["1000000001"] == c["1000000002"] != c["1000000004"]


def test_the_new_model_finds_planted_infectors_on_later_cases(outbreak: DS4C) -> None:
    res, oof = evaluate(outbreak, "time_grouped", default_rankers())
    assert res["new"].cases >= 28 and res["new"].top1 >= 0.8  # the first date block only trains
    assert res["new"].mrr >= res["naive"].mrr - 0.05
    p = oof.groupby("case")["new p"].sum()
    assert ((p > 0) & (p <= 1 + 1e-9)).all()  # probabilities of one case's candidates sum to ≤ 1


def test_softmax_probabilities_and_temperature() -> None:
    cases = np.array(["a", "a", "b", "b", "b"])
    p = softmax_by_case(cases, np.array([2.0, 0.0, 1.0, 1.0, 1.0]))
    assert p[:2].sum() == pytest.approx(1) and p[2] == pytest.approx(1 / 3)
    # confident scores that are always right want a low temperature
    t = fit_temperature(cases, np.array([2.0, 0.0, 3.0, 0.0, 0.0]), np.array([1, 0, 1, 0, 0]))
    assert t < 1


def test_evidence_names_shared_places_and_days_apart(tiny_ds4c: Path) -> None:
    ev = evidence(DS4C.load(tiny_ds4c), "1000000002", "1000000001")
    assert ev["days_confirmed_apart"] == 2 and ev["days_onset_apart"] == 3 and ev["same_district"]
    assert ev["shared_places"][0] == {
        "date": "2020-02-02",
        "days_apart": 0,
        "type": "restaurant",
        "city": "Jung-gu",
        "distance_m": 14,
    }


def test_rank_infectors_on_our_own_outbreak(tmp_path: Path) -> None:
    (tmp_path / "ds4c").mkdir()
    root = synthetic_outbreak(tmp_path / "ds4c")
    # one blank contact case that was where the first planted source was, the same day
    extra = "1009999991,0,female,1990,20s,Korea,Seoul,gu0,,contact with patient,,,1,,2020-02-03,,,released"
    (root / "PatientInfo.csv").write_text((root / "PatientInfo.csv").read_text() + extra + "\n")
    src = pd.read_csv(root / "PatientRoute.csv", dtype=str).iloc[0]
    (root / "PatientRoute.csv").write_text(
        (root / "PatientRoute.csv").read_text()
        + f"1009999991,0,{src['date']},Seoul,{src['city']},{src['type']},{src['latitude']},{src['longitude']}\n"
    )
    out = tmp_path / "ranks.csv"
    result = CliRunner().invoke(app, ["rank-infectors", "--ds4c", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    ranks = pd.read_csv(out, dtype={"patient_id": str, "candidate_id": str})
    assert list(ranks.columns) == ["patient_id", "candidate_id", "rank", "score"]
    assert set(ranks["patient_id"]) == {"1009999991"} and list(ranks["rank"]) == list(range(1, len(ranks) + 1))
    assert ranks["candidate_id"].iloc[0] == src["patient_id"]
    assert ranks["score"].is_monotonic_decreasing and 0 < ranks["score"].sum() <= 1 + 1e-6
