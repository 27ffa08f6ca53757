"""``epiaid trends changepoints`` as the independent benchmark will call it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from epiaid.trends.cli import app

runner = CliRunner()


def test_changepoints_reads_values_with_nulls_and_writes_zero_based_indices(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    values: list[float | None] = [*rng.normal(0, 1, 120).tolist(), *rng.normal(8, 1, 120).tolist()]
    values[10] = None
    (tmp_path / "s.json").write_text(json.dumps({"values": values}))
    result = runner.invoke(app, ["changepoints", "--in", str(tmp_path / "s.json"), "--out", str(tmp_path / "c.json")])
    assert result.exit_code == 0, result.output
    out = json.loads((tmp_path / "c.json").read_text())
    assert out["n"] == 240 and len(out["changepoints"]) == 1 and abs(out["changepoints"][0] - 120) <= 2
    assert out["cps"] == out["changepoints"]  # the earlier key stays beside the contract's


def test_changepoints_explains_a_malformed_file(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"vals": 3')
    result = runner.invoke(app, ["changepoints", "--in", str(tmp_path / "bad.json"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output


def test_changepoints_on_a_constant_series_writes_an_empty_list(tmp_path: Path) -> None:
    (tmp_path / "flat.json").write_text(json.dumps({"values": [0] * 50}))
    runner.invoke(app, ["changepoints", "--in", str(tmp_path / "flat.json"), "--out", str(tmp_path / "o.json")])
    assert json.loads((tmp_path / "o.json").read_text())["cps"] == []


def test_generate_views_writes_views_and_articles(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate-views", "--out", str(tmp_path / "v.csv"), "--days", "3", "--outlets", "8"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "v.csv").read_text().startswith("outlet,article_id,ts")
    assert (tmp_path / "v_articles.csv").exists()


def test_the_science_engine_and_cli_work_without_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import epiaid.trends.cli\n"
        "from epiaid.trends.engine import articles, bursts, changepoints, cooccur, evaluation, keywords, report,"
        " series, text, timing, viewlogs\n"
        "assert not [m for m in sys.modules if m.startswith('django')], 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
