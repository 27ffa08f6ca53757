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


@click.group()
def token() -> None:
    """Bearer tokens for machines (a PACS pushing studies over DICOMweb, a gateway)."""


@token.command("issue")
@click.option("--user", "username", required=True, help="the account the machine acts as (it needs the role)")
@click.option("--name", required=True, help="what will use it, e.g. 'PACS gateway, ward 3'")
def token_issue(username: str, name: str) -> None:
    """Issue a token; the secret is printed once and never stored."""
    setup_django()
    from epiaid.core.tokens import issue

    try:
        row, secret = issue(username, name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"token {row.prefix}… for {username} ({row.name}); send it as 'Authorization: Bearer <token>':")
    click.echo(secret)


@token.command("list")
def token_list() -> None:
    """Tokens with their user, name, state and last use (never the secrets)."""
    setup_django()
    from epiaid.core.models import ApiToken

    for row in ApiToken.objects.select_related("user"):
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        click.echo(f"{row.prefix}…  {row.user.get_username():<16} {state:<18} last used {used:<16} {row.name}")


@token.command("revoke")
@click.argument("prefix")
def token_revoke(prefix: str) -> None:
    """Revoke the token whose listed prefix is PREFIX."""
    setup_django()
    from epiaid.core.tokens import revoke

    if not revoke(prefix.rstrip("…")):
        raise click.ClickException(f"no active token with prefix {prefix!r}")
    click.echo(f"revoked {prefix}")
