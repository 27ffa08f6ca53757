"""``epiaid xray check-site``: what the shipped threshold does on a site's own labelled films."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from epiaid.xray.cli import app
from epiaid.xray.engine.site import SiteCheckError, check_site


def frames(scores: dict[str, float], labels: dict[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    pred = pd.DataFrame({"file": list(scores), "p_pneumonia": list(scores.values())})
    lab = pd.DataFrame({"file": list(labels), "pneumonia": [str(v) for v in labels.values()]})
    return pred, lab


def test_reports_the_shipped_thresholds_rates_and_a_local_threshold_that_keeps_the_target() -> None:
    abnormal = {f"a{i}.dcm": 0.40 + 0.05 * i for i in range(10)}  # 0.40 … 0.85
    normal = {f"n{i}.dcm": 0.10 + 0.05 * i for i in range(4)}  # 0.10 … 0.25
    pred, lab = frames(
        {**abnormal, **normal, "extra.dcm": 0.9}, {**dict.fromkeys(abnormal, 1), **dict.fromkeys(normal, 0)}
    )
    result = check_site(pred, lab, shipped_threshold=0.6, sensitivity=0.9)
    assert (result.films, result.abnormal, result.normal, result.unlabelled_predictions) == (14, 10, 4, 1)
    assert result.shipped_sensitivity == pytest.approx(0.6)  # 0.60 … 0.85 of the ten abnormal films
    assert result.shipped_specificity == 1.0
    assert result.local_threshold <= 0.45 and result.local_sensitivity >= 0.9
    assert result.auc == 1.0


def test_without_normal_films_specificity_is_undefined_not_invented() -> None:
    pred, lab = frames({"a.dcm": 0.9, "b.dcm": 0.2}, {"a.dcm": 1, "b.dcm": 1})
    result = check_site(pred, lab, shipped_threshold=0.5)
    assert result.shipped_sensitivity == 0.5 and result.shipped_specificity is None and result.auc is None


@pytest.mark.parametrize(
    ("scores", "labels", "named"),
    [
        ({"a.dcm": 0.9}, {"b.dcm": 1}, "no prediction"),
        ({"a.dcm": 0.9}, {"a.dcm": 2}, "0 or 1"),
        ({"a.dcm": 1.7}, {"a.dcm": 1}, "probability"),
        ({"a.dcm": 0.1, "b.dcm": 0.2}, {"a.dcm": 0, "b.dcm": 0}, "no abnormal"),
    ],
)
def test_unusable_input_is_refused_with_the_problem_named(
    scores: dict[str, float], labels: dict[str, int], named: str
) -> None:
    with pytest.raises(SiteCheckError, match=named):
        check_site(*frames(scores, labels), shipped_threshold=0.5)


def test_the_command_prints_json_and_refuses_a_labels_file_without_the_column(tmp_path: Path) -> None:
    pred, lab = frames({"a.dcm": 0.99, "b.dcm": 0.1}, {"a.dcm": 1, "b.dcm": 0})
    pred.to_csv(tmp_path / "pred.csv", index=False)
    lab.to_csv(tmp_path / "labels.csv", index=False)
    ok = CliRunner().invoke(
        app, ["check-site", "--predictions", str(tmp_path / "pred.csv"), "--labels", str(tmp_path / "labels.csv")]
    )
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.stdout)
    assert report["films"] == 2 and report["shipped_sensitivity"] == 1.0 and report["target_sensitivity"] == 0.95
    (tmp_path / "bad.csv").write_text("file,label\na.dcm,1\n", encoding="utf-8")
    bad = CliRunner().invoke(
        app, ["check-site", "--predictions", str(tmp_path / "pred.csv"), "--labels", str(tmp_path / "bad.csv")]
    )
    assert bad.exit_code == 2 and "no column pneumonia" in bad.stderr
