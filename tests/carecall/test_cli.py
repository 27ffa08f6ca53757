"""``epiaid carecall``: dialog check and the scripted callers from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from epiaid.carecall.cli import app


def test_check_dialog_accepts_the_shipped_one_and_names_a_problem(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["check-dialog"])
    assert ok.exit_code == 0 and "carecall-symptoms v1" in ok.output
    bad = tmp_path / "d.yaml"
    bad.write_text("schema: epiaid.carecall.dialog/1\nname: x\nversion: 1\nquestions: []\n", encoding="utf-8")
    refused = runner.invoke(app, ["check-dialog", str(bad)])
    assert refused.exit_code == 1 and "questions: must be a non-empty list" in refused.output


def test_scripted_callers_report_accuracy_and_missed_emergencies() -> None:
    out = CliRunner().invoke(app, ["scripted", "--n", "200"])
    data = json.loads(out.output)
    assert data["scenarios"] == 200 and data["accuracy"] >= 0.99 and data["emergencies_missed"] == 0
