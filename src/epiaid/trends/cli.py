"""``epiaid trends …``: science commands that run without the web app.

Imports stay inside the commands so that ``epiaid trends changepoints`` starts quickly and never
configures Django.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Media and search-trend analytics: change points, bursts, issue timing, related words.",
    no_args_is_help=True,
)


@app.command()
def changepoints(
    inp: Annotated[Path, typer.Option("--in", help='JSON file {"values": [numbers or null]}; "-" for stdin')],
    out: Annotated[Path, typer.Option("--out", help="where to write the change points (JSON)")],
    detail: Annotated[
        bool, typer.Option(help="also write each change point's segment model, confidence and sizes")
    ] = False,
) -> None:
    """Write 0-based change-point indices of one series with the default configuration."""
    from epiaid.trends.engine.changepoints import detect
    from epiaid.trends.engine.series import IngestError, read_json_values

    try:
        text = sys.stdin.read() if str(inp) == "-" else inp.read_text(encoding="utf-8-sig")
        values = read_json_values(text)
    except (OSError, IngestError) as exc:
        typer.echo(f"error: {inp}: {exc}", err=True)
        raise typer.Exit(2) from exc
    found = detect(values)
    indices = [c.index for c in found]
    # "changepoints" is the contract; "cps" stays for callers of the earlier version.
    result: dict[str, object] = {"changepoints": indices, "cps": indices, "n": len(values)}
    if detail:
        result["detail"] = [c.as_dict() for c in found]
    out.write_text(json.dumps(result))
    typer.echo(f"{len(found)} change point(s) in {len(values)} values -> {out}")


@app.command()
def analyse(
    series: Annotated[Path, typer.Option("--series", help="keyword/case CSV (date column + numeric columns)")],
    out: Annotated[Path, typer.Option("--out", help="output folder (HTML, PDF, CSV, JSON)")],
    events: Annotated[Path | None, typer.Option(help="events CSV (date,event) to annotate and score")] = None,
    cases: Annotated[Path | None, typer.Option(help="cumulative case table for lead-lag")] = None,
    column: Annotated[list[str] | None, typer.Option(help="only these columns")] = None,
    since: Annotated[str | None, typer.Option(help="first date to analyse (YYYY-MM-DD)")] = None,
) -> None:
    """Change points, issue timing, lead–lag: report.html, report.pdf, changepoints.csv, result.json."""
    from epiaid.trends.engine import report
    from epiaid.trends.engine.series import IngestError, read_cases, read_series

    try:
        s = read_series(series, columns=column)
        c = read_cases(cases) if cases else None
    except (OSError, IngestError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for issue in s.issues:
        typer.echo(f"note: {issue}", err=True)
    result = report.analyse(s, cases=c, events_path=events, since=since)
    paths = report.write_all(result, out)
    for p in paths:
        typer.echo(str(p))


@app.command()
def evaluate(
    series: Annotated[Path, typer.Option("--series", help="DS4C SearchTrend.csv")],
    events: Annotated[Path, typer.Option("--events", help="events_kr_2020.csv")],
    column: Annotated[str, typer.Option(help="keyword column")] = "coronavirus",
    since: Annotated[str, typer.Option(help="first date")] = "2019-12-01",
) -> None:
    """Score change points against dated events beside the random and largest-jump baselines."""
    from epiaid.trends.engine.evaluation import evaluate_against_events
    from epiaid.trends.engine.series import read_series

    s = read_series(series, columns=[column])
    table = evaluate_against_events(s, column, events, since=since)
    typer.echo(json.dumps(table, indent=2, ensure_ascii=False))


@app.command()
def tokenise(
    inp: Annotated[Path, typer.Option("--in", help="text file, one headline per line")],
    nouns: Annotated[bool, typer.Option(help="nouns only")] = True,
    userdict: Annotated[Path | None, typer.Option(help="user dictionary (word<TAB>tag per line)")] = None,
) -> None:
    """Tokenise Korean headlines (kiwipiepy with the eojeol cache) and print one token list per line."""
    from epiaid.trends.engine.text import Tokeniser

    tok = Tokeniser(user_words=Tokeniser.read_user_dictionary(userdict) if userdict else None)
    lines = inp.read_text(encoding="utf-8").splitlines()
    for tokens in tok.tokenise_many(lines, nouns_only=nouns):
        typer.echo(" ".join(tokens))


@app.command("generate-views")
def generate_views(
    out: Annotated[Path, typer.Option("--out", help="CSV of view events (outlet, article_id, ts)")],
    days: Annotated[int, typer.Option(help="number of days")] = 14,
    outlets: Annotated[int, typer.Option(help="number of outlets")] = 60,
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
) -> None:
    """Generate a realistic article-view log (see ``engine/viewlogs.py`` for the schema)."""
    from epiaid.trends.engine.viewlogs import GeneratorConfig, generate

    logs = generate(GeneratorConfig(days=days, outlets=outlets, seed=seed))
    logs.views.to_csv(out, index=False)
    logs.articles.to_csv(out.with_name(out.stem + "_articles.csv"), index=False)
    typer.echo(f"{len(logs.views)} views of {len(logs.articles)} articles -> {out}")
