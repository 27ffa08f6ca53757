"""Platform commands: serve, demo, manage."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from epiaid.core.jobs.models import Job


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
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help="what it may do, repeatable: xray.stow (push), xray.wado (retrieve); default: every scope",
)
@click.option("--days", default=365, show_default=True, type=click.IntRange(1), help="days until it expires")
def token_issue(username: str, name: str, scopes: tuple[str, ...], days: int) -> None:
    """Issue a token; the secret is printed once and never stored."""
    setup_django()
    from epiaid.core.tokens import issue

    try:
        row, secret = issue(username, name, scopes=scopes or None, days=days)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    until = f"{row.expires_at:%Y-%m-%d}" if row.expires_at else "never"
    click.echo(
        f"token {row.prefix}… for {username} ({row.name}), scopes {' '.join(row.scopes)}, expires {until}; "
        "send it as 'Authorization: Bearer <token>':"
    )
    click.echo(secret)


@token.command("list")
def token_list() -> None:
    """Tokens with their user, name, scopes, state, expiry and last use (never the secrets)."""
    setup_django()
    from epiaid.core.models import ApiToken

    for row in ApiToken.objects.select_related("user"):
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        if row.revoked_at:
            state = f"revoked {row.revoked_at:%Y-%m-%d}"
        elif row.expired():
            state = f"expired {row.expires_at:%Y-%m-%d}"
        else:
            state = f"until {row.expires_at:%Y-%m-%d}" if row.expires_at else "active"
        scopes = ",".join(row.scopes) or "-"
        click.echo(
            f"{row.prefix}…  {row.user.get_username():<16} {state:<18} {scopes:<20} last used {used:<16} {row.name}"
        )


@token.command("revoke")
@click.argument("prefix")
def token_revoke(prefix: str) -> None:
    """Revoke the token whose listed prefix is PREFIX."""
    setup_django()
    from epiaid.core.tokens import revoke

    if not revoke(prefix.rstrip("…")):
        raise click.ClickException(f"no active token with prefix {prefix!r}")
    click.echo(f"revoked {prefix}")


@click.command(context_settings={"ignore_unknown_options": False})
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 32), help="worker processes")
@click.option("--queues", default="default,science", show_default=True, help="comma separated; '*' for all")
@click.option("--interval", default=1.0, show_default=True, type=float, help="seconds between polls when idle")
@click.option("--max-tasks", default=None, type=click.IntRange(1), help="exit after this many tasks")
@click.option("--batch", is_flag=True, help="run what is queued, then exit")
@click.option("--scheduler/--no-scheduler", default=False, help="also run the schedules (one leader at a time)")
def worker(concurrency: int, queues: str, interval: float, max_tasks: int | None, batch: bool, scheduler: bool) -> None:
    """Run background jobs (ranking, docking, assay design, schedules) until Ctrl-C."""
    if concurrency > 1:
        args = ["--queues", queues, "--interval", str(interval)]
        args += ["--max-tasks", str(max_tasks)] if max_tasks else []
        args += ["--batch"] if batch else []
        # One process leads the schedules; the lease keeps any others quiet anyway.
        sys.exit(run_workers_with_scheduler(concurrency, args, scheduler))
    setup_django()
    from epiaid.core.jobs.worker import run_worker

    click.echo(f"epiaid worker {os.getpid()} running queues {queues}" + (" with the scheduler" if scheduler else ""))
    run_worker(queues=queues, interval=interval, max_tasks=max_tasks, batch=batch, scheduler=scheduler)


def run_workers_with_scheduler(concurrency: int, args: list[str], scheduler: bool) -> int:
    """N worker processes (the parent loads no Django); SIGINT/SIGTERM reach all; exits when all have."""
    import signal
    import subprocess

    args = [*args, "--scheduler" if scheduler else "--no-scheduler"]
    children = [
        subprocess.Popen([sys.executable, "-m", "epiaid", "worker", "--concurrency", "1", *args])
        for _ in range(concurrency)
    ]

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    return max(child.wait() for child in children)


@click.command()
@click.option("--interval", default=5.0, show_default=True, type=float, help="seconds between ticks")
def scheduler(interval: float) -> None:
    """Enqueue scheduled jobs (e.g. the daily retention purge) while this process holds the lease."""
    import signal
    import threading

    setup_django()
    from epiaid.core.jobs.scheduler import load_schedules, run_scheduler
    from epiaid.core.jobs.worker import new_worker_id

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    for item in load_schedules().values():
        click.echo(f"schedule {item.name}: '{item.crontab}' -> {item.kind.name}")
    run_scheduler(new_worker_id(), stop, interval_s=interval)


@click.group()
def jobs() -> None:
    """Background jobs: list, show, retry, cancel (as the admin account named by --as)."""


def cli_actor(username: str = "") -> Any:
    """Who acts at the command line: the named account, or the operator as ``system:cli:<login>``.

    Every capability's CLI passes this to its services, which check and audit as for any actor.
    """
    import getpass

    from epiaid.core.actors import Actor

    if not username:
        return Actor.system(f"cli:{getpass.getuser()}")
    return Actor.of(_job_actor(username))


def _job_actor(username: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise click.ClickException(f"no account named {username!r}")
    return user


def _get_job(job_id: int) -> Job:
    from epiaid.core.jobs.models import Job

    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise click.ClickException(f"no job {job_id}")
    return job


@jobs.command("list")
@click.option("--status", default="", help="queued, running, succeeded, failed or cancelled")
@click.option("--kind", default="", help="e.g. repurposing.rank (a prefix matches)")
@click.option("--owner", default="", help="username or system actor")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
def jobs_list(status: str, kind: str, owner: str, limit: int) -> None:
    """Jobs, newest first, with their state and progress."""
    setup_django()
    from epiaid.core.jobs.models import Job
    from epiaid.core.jobs.service import filter_jobs
    from epiaid.core.jobs.worker import last_worker_seen, worker_alive

    if status and status not in Job.Status.values:
        raise click.ClickException(f"unknown status {status!r}: use one of {', '.join(Job.Status.values)}")
    for job in filter_jobs(Job.objects.all(), status=status, kind=kind, owner=owner)[:limit]:
        progress = f"{job.done}/{job.total}" if job.total else "-"
        click.echo(f"{job.pk:>6}  {job.kind:<24} {job.status:<10} {progress:>9}  {job.actor_label:<18} {job.message}")
    seen = last_worker_seen()
    if not worker_alive():
        click.echo(f"warning: no worker seen in the last minute (last: {seen or 'never'}); run `epiaid worker`")


@jobs.command("show")
@click.argument("job_id", type=int)
def jobs_show(job_id: int) -> None:
    """One job in full, as JSON (the error's traceback included)."""
    import json

    setup_django()
    from epiaid.core.jobs.service import as_dict

    job = _get_job(job_id)
    click.echo(json.dumps({**as_dict(job), "traceback": job.error}, ensure_ascii=False, indent=2))


@jobs.command("retry")
@click.argument("job_id", type=int)
@click.option("--as", "username", required=True, help="the account asking (its owner or an admin)")
def jobs_retry(job_id: int, username: str) -> None:
    """Run a failed or cancelled job again."""
    setup_django()
    from epiaid.core.jobs.service import JobError, retry

    try:
        job = retry(_get_job(job_id), actor=_job_actor(username))
    except JobError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"job {job.pk} queued again")


@jobs.command("cancel")
@click.argument("job_id", type=int)
@click.option("--as", "username", required=True, help="the account asking (its owner or an admin)")
def jobs_cancel(job_id: int, username: str) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    setup_django()
    from epiaid.core.jobs.service import JobError, cancel

    try:
        job = cancel(_get_job(job_id), actor=_job_actor(username))
    except JobError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"job {job.pk}: {job.status}" + (" (stopping at its next step)" if job.cancel_requested else ""))
