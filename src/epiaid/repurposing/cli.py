"""``epiaid repurpose``: train, evaluate, predict, rank, dock.

Heavy modules (RDKit, LightGBM, Vina) are imported inside the commands so that ``epiaid --help``
stays instant and no Django set-up is ever needed.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import typer

app = typer.Typer(help="Drug–target interaction model, repurposing ranking and docking.", no_args_is_help=True)

BENCH_HELP = "davis (pKd) or kiba (KIBA score)"
DATA_HELP = "folder holding davis/ and kiba/ (default ../shared/data/dti)"


def _data(data: Path | None) -> Path:
    from epiaid.repurposing.engine.data import default_data_dir

    return data or default_data_dir()


def _check_benchmark(benchmark: str) -> str:
    if benchmark not in ("davis", "kiba"):
        raise typer.BadParameter(f"unknown benchmark {benchmark!r}: use davis or kiba")
    return benchmark


def _console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True)


@app.command()
def train(
    benchmark: str = typer.Option(..., help=BENCH_HELP, callback=_check_benchmark),
    data: Path | None = typer.Option(None, help=DATA_HELP),
    modes: str = typer.Option("pair", help="comma list of pair,both,drug,target (inner-fold settings)"),
    members: int = typer.Option(3, help="ensemble members (their spread is the uncertainty)"),
    rounds: int | None = typer.Option(None, help="boosting rounds per member"),
    seed: int = typer.Option(0),
    threads: int = typer.Option(1, help="LightGBM threads"),
    out: Path | None = typer.Option(None, help="weights root (default: the shipped weights folder)"),
) -> None:
    """Train on all of train.csv with a fixed seed and save weights plus MODEL_CARD.md."""
    from epiaid.repurposing.engine.training import train_benchmark

    console = _console()
    command = "epiaid repurpose " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    summary = train_benchmark(
        _data(data),
        benchmark,
        modes=tuple(m.strip() for m in modes.split(",")),
        members=members,
        rounds=rounds,
        seed=seed,
        threads=threads,
        out=out,
        command=command,
        progress=console.log,
    )
    for mode, s in summary["modes"].items():
        console.print(f"{benchmark}/{mode}: {s['cpu_minutes']:.2f} CPU-minutes, {s['size_bytes'] / 1e6:.2f} MB")


@app.command()
def evaluate(
    benchmark: str = typer.Option(..., help=BENCH_HELP, callback=_check_benchmark),
    data: Path | None = typer.Option(None, help=DATA_HELP),
    settings: str = typer.Option("random,unseen_drug,unseen_target", help="comma list of CV settings"),
    members: int = typer.Option(1),
    rounds: int | None = typer.Option(None),
    max_folds: int | None = typer.Option(None, help="stop after this many folds (quick look)"),
    seed: int = typer.Option(0),
    threads: int = typer.Option(1),
    out: Path | None = typer.Option(None, help="weights root whose <benchmark>/cv_metrics.json is updated"),
    no_cache: bool = typer.Option(False, help="retrain every fold instead of resuming from the saved folds"),
) -> None:
    """5-fold CV (CI, MSE): DeepDTA's folds, unseen drugs, unseen targets."""
    from epiaid.repurposing.engine.data import load_benchmark, state_dir
    from epiaid.repurposing.engine.evaluate import cross_validate
    from epiaid.repurposing.engine.training import DEFAULT_ROUNDS, WEIGHTS_DIR, refresh_model_card

    console = _console()
    bench = load_benchmark(_data(data), benchmark)
    folder = (out or WEIGHTS_DIR) / benchmark
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cv_metrics.json"
    stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    for setting in (s.strip() for s in settings.split(",")):
        r = cross_validate(
            bench,
            setting,
            members=members,
            rounds=rounds or DEFAULT_ROUNDS[benchmark],
            seed=seed,
            threads=threads,
            max_folds=max_folds,
            progress=console.log,
            cache_dir=None if no_cache else state_dir() / "cv",
        )
        stored[setting] = r
        path.write_text(json.dumps(stored, indent=2), encoding="utf-8")
        console.print(
            f"{benchmark} {setting}: CI {r['ci_mean']:.4f} ± {r['ci_sd']:.4f}, "
            f"MSE {r['mse_mean']:.4f} ± {r['mse_sd']:.4f} ({len(r['folds'])} folds)"
        )
    console.print(f"wrote {path}")
    card = refresh_model_card(benchmark, out)
    if card:
        console.print(f"updated {card}")


