"""Live-answer intents are exact on the generated Korean/English query set (data/live_queries_ko_en.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from epiaid.chatbot import intents

QUERIES = Path(intents.__file__).parent / "data" / "live_queries_ko_en.csv"


def _rows() -> list[dict[str, str]]:
    with QUERIES.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_intent_detection_is_exact_on_the_query_set() -> None:
    rows = _rows()
    assert len(rows) >= 200
    wrong = []
    for row in rows:
        found = intents.detect(row["query"])
        got = found.name if found else "none"
        if got != row["intent"]:
            wrong.append((row["query"], row["intent"], got))
    accuracy = 1 - len(wrong) / len(rows)
    assert wrong == [], f"accuracy {accuracy:.3f}"


def test_birth_years_are_read_exactly() -> None:
    wrong = []
    for row in _rows():
        if row["intent"] != "mask_buy_day" or not row["birth_year"]:
            continue
        found = intents.detect(row["query"])
        if found is None or found.birth_year != int(row["birth_year"]):
            wrong.append((row["query"], row["birth_year"], found))
    assert wrong == []


@pytest.mark.parametrize(
    "text",
    [
        "마스크는 어떻게 써야 하나요?",
        "How should I wear a mask?",
        "Do masks protect me from the virus?",
        "마스크 5부제가 뭐예요?",
        "what is a screening clinic?",
        "코로나19 증상이 뭐예요?",
    ],
)
def test_general_questions_about_masks_and_clinics_go_to_the_faq(text: str) -> None:
    assert intents.detect(text) is None


def test_days_and_near_me() -> None:
    found = intents.detect("용산구 최근 7일 확진자 동선")
    assert found is not None and found.name == "cases_near" and found.days == 7
    found = intents.detect("cases visited near me in the last 3 days")
    assert found is not None and found.days == 3 and found.near_me
    found = intents.detect("85년생 마스크 언제 사요?")
    assert found is not None and found.name == "mask_buy_day" and found.birth_year == 1985
