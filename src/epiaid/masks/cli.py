"""``epiaid masks …``: import the outlet list, issue seller tokens, answer "can I buy today?"."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="Public mask-stock intake, API and rationing.", no_args_is_help=True)
console = Console()


@app.command("import-stores")
def import_stores(
    files: list[Path] = typer.Argument(
        ..., exists=True, dir_okay=False, help="outlet CSVs (2020 /stores/json dumps), oldest first"
    ),
    show: int = typer.Option(10, help="how many rejected rows / outlets without coordinates to list"),
    as_user: str = typer.Option("", "--as", help="account acting (audit); default: you, as system:cli:<login>"),
) -> None:
    """Import or update outlets by code (idempotent); report read/created/updated/rejected.

    Several lists are merged first: every code once, a later file's row winning where they disagree.
    """
    from epiaid.core.cli import setup_django
    from epiaid.masks.engine.importer import parse_outlets, union_outlets

    with console.status(f"reading {', '.join(map(str, files))}"):
        union = union_outlets([(f.name, parse_outlets(f)) for f in files])
    parsed = union.parsed
    if len(files) > 1:
        console.print(union.summary())
    setup_django()
    from epiaid.core.cli import cli_actor
    from epiaid.masks.services import intake

    with console.status(f"storing {len(parsed.rows)} outlets"):
        report = intake.import_outlet_list(cli_actor(as_user), parsed, source=", ".join(f.name for f in files))
    console.print(report.summary())
    for title, items in (
        ("rejected", report.rejected),
        ("warnings", report.warnings),
        ("without coordinates", report.without_coordinates),
    ):
        if items:
            console.print(f"[bold]{title}[/bold] ({len(items)}):")
            for line in items[:show]:
                console.print(f"  {line}")
            if len(items) > show:
                console.print(f"  … {len(items) - show} more")


@app.command("issue-token")
def issue_token(
    code: str,
    as_user: str = typer.Option("", "--as", help="account acting (audit); default: you, as system:cli:<login>"),
) -> None:
    """Issue (rotate) an outlet's seller token; it is printed once and only its hash is stored (audited)."""
    from epiaid.core.cli import setup_django

    setup_django()
    from epiaid.core.cli import cli_actor
    from epiaid.core.errors import EpiaidError
    from epiaid.masks.services import intake

    try:
        token = intake.issue_token(cli_actor(as_user), code)
    except EpiaidError as exc:
        raise typer.BadParameter(exc.message) from None
    console.print(f"token for outlet {code} (shown once): [bold]{token}[/bold]")


@app.command("can-buy")
def can_buy(birth_year: int, on: str = typer.Option("", help="date YYYY-MM-DD (default today)")) -> None:
    """The 5-day rotation for a birth year (no database needed)."""
    from epiaid.masks.engine import rationing

    day = date.fromisoformat(on) if on else date.today()
    try:
        summary = rationing.can_buy_summary(birth_year, day)
    except rationing.RationingError as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(
        f"born {birth_year}: {summary['weekday']} ({summary['weekday_ko']}), or Sat/Sun if unused; "
        f"{day} ({rationing.WEEKDAY_NAMES_EN[day.weekday()]}): "
        f"{'allowed' if summary['today_allowed'] else 'not allowed'}"
    )