@app.command()
def predict(
    benchmark: str = typer.Option(..., help=BENCH_HELP, callback=_check_benchmark),
    data: Path | None = typer.Option(None, help=DATA_HELP),
    out: Path = typer.Option(..., help="CSV to write: drug_id,protein_id,prediction"),
    weights: Path | None = typer.Option(None, help="weights root (default: shipped weights)"),
) -> None:
    """Predict every pair of the benchmark's test_pairs.csv with the shipped weights (no training)."""
    from epiaid.repurposing.services import predict_test_pairs

    console = _console()
    frame, seconds = predict_test_pairs(benchmark, _data(data), weights)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    frame.to_csv(partial, index=False)
    partial.replace(out)  # never a half-written predictions file under the final name
    console.print(f"wrote {len(frame)} predictions to {out} in {seconds:.1f} s")


@app.command()
def rank(
    targets: Path | None = typer.Option(None, help="protein FASTA (default: SARS-CoV-2 proteins)"),
    library: Path | None = typer.Option(None, help="SMILES library CSV/.smi (default: approved drugs)"),
    benchmark: str = typer.Option(
        "kiba", help="model to apply (kiba: more diverse chemistry)", callback=_check_benchmark
    ),
    data: Path | None = typer.Option(None, help=DATA_HELP),
    out: Path = typer.Option(Path("repurposing_run"), help="folder for ranking.csv, report.html, …"),
    top: int = typer.Option(25, help="drugs per target in the report"),
    weights: Path | None = typer.Option(None),
) -> None:
    """Rank a drug library against targets; writes ranking.csv, problems.csv, landmarks.csv, report.html."""
    from rich.progress import Progress

    from epiaid.repurposing.engine import rank as R

    d = _data(data)
    with Progress(console=_console()) as bar:
        task = bar.add_task("scoring drugs", total=None)
        result = R.rank(
            targets or d / "sars_cov_2" / "sars_cov_2_proteins.fasta",
            library or d / "drugs" / "drugbank_approved_admet_ai.csv",
            d,
            benchmark=benchmark,
            weights_root=weights,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    paths = R.write_outputs(result, out, top=top)
    console = _console()
    for p in result.problems[:20]:
        console.print(f"skipped {p.source} row {p.row} ({p.field}): {p.reason}")
    marks = R.landmarks(result)
    if not marks.empty:
        console.print(marks.to_string(index=False))
    console.print(f"report: {paths['report']}")


@app.command()
def dock(
    ranking: Path | None = typer.Option(None, help="ranking.csv from `rank` (shortlist source)"),
    target: str = typer.Option("3CL", help="target name (substring) whose shortlist to dock"),
    top: int = typer.Option(20, help="shortlist size"),
    include: str = typer.Option("", help="comma list of reference drugs (names or ids) docked as well"),
    library: Path | None = typer.Option(None, help="or a SMILES library to dock as a whole"),
    pdb: Path | None = typer.Option(None, help="receptor PDB (default 6lu7.pdb)"),
    receptor_chains: str = typer.Option("A"),
    ligand_chain: str = typer.Option("C", help="chain of the co-crystallised ligand that defines the box"),
    exhaustiveness: int = typer.Option(8),
    time_limit: float = typer.Option(300.0, help="seconds per drug"),
    workers: int = typer.Option(2),
    seed: int = typer.Option(0),
    data: Path | None = typer.Option(None, help=DATA_HELP),
    out: Path = typer.Option(Path("docking_run"), help="results folder (resumable)"),
) -> None:
    """Dock a shortlist with AutoDock Vina in the co-crystal ligand's box; resumes an interrupted run."""
    from epiaid.repurposing.services import run_docking

    console = _console()
    from tqdm import tqdm

    d = _data(data)
    bar = tqdm(desc="docking", unit="drug")
    table = run_docking(
        ranking=ranking,
        target=target,
        top=top,
        library=library,
        include=tuple(include.split(",")) if include else (),
        pdb=pdb or d / "structures" / "6lu7.pdb",
        receptor_chains=receptor_chains,
        ligand_chain=ligand_chain,
        exhaustiveness=exhaustiveness,
        time_limit_s=time_limit,
        workers=workers,
        seed=seed,
        out=out,
        on_result=lambda _r: bar.update(1),
        on_total=lambda n: setattr(bar, "total", n),
    )
    bar.close()
    console.print(table.to_string(index=False, max_rows=50))
    console.print(f"results: {out / 'docking_ranked.csv'}")
