"""``epiaid import …``: situation-map importers with a per-row report."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Import situation-map data (idempotent: re-import updates, never duplicates).", no_args_is_help=True
)
console = Console()


def _run(kind: str, path: Path, show: int) -> None:
    from epiaid.core.cli import setup_django

    setup_django()
    from epiaid.situation.services.importers import IMPORTERS, ImportFileError, ImportReport, import_ds4c_dir

    try:
        reports: list[ImportReport] = import_ds4c_dir(path) if kind == "ds4c" else [IMPORTERS[kind](path)]
    except (ImportFileError, FileNotFoundError, IsADirectoryError) as exc:
        console.print(f"[red]nothing imported from {path}: {exc}[/red]")
        raise typer.Exit(2) from exc
    for report in reports:
        console.print(report.summary() + f" (encoding {report.encoding})")
        if report.rejected or report.warnings:
            reasons = Counter(
                f"rejected · {r.field}: {re.sub(r'[0-9]+', 'N', r.reason.split(' (')[0])}" for r in report.rejected
            )
            reasons.update(f"warning · {w.field}: {w.reason}" for w in report.warnings)
            for reason, count in reasons.most_common(8):
                console.print(f"  {count:>5} × {reason}")
        if report.rejected and show:
            table = Table("row", "field", "reason", title=f"rejected rows ({len(report.rejected)})")
            for r in report.rejected[:show]:
                table.add_row(str(r.row), r.field, r.reason)
            console.print(table)


@app.command()
def ds4c(directory: Path, show: int = typer.Option(20, help="rejected rows to list")) -> None:
    """DS4C Case.csv, PatientInfo.csv and PatientRoute.csv from DIRECTORY."""
    _run("ds4c", directory, show)


@app.command()
def coronamap(file: Path, show: int = 20) -> None:
    """coronamap.site route JSON (the flat list or the live per-patient object)."""
    _run("coronamap", file, show)


@app.command()
def clinics(file: Path, show: int = 20) -> None:
    """MOHW screening-clinic CSV (UTF-8 or CP949; multi-line Korean header)."""
    _run("clinics", file, show)


@app.command()
def template(file: Path, show: int = 20) -> None:
    """Visits in epiaid's CSV template (see /situation/template.csv)."""
    _run("template", file, show)
