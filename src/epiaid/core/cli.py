"""Platform commands: serve, demo, manage."""

from __future__ import annotations

import os
import sys

import click


def setup_django() -> None:
    """Configure Django for CLI commands that touch the database (science commands never call this)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiaid.core.settings")
    import django

    django.setup()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the ASGI app with uvicorn (static files through whitenoise)."""
    import uvicorn

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiaid.core.settings")
    uvicorn.run(
        "epiaid.core.asgi:application", host=host, port=port, workers=workers, log_level="warning", access_log=False
    )


@click.command()
@click.option("--no-admin", is_flag=True, help="Do not create the demo admin account.")
@click.option("--synthetic", is_flag=True, help="Use the generated demo data even if ../shared/data exists.")
def demo(no_admin: bool, synthetic: bool) -> None:
    """Migrate the database, load demo data for every capability, create a demo admin."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    args = ["--synthetic"] if synthetic else []
    if no_admin:
        args.append("--no-admin")
    call_command("load_demo", *args)


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Pass-through to Django's manage.py (e.g. ``epiaid manage migrate``)."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line([f"{sys.argv[0]} manage", *args])
