"""``epiaid carecall …``: check a dialog file, run the scripted callers, tick a round by hand, import a roster.

Imports stay inside commands so ``epiaid --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="Care call: dialog check, scripted callers, rounds, roster import.", no_args_is_help=True)


@app.command("check-dialog")
def check_dialog(path: Path = typer.Argument(None, help="dialog YAML/JSON (default: the shipped one)")) -> None:
    """Validate a dialog file; prints its questions or the problem (exit 1)."""
    from epiaid.carecall.engine.dialog import DEFAULT_DIALOG, DialogError, load_dialog

    try:
        dialog = load_dialog(path or DEFAULT_DIALOG)
    except DialogError as exc:
        typer.echo(f"invalid: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{dialog.label}: {len(dialog.questions)} questions, {len(dialog.rules)} rules")
    for q in dialog.questions.values():
        typer.echo(f"  {q.id:20} {q.kind:9} → {q.next}")


@app.command("scripted")
def scripted(n: int = typer.Option(600, help="scenarios"), seed: int = typer.Option(2020)) -> None:
    """Run generated callers against the dialog engine; prints accuracy and emergencies missed (JSON)."""
    from epiaid.carecall.engine.dialog import Session, load_dialog
    from epiaid.carecall.engine.scenarios import Score, generate
    from epiaid.carecall.transports.base import drive

    dialog = load_dialog()
    score = Score()
    for s in generate(dialog, n, seed=seed):
        score.add(s, drive(Session(dialog, s.lang), s.reply))
    typer.echo(json.dumps(score.as_dict()))


@app.command("tick")
def tick() -> None:
    """Run one minute of the care call now (what the scheduler does every minute)."""
    from epiaid.core.cli import setup_django

    setup_django()
    from epiaid.carecall.services.schedule import tick as run

    typer.echo(json.dumps(run()))


@app.command("import")
def import_csv(
    path: Path = typer.Argument(..., exists=True), officer: str = typer.Option(..., help="your user name")
) -> None:
    """Import a roster CSV as a health-staff user; prints each bad row (nothing is imported then)."""
    from epiaid.core.cli import setup_django

    setup_django()
    from django.contrib.auth import get_user_model

    from epiaid.carecall.services import import_roster

    user = get_user_model().objects.get(username=officer)
    report = import_roster(user, path.read_bytes())
    for e in report.errors:
        typer.echo(f"line {e.line}: {e.field}: {e.message}", err=True)
    typer.echo(f"{report.created} imported of {report.rows} rows ({report.encoding})")
    if report.errors:
        raise typer.Exit(1)
