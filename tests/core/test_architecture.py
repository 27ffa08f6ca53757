"""The layout's promises, checked on the source: science engines stay importable without Django."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "epiaid"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_under_an_engine_folder_imports_django() -> None:
    """Engines run from the CLI, notebooks and benchmarks without a configured web app."""
    engines = sorted(SRC.glob("*/engine/**/*.py"))
    assert len(engines) > 20, "the scan found the engines"
    offenders = {
        str(path.relative_to(SRC)): sorted(n for n in _imports(path) if n == "django" or n.startswith("django."))
        for path in engines
    }
    assert {path: names for path, names in offenders.items() if names} == {}
