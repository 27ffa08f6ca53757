"""One-command training of the shipped weights, with a model card written beside them."""

from __future__ import annotations

import datetime as dt
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from epiaid.repurposing.engine.data import benchmark_dir, load_benchmark
from epiaid.repurposing.engine.model import DTIModel, file_sha256

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
#: Settings shipped per benchmark: ``pair`` answers test_pairs.csv, ``both`` ranks new drugs on new targets.
DEFAULT_ROUNDS = {"davis": 600, "kiba": 800}


def weights_for(benchmark: str, mode: str, root: Path | None = None) -> Path:
    return (root or WEIGHTS_DIR) / benchmark / mode


def train_benchmark(
    data_dir: Path,
    benchmark: str,
    *,
    modes: tuple[str, ...] = ("pair",),
    members: int = 3,
    rounds: int | None = None,
    seed: int = 0,
    threads: int = 1,
    out: Path | None = None,
    command: str = "",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Train every requested mode on all of train.csv and save it; returns what the card says."""
    say = progress or (lambda _m: None)
    bench = load_benchmark(data_dir, benchmark)
    train_csv = benchmark_dir(data_dir, benchmark) / "train.csv"
    sha = file_sha256(train_csv)
    summary: dict[str, Any] = {"benchmark": benchmark, "modes": {}}
    for mode in modes:
        t_wall = time.perf_counter()
        model = DTIModel.fit(
            benchmark,
            bench.drugs,
            bench.proteins,
            bench.train,
            mode=mode,
            members=members,
            rounds=rounds or DEFAULT_ROUNDS[benchmark],
            seed=seed,
            threads=threads,
            progress=lambda m: say(f"[{benchmark}/{mode}] {m}"),  # noqa: B023 (used at once)
        )
        folder = weights_for(benchmark, mode, out)
        model.save(
            folder,
            extra={
                "train_csv_sha256": sha,
                "wall_seconds": time.perf_counter() - t_wall,
                "threads": threads,
                "trained_at": dt.datetime.now(dt.UTC).isoformat(),
                "command": command,
            },
        )
        size = sum(p.stat().st_size for p in folder.iterdir())
        summary["modes"][mode] = {
            "cpu_minutes": model.info["cpu_seconds"] / 60,
            "size_bytes": size,
            "wall_minutes": (time.perf_counter() - t_wall) / 60,
        }
        say(
            f"[{benchmark}/{mode}] saved to {folder} ({size / 1e6:.1f} MB, "
            f"{model.info['cpu_seconds'] / 60:.1f} CPU-min)"
        )
    refresh_model_card(benchmark, out)  # the card covers every saved mode, not only this run's
    return summary


def refresh_model_card(benchmark: str, root: Path | None = None) -> Path | None:
    """Rewrite MODEL_CARD.md from the saved model.json files (after ``evaluate`` added CV metrics)."""
    folder = (root or WEIGHTS_DIR) / benchmark
    summary: dict[str, Any] = {"benchmark": benchmark, "modes": {}}
    command, sha = "", ""
    for meta_path in sorted(folder.glob("*/model.json")):
        info = json.loads(meta_path.read_text(encoding="utf-8"))["info"]
        size = sum(p.stat().st_size for p in meta_path.parent.iterdir())
        summary["modes"][meta_path.parent.name] = {
            "cpu_minutes": info["cpu_seconds"] / 60,
            "wall_minutes": info.get("wall_seconds", 0.0) / 60,
            "size_bytes": size,
            "command": info.get("command", ""),
            "seed": info.get("seed", 0),
            "members": info.get("members", 0),
            "rounds": info.get("rounds", 0),
        }
        command, sha = info.get("command", ""), info.get("train_csv_sha256", "")
    if not summary["modes"]:
        return None
    return write_model_card(benchmark, summary, command, root, sha)


def write_model_card(benchmark: str, summary: dict[str, Any], command: str, root: Path | None, sha: str) -> Path:
    """MODEL_CARD.md: data, exact command, CV metrics (from cv_metrics.json when evaluated), date."""
    folder = (root or WEIGHTS_DIR) / benchmark
    cv_path = folder / "cv_metrics.json"
    cv = json.loads(cv_path.read_text(encoding="utf-8")) if cv_path.is_file() else {}
    lines = [
        f"# Model card: {benchmark.upper()} drug–target affinity model",
        "",
        f"- **Date:** {dt.date.today().isoformat()} (python {platform.python_version()})",
        f"- **Data:** DeepDTA's {benchmark.upper()} split, `../shared/data/dti/{benchmark}/train.csv` "
        f"(sha256 `{sha[:16]}…`), all five training folds. Units: "
        + ("pKd = −log10(Kd / 1e9)." if benchmark == "davis" else "KIBA score."),
        "- **Model:** ensemble of LightGBM regressors on out-of-fold kernel-neighbour affinity features "
        "(drug/target means, Tanimoto- and 3-mer-cosine-weighted neighbour affinities, SimBoost/KronRLS "
        "style), Morgan-fingerprint and 3-mer SVD embeddings, RDKit descriptors, amino-acid composition.",
        "- **Memory:** the neighbour features read the training affinities from the data folder at "
        "prediction time (nothing is fitted then); the data themselves are not shipped.",
        "- **Commands:** one per shipped mode (seeded; reproducible with one thread), see the table below.",
        "- **Modes:** `pair` (random-pair setting, used by `predict`), `both` where present "
        "(inner folds hold "
        "out drugs and targets together; used by `rank` for new viral targets and new drugs).",
        "",
        "## Training cost",
        "",
        "| mode | command | members × rounds | seed | CPU-minutes | wall minutes | size (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode, s in summary["modes"].items():
        lines.append(
            f"| {mode} | `{s.get('command') or command}` | {s.get('members', '?')} × {s.get('rounds', '?')} | "
            f"{s.get('seed', 0)} | {s['cpu_minutes']:.1f} | {s['wall_minutes']:.1f} | {s['size_bytes'] / 1e6:.2f} |"
        )
    lines += ["", "## Cross-validation (train.csv)", ""]
    if cv:
        lines += [
            "| setting | CI (mean ± sd) | MSE (mean ± sd) | pooled CI | folds | members | rounds | command |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for setting, r in cv.items():
            folds = len(r["folds"])
            cmd = f"epiaid repurpose evaluate --benchmark {benchmark} --settings {setting} --members {r['members']}" + (
                f" --max-folds {folds}" if folds < 5 else ""
            )
            lines.append(
                f"| {setting} | {r['ci_mean']:.4f} ± {r['ci_sd']:.4f} | {r['mse_mean']:.4f} ± "
                f"{r['mse_sd']:.4f} | {r['ci_pooled']:.4f} | {folds} | {r['members']} | "
                f"{r['rounds']} | `{cmd}` |"
            )
        lines += [
            "",
            "Random: DeepDTA's five training folds; unseen_drug / unseen_target: whole drugs / targets held out"
            " (seeded groups). Folds fewer than 5 mean the run was cut short for CPU time.",
        ]
    else:
        lines.append("Not evaluated yet: run `epiaid repurpose evaluate --benchmark " + benchmark + "`.")
    lines += [
        "",
        "Published anchors on the held-back test fold (CI, DAVIS / KIBA): DeepDTA 0.878 / 0.863, "
        "MT-DTI 0.887 / 0.882, GraphDTA 0.893 / 0.891. Our numbers above are cross-validation on the "
        "training folds, not the test fold (its labels are held back).",
        "",
    ]
    folder.mkdir(parents=True, exist_ok=True)
    card = folder / "MODEL_CARD.md"
    card.write_text("\n".join(lines), encoding="utf-8")
    return card
