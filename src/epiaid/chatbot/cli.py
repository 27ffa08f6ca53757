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
# --- knowledge base and staff (chatbot-app) ---


@app.command("import")
def import_files(
    files: Annotated[list[Path], typer.Argument(help="FAQ files: faq_covidbert CSV/TSV, JHU scraped.tsv, project FAQ")],
    show: Annotated[int, typer.Option("--show", help="rejected rows to list per file")] = 10,
) -> None:
    """Import FAQ files into the knowledge base (one transaction per file, a report per row)."""
    from epiaid.core.cli import setup_django

    setup_django()
    from epiaid.chatbot.services import ImportFileError, import_faq
    from epiaid.core.actors import Actor

    failed = False
    for path in files:
        try:
            report = import_faq(path, actor=Actor.system("cli"))
        except ImportFileError as exc:
            typer.echo(f"nothing imported from {path}: {exc.message}", err=True)
            failed = True
            continue
        typer.echo(report.summary())
        for r in report.rejected[:show]:
            typer.echo(f"  row {r.row}: {r.field}: {r.reason}")
    if failed:
        raise typer.Exit(2)


@app.command()
def ask(
    text: Annotated[str, typer.Argument(help="the message, as a user would type it")],
    session: Annotated[str, typer.Option("--session", help="conversation id (keeps state between calls)")] = "cli",
    lang: Annotated[str | None, typer.Option("--lang", help="ko or en (else detected)")] = None,
) -> None:
    """Send one message through the conversation service (as the web API does) and print the reply as JSON."""
    import json

    from epiaid.core.cli import setup_django

    setup_django()
    from epiaid.chatbot.services import CHATBOT, handle_message

    reply = handle_message(CHATBOT, channel="api", session_id=session, text=text, lang=lang)
    typer.echo(json.dumps(reply.as_dict(), ensure_ascii=False, indent=2))


@app.command()
def queue(
    user: Annotated[str, typer.Option("--user", help="a health_staff account (the read is audited under it)")],
    status: Annotated[str, typer.Option("--status", help="open, answered, dismissed or all")] = "open",
) -> None:
    """List the staff queue (questions masked) as a staff user."""
    from epiaid.core.cli import setup_django

    setup_django()
    from django.contrib.auth import get_user_model

    from epiaid.chatbot.services import list_queue
    from epiaid.core.actors import Actor
    from epiaid.core.errors import EpiaidError

    account = get_user_model().objects.filter(username=user).first()
    if account is None:
        raise _fail(f"no user {user!r}")
    try:
        rows = list_queue(Actor.of(account), status=None if status == "all" else status)
    except EpiaidError as exc:
        raise _fail(exc.message) from exc
    for row in rows:
        typer.echo(f"#{row['id']}\t{row['status']}\t{row['channel']}\t{row['created_at'][:16]}\t{row['text']}")
