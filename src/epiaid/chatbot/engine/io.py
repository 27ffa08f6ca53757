"""Reading knowledge bases, question lists and pair files; writing the CLI's CSV answers."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from epiaid.chatbot.engine.retrieval import Entry, Retriever
from epiaid.chatbot.engine.text import clean, detect_lang

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

#: Most questions / pairs / entries one file may hold (a bigger file is refused, not half-read).
MAX_ROWS = 200_000


class KBError(ValueError):
    """A file that is not a usable knowledge base / question list / pair list."""


def _read_text(path: Path) -> str:
    from epiaid.core.korean import TextError, decode_bytes

    try:
        return decode_bytes(path.read_bytes())[0]
    except TextError as exc:
        raise KBError(f"{path}: {exc}") from exc


def _dict_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = _read_text(path)
    sample = text[:4096]
    delimiter = "\t" if sample.split("\n", 1)[0].count("\t") > sample.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = []
    for i, row in enumerate(reader):
        if i >= MAX_ROWS:
            raise KBError(f"{path}: more than {MAX_ROWS} rows")
        rows.append({k: (v or "") for k, v in row.items() if k is not None})
    return header, rows


def read_kb(path: Path) -> list[Entry]:
    """Entries from a CSV/TSV in the faq_covidbert.csv format (``question`` and ``answer`` required;
    optional ``id``, ``lang``, ``variants`` separated by `` || ``)."""
    header, rows = _dict_rows(path)
    missing = {"question", "answer"} - set(header)
    if missing:
        raise KBError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    entries = []
    for i, row in enumerate(rows):
        question = row.get("question", "").strip()
        if not clean(question):
            continue
        variants = tuple(v.strip() for v in row.get("variants", "").split("||") if v.strip())
        lang = row.get("lang", "").strip().lower()
        entries.append(
            Entry(
                id=row.get("id", "").strip() or str(i),
                question=question,
                answer=row.get("answer", ""),
                variants=variants,
                lang=lang if lang in ("ko", "en") else detect_lang(question),
            )
        )
    if not entries:
        raise KBError(f"{path}: no questions")
    return entries


def read_questions(path: Path) -> list[str]:
    """One question a line (blank lines are skipped)."""
    lines = [line.strip() for line in _read_text(path).splitlines()]
    questions = [line for line in lines if line]
    if len(questions) > MAX_ROWS:
        raise KBError(f"{path}: more than {MAX_ROWS} questions")
    return questions


def read_pairs(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    header, rows = _dict_rows(path)
    missing = {"question_1", "question_2"} - set(header)
    if missing:
        raise KBError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return header, rows


def answer_rows(retriever: Retriever, entries: Sequence[Entry], questions: Iterable[str], top: int) -> list[dict]:
    by_id = {e.id: e for e in entries}
    rows: list[dict] = []
    for q in questions:
        result = retriever.search(q, k=top)
        abstained = int(result.abstain)
        for rank in range(1, top + 1):
            if rank <= len(result.hits):
                hit = result.hits[rank - 1]
                rows.append(
                    {
                        "question": q,
                        "rank": rank,
                        "answer_question": by_id[hit.entry_id].question,
                        "score": f"{hit.score:.6f}",
                        "abstained": abstained,
                    }
                )
            elif rank > len(by_id):
                break
            else:  # nothing to rank (an empty or unreadable message)
                rows.append({"question": q, "rank": rank, "answer_question": "", "score": "0.000000", "abstained": 1})
    return rows


def similarity_rows(pairs: list[dict[str, str]]) -> list[dict]:
    """Scores with character weights learnt from all the questions of the file (no labels used)."""
    texts = list(dict.fromkeys(t for p in pairs for t in (p["question_1"], p["question_2"]) if clean(t)))
    retriever = Retriever.build([Entry(id=str(i), question=t, answer="") for i, t in enumerate(texts)])
    out = []
    for p in pairs:
        out.append({**p, "score": f"{retriever.similarity(p['question_1'], p['question_2']):.6f}"})
    return out


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
