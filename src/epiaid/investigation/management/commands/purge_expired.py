"""``epiaid manage purge_expired``: delete investigation data past its retention deadline (run daily)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from epiaid.investigation.services import purge_expired


class Command(BaseCommand):
    help = "Delete investigation ping data past its retention deadline, leaving a deletion record."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        lines = purge_expired(dry_run=options["dry_run"])
        for line in lines or ["nothing past its retention deadline"]:
            self.stdout.write(line)
