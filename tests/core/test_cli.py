"""The one ``epiaid`` command: lazily loaded sub-commands end cleanly on help and on usage errors."""

from __future__ import annotations

import subprocess
import sys


def _epiaid(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "epiaid", *args], capture_output=True, text=True, timeout=120)


def test_top_level_help_lists_every_capability_command() -> None:
    result = _epiaid("--help")
    assert result.returncode == 0
    for name in ("serve", "demo", "import", "masks", "investigate", "trends", "assay", "repurpose", "xray"):
        assert name in result.stdout


def test_sub_command_help_exits_cleanly() -> None:
    result = _epiaid("trends", "--help")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "changepoints" in result.stdout


def test_a_usage_error_in_a_sub_command_names_the_problem() -> None:
    result = _epiaid("trends", "changepoints")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--in" in result.stderr
