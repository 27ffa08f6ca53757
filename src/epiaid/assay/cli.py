"""``epiaid assay …``: design a multiplex panel, score existing assays, tile amplicons.

Imports nothing heavy at module load: the science modules are imported inside each command.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="RT-PCR assay design from viral genomes, with inclusivity surveillance.", no_args_is_help=True)

NEIGHBOURS_IN_SHARED = Path("assay/near_neighbours/coronavirus_near_neighbours.fasta")


def default_neighbours(reference_name: str) -> Path | None:
    """For SARS-CoV-2 references, the near-neighbour set beside the checkout when it is there."""
    from epiaid.assay.engine.genes import SARS_COV_2_PREFIXES

    if not reference_name.startswith(SARS_COV_2_PREFIXES):
        return None
    roots = [Path(os.environ["EPIAID_SHARED_DATA"])] if os.environ.get("EPIAID_SHARED_DATA") else []
    roots += [Path.cwd().parent / "shared" / "data", Path(__file__).resolve().parents[4] / "shared" / "data"]
    for root in roots:
        if (root / NEIGHBOURS_IN_SHARED).is_file():
            return root / NEIGHBOURS_IN_SHARED
    return None


@app.command()
def design(
    genomes: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="FASTA (plain, .gz or .xz)")],
    reference: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="reference FASTA")],
    out: Annotated[Path, typer.Option(help="output folder (panel.tsv, order sheet, BED, report.html)")],
    targets: Annotated[int, typer.Option(min=1, max=5)] = 3,
    neighbours: Annotated[Path | None, typer.Option(help="near-neighbour FASTA for exclusivity")] = None,
    no_neighbours: Annotated[bool, typer.Option(help="skip exclusivity even when a default set exists")] = False,
    annotation: Annotated[Path | None, typer.Option(help="GFF3 with CDS/gene rows for the reference")] = None,
    genes: Annotated[str | None, typer.Option(help="comma-separated genes allowed as targets")] = None,
    max_genomes: Annotated[int | None, typer.Option(help="use only the first N records")] = None,
    background: Annotated[
        Path | None, typer.Option(help="host/background FASTA (e.g. human genome) for the 3′ 12-mer check")
    ] = None,
    metadata: Annotated[Path | None, typer.Option(help="metadata TSV (strain, date) for --collected-before")] = None,
    collected_before: Annotated[
        str | None, typer.Option(help="ISO date: design only from genomes collected before")
    ] = None,
) -> None:
    """Design a single-tube multiplex panel (one target per gene) and write DIR/panel.tsv and the report."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from epiaid.assay.engine import design as design_mod
    from epiaid.assay.engine import report, seqio
    from epiaid.assay.engine.align import ReferenceMismatchError

    console = Console(stderr=True)
    try:
        ref_name = seqio.read_reference(reference).name
    except (seqio.FastaFormatError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--reference") from exc
    if neighbours is None and not no_neighbours:
        neighbours = default_neighbours(ref_name)
        if neighbours is not None:
            console.print(f"exclusivity against {neighbours}")
    inp = design_mod.DesignInput(
        genomes,
        reference,
        targets,
        neighbours,
        annotation,
        tuple(g.strip() for g in genes.split(",")) if genes else None,
        max_genomes,
        metadata,
        collected_before,
        background,
    )
    if collected_before and metadata is None:
        raise typer.BadParameter("--collected-before needs --metadata", param_hint="--collected-before")
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("reading genomes", total=1.0)
        try:
            result = design_mod.design(inp, lambda msg, f: bar.update(task, description=msg, completed=f))
        except (ReferenceMismatchError, seqio.FastaFormatError, ValueError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    paths = report.write_outputs(result, out)
    dropped = [i for i in result.issues if i.dropped]
    console.print(
        f"{len(result.names)} genomes used, {len(dropped)} records left out, "
        f"{len(result.issues) - len(dropped)} notes (see {paths['qc.tsv']})"
    )
    for issue in result.issues[:10]:
        console.print(
            f"  {issue.record} (line {issue.line}): {issue.problem}" + (" [left out]" if issue.dropped else "")
        )
    for w in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    console.print(f"panel: {', '.join(a.target for a in result.panel)} → {paths['panel.tsv']}, {paths['report.html']}")
    if not result.panel:
        raise typer.Exit(1)


@app.command()
def surveil(
    genomes: Annotated[
        Path,
        typer.Option(exists=True, dir_okay=False, help="new genomes (FASTA, or a reference-anchored MSA with --msa)"),
    ],
    reference: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    assays: Annotated[
        Path,
        typer.Option(exists=True, dir_okay=False, help="assay TSV (reference_assays.tsv layout or panel.tsv)"),
    ],
    msa: Annotated[
        bool, typer.Option(help="genomes are already aligned to the reference (same length, '-' gaps)")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="write at_risk.tsv and breaking_positions.json here")] = None,
) -> None:
    """Score existing assays against new genomes; flag those at risk and the positions that break them."""
    from rich.console import Console
    from rich.table import Table

    from epiaid.assay.engine import align, inclusivity, seqio

    console = Console()
    ref = seqio.read_reference(reference)
    ref_codes = seqio.encode(ref.seq)
    records = list(seqio.read_fasta(genomes))
    if msa:
        matrix, names = align.matrix_from_msa(records, ref.seq), [r.name for r in records]
    else:
        qc = seqio.qc_records(records, reference_length=len(ref.seq))
        aligned = align.align_records(qc.kept, ref.seq)
        matrix, names = aligned.matrix, aligned.names
    try:
        placed = inclusivity.load_assays(assays, ref_codes)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    table, breaks = inclusivity.surveil(placed, matrix, names, ref_codes)
    view = Table("assay", "genomes", "at risk", "share", "top breaking position")
    for row in table.itertuples():
        top = breaks[row.assay][0] if breaks[row.assay] else None
        where = (
            f"{top['oligo']} pos {top['position']} {top['reference_base']}→{top['observed']} ({top['genomes']})"
            if top
            else ""
        )
        view.add_row(row.assay, str(row.genomes), str(row.at_risk), f"{row.at_risk_fraction:.1%}", where)
    console.print(view)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        table.to_csv(out / "at_risk.tsv", sep="\t", index=False)
        (out / "breaking_positions.json").write_text(json.dumps(breaks, indent=2), encoding="utf-8")


@app.command()
def tile(
    genomes: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    reference: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option()],
    amplicon: Annotated[int, typer.Option(help="target amplicon length")] = 400,
    compare: Annotated[list[Path] | None, typer.Option(help="ARTIC-style primer BED files to compare with")] = None,
    evaluate_msa: Annotated[
        Path | None, typer.Option(help="reference-anchored MSA to score primer mismatches on")
    ] = None,
) -> None:
    """Tiled amplicon scheme (ARTIC style, two pools), optionally compared with published schemes."""
    from rich.console import Console

    from epiaid.assay.engine import tiling

    console = Console()
    scheme, comparison = tiling.run(genomes, reference, out, amplicon, compare or [], evaluate_msa)
    console.print(f"{len(scheme)} amplicons → {out / 'scheme.primer.bed'}")
    console.print(comparison.to_string(index=False))
