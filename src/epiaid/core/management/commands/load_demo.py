"""Load demo data for every capability and create the demo admin.

Each capability may provide ``epiaid.<capability>.demo.load_demo(shared: Path | None, log)``; it gets
the real data directory when ``../shared/data`` exists (and ``--synthetic`` is not given), otherwise
``None`` and generates its own seeded data.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser

from epiaid.core.capabilities import capability_modules
from epiaid.core.roles import GROUP_ROLES, ensure_role_groups


class Command(BaseCommand):
    help = "Load demo data for every capability and create a demo admin (password printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--synthetic", action="store_true", help="ignore ../shared/data")
        parser.add_argument("--no-admin", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_role_groups()
        shared: Path | None = settings.SHARED_DATA_DIR
        if options["synthetic"] or shared is None or not shared.is_dir():
            shared = None
        source = f"real data from {shared}" if shared else "generated demo data"
        self.stdout.write(f"Loading {source}")
        for cap, module in capability_modules("demo"):
            summary = module.load_demo(shared, self.stdout.write)
            self.stdout.write(f"  {cap.slug}: {summary}")
        if not options["no_admin"]:
            self._demo_admin()

    def _demo_admin(self) -> None:
        users = get_user_model()
        if users.objects.filter(username="admin").exists():
            self.stdout.write("Demo admin 'admin' already exists (password shown when it was created).")
            return
        password = secrets.token_urlsafe(12)
        admin = users.objects.create_superuser("admin", "admin@example.invalid", password)
        admin.groups.set(Group.objects.filter(name__in=[r.value for r in GROUP_ROLES]))
        self.stdout.write(
            self.style.SUCCESS(f"Demo admin created — username: admin  password: {password}  (shown only this once)")
        )
