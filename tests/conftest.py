"""Fixtures shared by every capability's tests: roles, real data, a real ASGI server and Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from epiaid.core.roles import GROUP_ROLES, Role


def _reset_task_backends(*, setting: str, **_: Any) -> None:
    """A test that changes ``TASKS`` (``jobs_inline``) gets that backend, and the next test gets the
    queue back: django-tasks caches its backends on first use and, unlike Django 6's own ``tasks``,
    the backport does not listen for setting changes. Without this, the backend a worker process saw
    first (inline or queued) leaked into every later test there."""
    if setting != "TASKS":
        return
    from asgiref.local import Local
    from django_tasks import task_backends

    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)  # type: ignore[attr-defined]


def _listen_for_task_settings() -> None:
    from django.test.signals import setting_changed

    setting_changed.connect(_reset_task_backends, dispatch_uid="epiaid.tests.reset_task_backends")


_listen_for_task_settings()

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EPIAID_SHARED_DATA", REPO.parent / "shared" / "data"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data sets beside the checkout; tests that need them skip where they are absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not available: {SHARED_DATA} is absent (a fresh clone without ../shared)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """The SQLite test database is a file per xdist worker (see core/settings.py); make its folder."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        if db["ENGINE"].endswith("sqlite3"):
            Path(db["TEST"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _role_groups_outlive_flushes(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    """A transactional test ends by emptying every table, the role groups of the migrations too; put
    them back so a later test on the same xdist worker finds the database as migrated."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))
    if transactional:
        from epiaid.core.roles import ensure_role_groups

        with django_db_blocker.unblock():
            ensure_role_groups()


@pytest.fixture
def job_worker(transactional_db: Any) -> Iterator[None]:
    """django-tasks-db's worker loop in a thread of this process, running queued jobs as a worker would.

    A thread rather than a process so that a test's ``settings`` overrides (data folders, synthetic
    weights) reach the job; the queue's own tests run real worker processes (tests/core/test_jobs.py).
    """
    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0.05,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-thread",
        excluded_queue_names=[],
    )

    def run() -> None:
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="test-job-worker", daemon=True)
    thread.start()
    yield
    worker.running = False
    thread.join(timeout=60)


@pytest.fixture
def jobs_inline(settings: Any) -> None:
    """Jobs run at submission, in the submitting thread (django-tasks' ImmediateBackend): for tests of
    a capability's pages that need a finished job and no worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}
    settings.JOBS_HEARTBEAT_S = 3600.0


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    def make(*roles: Role | str, username: str | None = None) -> Any:
        name = username or ("user_" + "_".join(str(r) for r in roles) if roles else "user_none")
        user = get_user_model().objects.create_user(name, password="correct horse battery staple 42")
        for role in roles:
            if Role(role) is not Role.PUBLIC:
                group, _ = Group.objects.get_or_create(name=str(role))
                user.groups.add(group)
        return user

    return make


@pytest.fixture
def client_as(make_user: Callable[..., Any]) -> Callable[..., Client]:
    """A test client signed in with exactly the given roles (``public`` means anonymous)."""

    def make(*roles: Role | str) -> Client:
        client = Client()
        if roles and not (len(roles) == 1 and Role(roles[0]) is Role.PUBLIC):
            client.force_login(make_user(*roles))
        return client

    return make


ALL_ROLES: tuple[Role, ...] = (Role.PUBLIC, *GROUP_ROLES)

_DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_setup",
    "client",
    "admin_client",
    "admin_user",
    "live_server",
    "django_user_model",
    "make_user",
    "client_as",
    "asgi_server",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, run only tests that touch the database: the rest already ran on SQLite
    and cannot behave differently (keeps CI's two passes inside its time budget)."""
    if not os.environ.get("EPIAID_DATABASE_URL", "").startswith(("postgres", "postgresql")):
        return
    keep, drop = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") is not None or bool(
            _DB_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def asgi_server(transactional_db: Any) -> Iterator[str]:
    """The real ASGI app served by uvicorn on a loopback port, sharing the test database."""
    import uvicorn

    from epiaid.core.asgi import application

    port = _free_port()
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; `make test` installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def wait_in_page(page: Any, expression: str, timeout_s: float = 30.0) -> Any:
    """Poll a JavaScript expression from the test until it is truthy.

    Not ``page.wait_for_function``: once its first check fails it polls with an in-page eval, which our
    Content Security Policy forbids (no 'unsafe-eval'), so it passed or failed by timing alone.
    ``page.evaluate`` runs through the DevTools protocol, which the CSP does not govern.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting in the page for: {expression}")
        time.sleep(0.05)


@pytest.fixture
def page(chromium_browser: Any) -> Iterator[Any]:
    """A fresh browser page that records every request it makes (to prove nothing leaves localhost)."""
    context = chromium_browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requests_seen = []  # type: ignore[attr-defined]
    page.on("request", lambda req: page.requests_seen.append(req.url))
    yield page
    context.close()
