"""The two evaluation commands, run through the real ``epiaid`` entry point on files of our own."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from epiaid.cli import main

KB_CSV = """question,answer,link
What are the symptoms of COVID-19?,"Fever, dry cough, tiredness.",https://example.org/a
How long is the incubation period?,"Usually 5-6 days, up to 14.",https://example.org/b
Should I wear a face mask in public?,Wear one where you cannot keep apart.,https://example.org/c
선별진료소는 어디에 있나요?,보건소나 1339에 문의하세요.,https://example.org/d
"""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_answer_writes_k_rows_per_question(tmp_path: Path) -> None:
    (tmp_path / "kb.csv").write_text(KB_CSV, encoding="utf-8")
    (tmp_path / "q.txt").write_text(
        "what symptoms does covid have\n\n선별진료소 위치\nxyzzy qwerty\n", encoding="utf-8"
    )
    res = CliRunner().invoke(
        main,
        [
            "chatbot",
            "answer",
            "--kb",
            str(tmp_path / "kb.csv"),
            "--in",
            str(tmp_path / "q.txt"),
            "--out",
            str(tmp_path / "a.csv"),
            "--top",
            "2",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = _rows(tmp_path / "a.csv")
    assert list(rows[0]) == ["question", "rank", "answer_question", "score", "abstained"]
    assert len(rows) == 6  # 3 questions (the blank line is no question) x 2
    assert [r["rank"] for r in rows] == ["1", "2"] * 3
    assert rows[0]["answer_question"] == "What are the symptoms of COVID-19?"
    assert rows[2]["answer_question"] == "선별진료소는 어디에 있나요?"
    for a, b in zip(rows[::2], rows[1::2], strict=True):
        assert a["question"] == b["question"] and a["abstained"] == b["abstained"] in ("0", "1")
        assert 0 <= float(b["score"]) <= float(a["score"]) <= 1
    assert rows[0]["abstained"] == "0" and rows[4]["abstained"] == "1"


def test_answer_default_is_one_row(tmp_path: Path) -> None:
    (tmp_path / "kb.csv").write_text(KB_CSV, encoding="utf-8")
    (tmp_path / "q.txt").write_text("incubation period length\nmask outside?\n", encoding="utf-8")
    res = CliRunner().invoke(
        main,
        [
            "chatbot",
            "answer",
            "--kb",
            str(tmp_path / "kb.csv"),
            "--in",
            str(tmp_path / "q.txt"),
            "--out",
            str(tmp_path / "a.csv"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert [r["answer_question"] for r in _rows(tmp_path / "a.csv")] == [
        "How long is the incubation period?",
        "Should I wear a face mask in public?",
    ]


def test_answer_refuses_a_kb_without_answers(tmp_path: Path) -> None:
    (tmp_path / "kb.csv").write_text("question,link\nfoo,bar\n", encoding="utf-8")
    (tmp_path / "q.txt").write_text("foo\n", encoding="utf-8")
    res = CliRunner().invoke(
        main,
        [
            "chatbot",
            "answer",
            "--kb",
            str(tmp_path / "kb.csv"),
            "--in",
            str(tmp_path / "q.txt"),
            "--out",
            str(tmp_path / "a.csv"),
        ],
    )
    assert res.exit_code == 2
    assert "answer" in res.output


def test_similarity_adds_a_score_column(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(
        "question_1,question_2,similar\n"
        "What are the symptoms?,Which symptoms are there?,1\n"
        "What are the symptoms?,Can my cat get it?,0\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        main, ["chatbot", "similarity", "--in", str(tmp_path / "p.csv"), "--out", str(tmp_path / "s.csv")]
    )
    assert res.exit_code == 0, res.output
    rows = _rows(tmp_path / "s.csv")
    assert list(rows[0]) == ["question_1", "question_2", "similar", "score"]
    assert float(rows[0]["score"]) > float(rows[1]["score"])
