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


#: The layers that call services and never decide or record on their own: routers, pages, the admin,
#: command lines, scheduled-job and webhook entry points.
CALLER_MODULES = ("api.py", "views.py", "admin.py", "cli.py", "jobs.py", "schedules.py", "webhooks.py", "urls.py")


def _audit_calls(path: Path) -> list[str]:
    """Imports of the audit recorder and calls of ``record``/``event`` from it, as ``line: what``."""
    found: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "epiaid.core.audit":
            names = {alias.name for alias in node.names} & {"record", "event"}
            if names:
                found.append(f"{node.lineno}: imports {', '.join(sorted(names))}")
        elif isinstance(node, ast.Import) and any(alias.name == "epiaid.core.audit" for alias in node.names):
            found.append(f"{node.lineno}: imports epiaid.core.audit")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("record", "event")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "audit"
        ):
            found.append(f"{node.lineno}: calls audit.{node.func.attr}")
    return found


def test_no_router_page_admin_cli_job_or_webhook_writes_the_audit_log_itself() -> None:
    """Services decide and record; a caller that audited on its own would drift from what they check."""
    callers = sorted(
        p
        for p in SRC.rglob("*.py")
        if (p.name in CALLER_MODULES or p.parent.name in ("api", "views")) and "services" not in p.parts
    )
    assert len(callers) > 20, "the scan found the callers"
    offenders = {str(p.relative_to(SRC)): calls for p in callers if (calls := _audit_calls(p))}
    assert offenders == {}
