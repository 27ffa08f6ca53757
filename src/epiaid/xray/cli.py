"""``epiaid xray …``: batch prediction, a site check of the operating point, single reads, the C-STORE
receiver, and training.

Imports stay inside commands so ``epiaid --help`` never loads ONNX Runtime or PyTorch.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(
    help="Chest X-ray triage: predict, check-site, read, receive (C-STORE), train, sites.", no_args_is_help=True
)

PREDICT_COLUMNS = ["file", "p_pneumonia", "p_covid", "severity_extent", "severity_opacity", "flag"]
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".dcm", ".dicom", ""}


def _image_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
    )


@app.command()
def predict(
    images: Path = typer.Option(..., exists=True, file_okay=False, help="folder of PNG/JPEG/DICOM files"),
    out: Path = typer.Option(..., help="CSV to write"),
    threads: int = typer.Option(1, help="ONNX Runtime threads"),
) -> None:
    """Score every image in a folder; unreadable or rejected files are reported on stderr and skipped."""
    from rich.progress import track

    from epiaid.xray.engine.imaging import ImageRejected, load_path
    from epiaid.xray.engine.infer import Predictor

    predictor = Predictor(threads=threads)
    files = _image_files(images)
    if not files:
        raise typer.BadParameter(f"no image files under {images}")
    written = skipped = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(PREDICT_COLUMNS)
        for path in track(files, description="scoring", console=_stderr_console()):
            rel = path.relative_to(images).as_posix()
            try:
                p = predictor.run(load_path(path))
            except ImageRejected as exc:
                typer.echo(f"skipped {rel}: {exc.code}: {exc.reason}", err=True)
                skipped += 1
                continue
            writer.writerow(
                [
                    rel,
                    f"{p.p_pneumonia:.5f}",
                    f"{p.p_covid:.5f}",
                    f"{p.severity_extent:.3f}",
                    f"{p.severity_opacity:.3f}",
                    int(p.flag),
                ]
            )
            written += 1
    typer.echo(f"wrote {written} rows to {out}; skipped {skipped} file(s)", err=True)


@app.command("check-site")
def check_site(
    predictions: Path = typer.Option(..., exists=True, dir_okay=False, help="CSV written by `epiaid xray predict`"),
    labels: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="CSV with file,pneumonia (1 abnormal, 0 normal)"
    ),
    sensitivity: float = typer.Option(0.95, help="the sensitivity the local threshold must keep"),
) -> None:
    """What the shipped pneumonia threshold does on this site's labelled films, and the local threshold
    that keeps the target sensitivity. Prints JSON; changes nothing in the model."""
    import pandas as pd

    from epiaid.xray.engine.infer import model_metadata
    from epiaid.xray.engine.site import SiteCheckError
    from epiaid.xray.engine.site import check_site as run_check

    meta = model_metadata()
    try:
        pred, lab = (pd.read_csv(f, dtype={"file": str}, keep_default_na=False) for f in (predictions, labels))
        result = run_check(pred, lab, float(meta["operating_point"]["p_pneumonia_threshold"]), sensitivity)
    except (SiteCheckError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        typer.echo(f"cannot check the site: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(result.as_dict(), indent=1))


def _stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(file=sys.stderr)


@app.command()
def read(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    json_out: Path | None = typer.Option(None, "--json", help="write the structured result here"),
    heatmap: Path | None = typer.Option(None, help="write the heatmap overlay PNG here"),
    secondary_capture: Path | None = typer.Option(None, "--sc", help="write a DICOM Secondary Capture here"),
    structured_report: Path | None = typer.Option(None, "--sr", help="write a DICOM Comprehensive SR here"),
) -> None:
    """Read one image and print the structured result (exit code 2 with the reason when rejected)."""
    from epiaid.xray.engine.imaging import ImageRejected
    from epiaid.xray.engine.pipeline import read_image
    from epiaid.xray.engine.report import heatmap_png
    from epiaid.xray.engine.report import secondary_capture as make_sc

    try:
        r = read_image(file.read_bytes(), file.name)
    except ImageRejected as exc:
        typer.echo(f"rejected: {exc.code}: {exc.reason}", err=True)
        raise typer.Exit(2) from exc
    text = json.dumps({k: v for k, v in r.result.items() if k != "heatmap"}, indent=2, ensure_ascii=False)
    typer.echo(text)
    if json_out:
        json_out.write_text(json.dumps(r.result, ensure_ascii=False), encoding="utf-8")
    if heatmap:
        heatmap.write_bytes(heatmap_png(r.prediction, r.image.pixels))
    if secondary_capture:
        secondary_capture.write_bytes(make_sc(r.prediction, r.image))
    if structured_report:
        structured_report.write_bytes(_sr_bytes(r, file))


def _sr_bytes(r: Any, file: Path) -> bytes:
    """SR of a fresh read: the DICOM header as evidence, or hash-derived stand-in UIDs for PNG/JPEG."""
    import hashlib

    from epiaid.xray.engine.infer import default_predictor
    from epiaid.xray.engine.sr import stand_in_source, structured_report, values_of

    source = r.image.dataset
    if source is None:
        source = stand_in_source(hashlib.sha256(file.read_bytes()).hexdigest())
    return structured_report(values_of(r.prediction, default_predictor().threshold), source)


@app.command()
def receive(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(11112),
    ae_title: str = typer.Option("EPIAID_XRAY"),
) -> None:
    """Run the C-STORE receiver: every pushed object is scored and put on the worklist."""
    import threading

    from epiaid.core.cli import setup_django

    setup_django()
    from epiaid.xray import services
    from epiaid.xray.engine.receiver import start_receiver

    server = start_receiver(services.ingest_from_cstore, host, port, ae_title)
    typer.echo(f"C-STORE receiver {ae_title} listening on {host}:{port} (Ctrl-C to stop)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


@app.command()
def send(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(11112),
    ae_title: str = typer.Option("EPIAID_XRAY"),
) -> None:
    """Push one DICOM file to a C-STORE receiver (a tiny storage SCU for testing a set-up)."""
    from epiaid.xray.engine.receiver import send_file

    status = send_file(file.read_bytes(), host, port, ae_title)
    typer.echo(f"C-STORE status 0x{status:04X}")
    if status != 0:
        raise typer.Exit(1)


@app.command()
def train(
    data: Path = typer.Option(..., exists=True, file_okay=False, help="the cxr data directory"),
    work: Path = typer.Option(Path("var/xray-train"), help="where runs and evaluation go"),
    epochs: int = typer.Option(30),
    threads: int = typer.Option(1),
    runs: str = typer.Option("cv,loso,final"),
    seeds: str = typer.Option("20200220,1,2", help="one ensemble member per seed"),
) -> None:
    """Train (CV, leave-one-source-out, final), evaluate, and export the ONNX model into weights/."""
    from epiaid.xray.engine import evaluate, export
    from epiaid.xray.engine import train as trainer

    recipe = ["--epochs", str(epochs), "--threads", str(threads), "--runs", runs, "--seeds", seeds]
    trainer.main(["--data", str(data), "--out", str(work), *recipe])
    evaluate.main(["--data", str(data), "--out", str(work)])
    export.main(["--data", str(data), "--out", str(work)])


@app.command("train-orientation")
def train_orientation(
    data: Path = typer.Option(..., exists=True, file_okay=False, help="the cxr data directory"),
    out: Path | None = typer.Option(None, help="JSON to write (default: the shipped weights/orientation.json)"),
    c: float = typer.Option(0.03, help="inverse L2 regularisation strength"),
    max_false_rejection: float = typer.Option(0.005, help="out-of-fold false-rejection target for upright films"),
) -> None:
    """Train the upright/rotated check (patient-grouped 5-fold CV, threshold out of fold) and write its JSON."""
    from epiaid.xray.engine import orientation

    cv = orientation.train(data, out or orientation.WEIGHTS_FILE, c, max_false_rejection)
    typer.echo(json.dumps(cv, indent=2))


@app.command("site")
def site(
    code: str = typer.Argument(..., help="short and stable, e.g. north-er"),
    name: str = typer.Option("", help="e.g. 'North hospital, emergency'"),
    member: list[str] = typer.Option([], help="a clinician's user name (repeatable)"),
    ae: list[str] = typer.Option([], help="a calling AE title whose C-STORE pushes belong here (repeatable)"),
) -> None:
    """Create or update a site: its clinicians read (only) its studies; its AE titles' pushes land in it."""
    from epiaid.core.cli import setup_django

    setup_django()
    from epiaid.core.actors import SYSTEM_CLI
    from epiaid.core.errors import EpiaidError
    from epiaid.xray import services

    try:
        done = services.configure_site(SYSTEM_CLI, code, name, members=member, ae_titles=ae)
    except EpiaidError as exc:
        raise typer.BadParameter(exc.message) from None
    typer.echo(f"site {done.code}: {done.name}")


@app.command("sites")
def sites() -> None:
    """Every site with its clinicians, AE titles and number of studies."""
    from epiaid.core.cli import setup_django

    setup_django()
    from epiaid.core.actors import SYSTEM_CLI
    from epiaid.xray import services

    for row in services.sites_overview(SYSTEM_CLI):
        typer.echo(
            f"{row['code']:<20} {row['studies']:>6} studies  members: {', '.join(row['members']) or '-'}  "
            f"AE: {', '.join(row['ae_titles']) or '-'}  ({row['name']})"
        )
