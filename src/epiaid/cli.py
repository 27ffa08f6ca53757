"""The one ``epiaid`` command.

Sub-commands are loaded lazily: ``epiaid trends changepoints`` must not pay for importing PyTorch
and RDKit, and science commands must work without the web app being configured. Each capability
exposes a Typer app in its ``cli`` module; platform commands live in :mod:`epiaid.core.cli`.
"""

from __future__ import annotations

import importlib
from typing import Any, cast

import click
import typer.main

#: command name -> "module:attribute" holding a Typer app or click command.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("epiaid.core.cli:serve", "Serve the web app with uvicorn (ASGI)."),
    "demo": ("epiaid.core.cli:demo", "Migrate, load demo data and create a demo admin."),
    "worker": ("epiaid.core.cli:worker", "Run background jobs (several processes with --concurrency)."),
    "scheduler": ("epiaid.core.cli:scheduler", "Enqueue scheduled jobs (one leader among many)."),
    "jobs": ("epiaid.core.cli:jobs", "List, show, retry and cancel background jobs."),
    "manage": ("epiaid.core.cli:manage", "Run a Django management command."),
    "token": ("epiaid.core.cli:token", "Issue, list and revoke bearer tokens for machines (PACS, gateways)."),
    "import": ("epiaid.situation.cli:app", "Import situation-map data (DS4C, coronamap, clinics, template)."),
    "masks": ("epiaid.masks.cli:app", "Public mask-stock intake, API and rationing."),
    "investigate": ("epiaid.investigation.cli:app", "Epidemiological-investigation analytics."),
    "trends": ("epiaid.trends.cli:app", "Media and search-trend analytics."),
    "assay": ("epiaid.assay.cli:app", "RT-PCR assay design and surveillance."),
    "repurpose": ("epiaid.repurposing.cli:app", "Drug–target interaction and repurposing."),
    "xray": ("epiaid.xray.cli:app", "Chest X-ray triage."),
    "programmes": ("epiaid.programmes.cli:app", "Support programmes: load the configuration, simulate the 2020 year."),
    "chatbot": ("epiaid.chatbot.cli:app", "Public-information chatbot: FAQ retrieval and question similarity."),
    "carecall": ("epiaid.carecall.cli:app", "Care call: dialog check, scripted callers, rounds, roster import."),
}


def _load(spec: str) -> click.Command:
    module_name, attr = spec.split(":")
    obj: Any = getattr(importlib.import_module(module_name), attr)
    if isinstance(obj, click.Command):
        return obj
    # Typer builds on its own copy of click; the objects are duck-type compatible with ours.
    return cast(click.Command, typer.main.get_command(obj))


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = LAZY_COMMANDS.get(cmd_name)
        if entry is None:
            return None
        try:
            command = _load(entry[0])
        except ModuleNotFoundError as exc:
            raise click.ClickException(f"'{cmd_name}' is not available: {exc}") from exc
        command.name = cmd_name
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Translate the exits of Typer's own click copy into ours, so ``--help`` and errors end cleanly."""
        from typer._click import exceptions as typer_click
        from typer.exceptions import Abort, Exit

        try:
            return super().invoke(ctx)
        except Exit as exc:
            ctx.exit(exc.exit_code)
        except Abort as exc:
            raise click.Abort() from exc
        except typer_click.ClickException as exc:
            exc.show()
            ctx.exit(exc.exit_code)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, help_) for name, (_, help_) in sorted(LAZY_COMMANDS.items())])


@click.group(cls=LazyGroup, help="epiaid — outbreak response platform.")
@click.version_option(package_name="epiaid")
def main() -> None:
    pass
