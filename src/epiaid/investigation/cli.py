"""``epiaid investigate …``: science commands (no Django) plus the retention purge (Django)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Epidemiological-investigation analytics.", no_args_is_help=True)


@app.command("rank-infectors")
def rank_infectors(
    ds4c: Annotated[Path, typer.Option(help="DS4C dataset folder (PatientInfo.csv, PatientRoute.csv)")],
    out: Annotated[Path, typer.Option(help="CSV to write: patient_id,candidate_id,rank,score")],
    top: Annotated[int, typer.Option(min=1, max=50)] = 10,
) -> None:
    """Rank candidate infectors for every case with routes, no recorded infector and a contact infection."""
    from rich.console import Console

    from epiaid.investigation.engine.infector import DS4C, rank_blank_cases

    console = Console(stderr=True)
    with console.status("loading DS4C and training on the known links…"):
        data = DS4C.load(ds4c)
        ranked = rank_blank_cases(data, top=top)
    out.parent.mkdir(parents=True, exist_ok=True)
    ranked.to_csv(out, index=False, float_format="%.6f")
    console.print(f"wrote {len(ranked)} rows for {ranked['patient_id'].nunique()} cases to {out}")


@app.command("evaluate-infectors")
def evaluate_infectors(
    ds4c: Annotated[Path, typer.Option(help="DS4C dataset folder")],
    blocks: Annotated[int, typer.Option(min=3, help="date blocks (rolling origins = blocks - 1)")] = 5,
    seed: int = 0,
    out: Annotated[Path | None, typer.Option(help="folder for report.json and topk.png")] = None,
) -> None:
    """Naive rule / current model / new model under random CV, time-ordered and time-ordered +
    cluster-grouped evaluation (the last is the headline): top-1, top-5, MRR."""
    from epiaid.investigation.engine.infector import DS4C, PROTOCOLS, evaluation_report, plot_curves

    report = evaluation_report(DS4C.load(ds4c), blocks=blocks, seed=seed)
    typer.echo(f"{'protocol':34} {'model':8} {'cases':>5} {'top-1':>6} {'top-5':>6} {'MRR':>6}")
    for proto, rows in report["protocols"].items():
        for name, m in rows.items():
            typer.echo(
                f"{PROTOCOLS[proto]:34} {name:8} {m['cases']:5d} {m['top1']:6.1%} {m['top5']:6.1%} {m['mrr']:6.3f}"
            )
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(report, indent=1, default=str))
        typer.echo(f"report → {out / 'report.json'}; chart → {plot_curves(report, out / 'topk.png')}")


@app.command("staypoints")
def staypoints_cmd(
    source: Annotated[Path, typer.Argument(help="ping CSV, Parquet, a GeoLife folder or a .plt file")],
    out: Annotated[Path, typer.Option(help="CSV of staypoints")],
    trackintel: Annotated[bool, typer.Option(help="trackintel-compatible settings (25 m, 5 min, no gap)")] = False,
    tz: Annotated[str | None, typer.Option(help="zone of naive timestamps, e.g. Asia/Seoul")] = None,
) -> None:
    """Detect staypoints (and write trips beside them as ``<out>.trips.csv``)."""
    from epiaid.investigation.engine.staypoints import StaypointParams, staypoints, trips

    pings = _read_any(source, tz)
    params = StaypointParams.trackintel() if trackintel else StaypointParams()
    stays = staypoints(pings, params)
    stays.to_csv(out, index=False)
    trips(stays).to_csv(out.with_suffix(".trips.csv"), index=False)
    typer.echo(f"{len(stays)} staypoints of {stays['pid'].nunique()} people → {out}")


@app.command("synth")
def synth_cmd(
    out: Annotated[Path, typer.Option(help="store folder to write (date-partitioned Parquet)")],
    people: int = 1000,
    days: int = 1,
    seed: int = 7,
) -> None:
    """Generate a seeded synthetic population with planted index cases and contacts."""
    from epiaid.investigation.engine.synth import SynthConfig, write_population

    n, truth = write_population(SynthConfig(n_people=people, days=days, seed=seed), out)
    (out / "truth.json").write_text(
        json.dumps(
            {
                "index_pids": truth.index_pids,
                "contacts": {k: sorted(v) for k, v in truth.contacts.items()},
                "day_start_ts": truth.day_start_ts,
            },
            indent=1,
        )
    )
    typer.echo(f"{n} pings of {people} people → {out}")


@app.command("contacts")
def contacts_cmd(
    store: Annotated[Path, typer.Argument(help="ping store folder (date=YYYY-MM-DD/*.parquet)")],
    index: Annotated[list[str], typer.Option(help="index person id (repeatable)")],
    start: Annotated[str, typer.Option(help="window start, ISO 8601 with zone")],
    end: Annotated[str, typer.Option(help="window end, ISO 8601 with zone")],
    out: Annotated[Path, typer.Option(help="CSV to write")],
    radius_m: float = 10.0,
    min_minutes: float = 15.0,
    engine: str = "duckdb",
) -> None:
    """Contacts of index people with exposure minutes (DuckDB by default, ``--engine spark``)."""
    import pandas as pd

    from epiaid.investigation.engine.analytics import contacts
    from epiaid.investigation.engine.backends import make_backend
    from epiaid.investigation.engine.sql import ContactParams

    t0, t1 = (int(pd.Timestamp(x).timestamp()) for x in (start, end))
    backend = make_backend(engine)
    backend.register_store("pings", store)
    found = contacts(backend, index, t0, t1, ContactParams(radius_m=radius_m, min_minutes=min_minutes))
    found.to_csv(out, index=False)
    typer.echo(f"{len(found)} contacts → {out}")


@app.command("purge")
def purge_cmd(dry_run: Annotated[bool, typer.Option(help="list what would be deleted")] = False) -> None:
    """Delete every investigation's data past its retention deadline (with a deletion record)."""
    from epiaid.core.cli import setup_django

    setup_django()
    from epiaid.investigation.services import purge_expired

    for line in purge_expired(dry_run=dry_run):
        typer.echo(line)


def _read_any(source: Path, tz: str | None):  # type: ignore[no-untyped-def]
    from epiaid.investigation.engine import readers

    if source.is_dir():
        return readers.read_geolife_dir(source)
    if source.suffix == ".plt":
        return readers.read_geolife_plt(source)
    if source.suffix == ".parquet":
        return readers.read_ping_parquet(source, assume_tz=tz)
    if source.name.endswith(".txt.gz"):
        return readers.read_skmob_sample(source)
    return readers.read_ping_csv(source, assume_tz=tz)
