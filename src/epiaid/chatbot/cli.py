"""``epiaid chatbot …``: retrieval commands that run without the web app (the evaluation contract).

* ``answer --kb FAQ.csv --in QUESTIONS.txt --out ANSWERS.csv [--top K]``: K rows per question,
  ``question,rank,answer_question,score,abstained``.
* ``similarity --in PAIRS.csv --out SCORES.csv``: ``question_1,question_2`` in, ``score`` added.

Imports stay inside the commands so that the CLI starts quickly and never configures Django.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Public-information chatbot: FAQ retrieval and question similarity.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@app.command()
def answer(
    kb: Annotated[Path, typer.Option("--kb", help="knowledge base CSV (faq_covidbert.csv format: question, answer)")],
    inp: Annotated[Path, typer.Option("--in", help="questions, one a line")],
    out: Annotated[Path, typer.Option("--out", help="answers CSV to write")],
    top: Annotated[int, typer.Option("--top", min=1, max=100, help="rows per question")] = 1,
) -> None:
    """Answer each question from the knowledge base (or abstain): K ranked rows per question."""
    from epiaid.chatbot.engine.io import KBError, answer_rows, read_kb, read_questions, write_csv
    from epiaid.chatbot.engine.retrieval import Retriever

    try:
        entries = read_kb(kb)
        questions = read_questions(inp)
    except (OSError, KBError) as exc:
        raise _fail(str(exc)) from exc
    retriever = Retriever.build(entries)
    rows = answer_rows(retriever, entries, questions, top)
    write_csv(out, ["question", "rank", "answer_question", "score", "abstained"], rows)
    typer.echo(f"{len(questions)} question(s), {len(entries)} entries -> {out}")


@app.command()
def similarity(
    inp: Annotated[Path, typer.Option("--in", help="CSV with question_1,question_2 columns")],
    out: Annotated[Path, typer.Option("--out", help="the same rows with a score column added")],
) -> None:
    """Score how similar the two questions of each row are (higher = more similar)."""
    from epiaid.chatbot.engine.io import KBError, read_pairs, similarity_rows, write_csv

    try:
        header, pairs = read_pairs(inp)
    except (OSError, KBError) as exc:
        raise _fail(str(exc)) from exc
    rows = similarity_rows(pairs)
    write_csv(out, [*header, "score"], rows)
    typer.echo(f"{len(rows)} pair(s) -> {out}")


# --- chatbot-app commands (appended by the app helper below this line) ---
