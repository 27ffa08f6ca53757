"""Training CPU-minutes per benchmark (from the shipped model.json files) against the 60-minute budget."""

from __future__ import annotations

import json

from epiaid.repurposing.engine.training import WEIGHTS_DIR

BUDGET_MIN = 60.0


def main() -> None:
    for bench in ("davis", "kiba"):
        total = 0.0
        for meta_path in sorted((WEIGHTS_DIR / bench).glob("*/model.json")):
            info = json.loads(meta_path.read_text(encoding="utf-8"))["info"]
            minutes = info["cpu_seconds"] / 60
            total += minutes
            print(
                f"[training] {bench}/{meta_path.parent.name}: {minutes:.1f} CPU-min "
                f"({info['members']} members × {info['rounds']} rounds, {info.get('threads', 1)} thread(s), "
                f"wall {info.get('wall_seconds', 0) / 60:.1f} min) = {minutes / BUDGET_MIN:.2f} × budget"
            )
        print(
            f"[training] {bench} all shipped modes: {total:.1f} CPU-min = {total / BUDGET_MIN:.2f} × the "
            f"60 CPU-min budget"
        )


if __name__ == "__main__":
    main()
