"""``epiaid programmes …``: load the programme configuration, simulate the 2020 year."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Support programmes: compute allocation, data and cloud vouchers.", no_args_is_help=True)


@app.command("load-config")
def load_config_cmd(
    path: Annotated[Path | None, typer.Argument(help="YAML/JSON file (default: the 2020 programmes)")] = None,
) -> None:
    """Create or update programmes and tracks from a configuration file."""
    from epiaid.core.cli import setup_django

    setup_django()
    from epiaid.core.actors import Actor
    from epiaid.programmes.services import config

    for line in config.load_config(Actor.system("cli"), path):
        typer.echo(line)


@app.command("simulate")
def simulate_cmd(
    compute: int = 900,
    data: int = 1400,
    cloud: int = 1700,
    reviewers: int = 60,
    seed: int = 2020,
    db: Annotated[Path | None, typer.Option(help="SQLite file to run in (default: a fresh temporary one)")] = None,
    out: Annotated[Path | None, typer.Option(help="write the report as JSON here")] = None,
) -> None:
    """Run the 2020 year through the real services in a database of its own and report SLA and budget."""
    target = db or Path(tempfile.mkdtemp(prefix="epiaid-sim-")) / "sim.sqlite3"
    os.environ["EPIAID_DATABASE_URL"] = f"sqlite:///{target}"
    os.environ.setdefault("EPIAID_DEBUG", "1")  # a database of its own: no production keys needed
    from epiaid.core.cli import setup_django

    setup_django()
    from django.conf import settings

    settings.DEBUG = False  # Django would otherwise keep every query of the year in memory
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    call_command("migrate", verbosity=0)
    from epiaid.programmes.services.simulate import simulate

    report = simulate(compute=compute, data=data, cloud=cloud, reviewers=reviewers, seed=seed, log=typer.echo)
    text = json.dumps(report, indent=1, default=str, ensure_ascii=False)
    typer.echo(text)
    if out is not None:
        out.write_text(text)
    ok = report["missed_deadlines"] == 0 and report["budget_exact"] and report["chain"]["ok"]
    raise typer.Exit(0 if ok else 1)
