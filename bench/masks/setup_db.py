"""Create the benchmark database: the union of the real outlet lists plus daily-cycle stock (demo loader)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    shared = Path(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiaid.core.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from epiaid.masks.demo import load_demo

    print(load_demo(shared, print))


if __name__ == "__main__":
    main()
