"""The TCPD benchmark's scores (worked examples of its definitions) and the evaluation on tcpd_dev."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from epiaid.trends.engine import tcpd


def test_true_positives_match_each_prediction_once() -> None:
    assert tcpd.true_positives({1, 10, 20, 23}, {3, 8, 20}) == {1, 10, 20}
    assert tcpd.true_positives({1, 10, 20, 23}, {1, 3, 5, 8, 20}) == {1, 10, 20}
    assert tcpd.true_positives(set(), {1, 2, 3}) == set()


def test_f1_counts_index_zero_as_a_change_point_everywhere() -> None:
    assert tcpd.f_measure({"1": [10, 20], "2": [11, 20], "3": [10], "4": [0, 5]}, [10, 20]) == 1.0
    assert tcpd.f_measure({"1": [], "2": [10], "3": [50]}, [10]) == pytest.approx(0.9090909090909091)
    assert tcpd.f_measure({"1": [], "2": [10], "3": [50]}, []) == pytest.approx(0.8)


def test_covering_is_averaged_over_annotators() -> None:
    assert tcpd.covering({"1": [10, 20], "2": [10], "3": [0, 5]}, [10, 20], 45) == pytest.approx(0.7962962962962963)
    assert tcpd.covering({"1": [], "2": [10], "3": [40]}, [10], 45) == pytest.approx(0.7954144620811286)
    assert tcpd.covering({"1": [], "2": [10], "3": [40]}, [], 45) == pytest.approx(0.8189300411522634)


def test_series_load_with_nulls_as_missing(tmp_path: Path) -> None:
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "toy.json").write_text(
        json.dumps({"name": "toy", "n_obs": 4, "n_dim": 1, "series": [{"raw": [1, None, 3, 4]}]})
    )
    (tmp_path / "annotations.json").write_text(json.dumps({"toy": {"1": [2], "2": []}}))
    [s] = tcpd.load(tmp_path)
    assert s.values == [1.0, None, 3.0, 4.0] and s.annotations == {"1": [2], "2": []}
    assert s.score([2]) == (pytest.approx(tcpd.f_measure(s.annotations, [2])), pytest.approx(0.75))


@pytest.mark.slow
def test_leave_one_series_out_default_beats_ruptures_binseg_on_tcpd_dev(shared_data: Path) -> None:
    from epiaid.trends.engine import changepoints as cp
    from epiaid.trends.engine import tcpd_eval

    result = tcpd_eval.evaluate(tcpd.load(shared_data / "trends" / "tcpd_dev"))
    ours, binseg = result.table["default (LOSO)"], result.table["binseg (ruptures, l2, 2 log n)"]
    zero = result.table["zero (no change)"]
    assert ours[0] > binseg[0] and ours[1] > binseg[1]
    assert ours[0] > zero[0] and ours[1] > zero[1]
    # the shipped default is what the selection rule picks on all the series
    d = cp.DEFAULT
    assert result.selected == (d.penalty_per_log_n, d.min_size, d.var_floor)
