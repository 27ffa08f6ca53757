"""The chatbot's Korean content files are well-formed, sourced, and make a fair test set.

Specification of ``src/epiaid/chatbot/data/``: the Korean FAQ written by the project from official 2020
guidance (every entry names its official source, links to an official site and carries a review date), the
hand-written Korean paraphrase set (each question points at an existing FAQ entry and is not a copy of it,
plus out-of-scope questions the bot must abstain on), and the Korean/English live-answer query set.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

DATA = Path(__file__).resolve().parents[2] / "src" / "epiaid" / "chatbot" / "data"

FAQ_COLUMNS = [
    "id",
    "topic",
    "question",
    "variants",
    "answer",
    "source_name",
    "source_url",
    "lang",
    "last_reviewed",
    "authored_by",
]
PARA_COLUMNS = ["question", "gold_id", "kind", "authored_by"]
LIVE_COLUMNS = ["query", "intent", "place", "birth_year", "lang"]
TOPICS = {
    "testing",
    "clinics",
    "symptoms",
    "isolation",
    "masks",
    "routes",
    "distancing",
    "travel",
    "prevention",
    "support",
    "hotline",
    "misc",
}
KINDS = {"paraphrase", "colloquial", "typo", "spacing", "jamo_noise", "mixed_ko_en", "short"}
INTENTS = {"nearest_clinic", "cases_near", "masks_near", "mask_buy_day", "none"}
OFFICIAL_SUFFIXES = (".go.kr", "who.int", "cdc.gov")
HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|&[a-zA-Z]+;|&#\d+;")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def read(name: str, columns: list[str]) -> list[dict[str, str]]:
    with open(DATA / name, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == columns, f"{name}: header {reader.fieldnames}"
        rows = list(reader)
    for n, row in enumerate(rows, start=2):
        assert None not in row and all(v is not None for v in row.values()), f"{name} line {n}: wrong field count"
    return rows


@pytest.fixture(scope="module")
def faq() -> list[dict[str, str]]:
    return read("faq_ko.csv", FAQ_COLUMNS)


@pytest.fixture(scope="module")
def paraphrases() -> list[dict[str, str]]:
    return read("paraphrases_ko.csv", PARA_COLUMNS)


@pytest.fixture(scope="module")
def live() -> list[dict[str, str]]:
    return read("live_queries_ko_en.csv", LIVE_COLUMNS)


def variants(row: dict[str, str]) -> list[str]:
    return row["variants"].split(" || ")


def squash(text: str) -> str:
    """Compare phrasings without case, spacing or punctuation."""
    text = unicodedata.normalize("NFC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


# --- the files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["faq_ko.csv", "paraphrases_ko.csv", "live_queries_ko_en.csv", "README.md"])
def test_every_file_is_nfc_utf8_without_html_or_control_characters(name: str) -> None:
    raw = (DATA / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    text = raw.decode("utf-8")
    assert unicodedata.is_normalized("NFC", text), f"{name} is not NFC-normalised"
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    if name.endswith(".csv"):
        assert not HTML.search(text), HTML.search(text)


def test_readme_names_each_file_its_provenance_and_licence() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for name in ("faq_ko.csv", "paraphrases_ko.csv", "live_queries_ko_en.csv"):
        assert name in readme
    assert "Apache-2.0" in readme
    assert "2026-12-04" in readme


# --- the FAQ --------------------------------------------------------------------------------------------


def test_faq_has_at_least_150_entries_covering_every_topic(faq: list[dict[str, str]]) -> None:
    assert len(faq) >= 150
    assert {r["topic"] for r in faq} == TOPICS


def test_faq_ids_and_questions_are_unique_and_ids_name_their_topic(faq: list[dict[str, str]]) -> None:
    ids = [r["id"] for r in faq]
    assert len(ids) == len(set(ids))
    for r in faq:
        assert re.fullmatch(rf"ko-{r['topic']}-\d{{3}}", r["id"]), r["id"]
    phrasings = [squash(p) for r in faq for p in [r["question"], *variants(r)]]
    duplicated = [p for p, n in Counter(phrasings).items() if n > 1]
    assert not duplicated, duplicated


def test_every_faq_entry_is_sourced_dated_and_marked_as_authored_by_the_project(faq: list[dict[str, str]]) -> None:
    for r in faq:
        assert r["topic"] in TOPICS, r["id"]
        assert r["lang"] == "ko", r["id"]
        assert len(r["source_name"]) >= 8, r["id"]
        url = urlsplit(r["source_url"])
        host = url.hostname or ""
        assert url.scheme in {"http", "https"}, r["id"]
        assert host.endswith(OFFICIAL_SUFFIXES) or "kdca" in host or "mohw" in host, (r["id"], host)
        assert date.fromisoformat(r["last_reviewed"]) == date(2026, 12, 4), r["id"]
        assert r["authored_by"] == "epiaid project (written from official guidance)", r["id"]


def test_every_faq_entry_has_two_to_four_distinct_korean_variants(faq: list[dict[str, str]]) -> None:
    for r in faq:
        vs = variants(r)
        assert 2 <= len(vs) <= 4, r["id"]
        assert all(v.strip() == v and v for v in vs), r["id"]
        assert len({squash(v) for v in vs} | {squash(r["question"])}) == len(vs) + 1, r["id"]
        assert HANGUL.search(r["question"]), r["id"]


def test_answers_are_one_to_four_sentences_in_the_formal_register(faq: list[dict[str, str]]) -> None:
    for r in faq:
        said = sentences(r["answer"])
        assert 1 <= len(said) <= 4, (r["id"], len(said))
        for s in said:
            # 합니다체 throughout: statements end in -다., requests in -십시오.
            assert s.endswith(("다.", "오.")), (r["id"], s)


def test_the_rationing_answers_say_which_weekday_each_birth_year_digit_buys(faq: list[dict[str, str]]) -> None:
    five_day = next(r for r in faq if r["id"] == "ko-masks-001")["answer"]
    for digits, day in (("1·6", "월요일"), ("2·7", "화요일"), ("3·8", "수요일"), ("4·9", "목요일"), ("5·0", "금요일")):
        assert f"{digits}이면 {day}" in five_day or f"{digits}면 {day}" in five_day, digits
    limits = next(r for r in faq if r["id"] == "ko-masks-004")["answer"]
    for fact in ("3월 9일", "2개", "4월 27일", "3개", "6월 18일", "10개"):
        assert fact in limits, fact


# --- the paraphrase test set ----------------------------------------------------------------------------


def test_paraphrase_set_size_and_labels(paraphrases: list[dict[str, str]]) -> None:
    answerable = [p for p in paraphrases if p["kind"] != "out_of_scope"]
    out_of_scope = [p for p in paraphrases if p["kind"] == "out_of_scope"]
    assert len(answerable) >= 200
    assert len(out_of_scope) >= 40
    assert {p["kind"] for p in answerable} == KINDS
    assert all(p["gold_id"] for p in answerable)
    assert all(p["gold_id"] == "" for p in out_of_scope)
    assert all(p["authored_by"] == "epiaid project (hand-written test set)" for p in paraphrases)
    questions = [squash(p["question"]) for p in paraphrases]
    assert len(questions) == len(set(questions)), "a test question appears twice"
    kinds = Counter(p["kind"] for p in answerable)
    assert kinds["paraphrase"] + kinds["colloquial"] > len(answerable) / 2


def test_every_gold_id_exists_and_no_test_question_copies_its_entry(
    faq: list[dict[str, str]], paraphrases: list[dict[str, str]]
) -> None:
    by_id = {r["id"]: r for r in faq}
    for p in paraphrases:
        if not p["gold_id"]:
            continue
        assert p["gold_id"] in by_id, p
        entry = by_id[p["gold_id"]]
        copies = {squash(entry["question"]), *(squash(v) for v in variants(entry))}
        assert squash(p["question"]) not in copies, p


def test_no_test_question_is_a_phrasing_in_the_knowledge_base(
    faq: list[dict[str, str]], paraphrases: list[dict[str, str]]
) -> None:
    """Out-of-scope questions included: none of them may be answerable by lookup of a stored phrasing."""
    stored = {squash(p) for r in faq for p in [r["question"], *variants(r)]}
    assert not [p["question"] for p in paraphrases if squash(p["question"]) in stored]


def test_the_paraphrases_cover_every_topic(faq: list[dict[str, str]], paraphrases: list[dict[str, str]]) -> None:
    topic = {r["id"]: r["topic"] for r in faq}
    assert {topic[p["gold_id"]] for p in paraphrases if p["gold_id"]} == TOPICS


# --- the live-answer query set --------------------------------------------------------------------------


def test_live_queries_size_and_labels(live: list[dict[str, str]]) -> None:
    assert len(live) >= 100
    assert {q["intent"] for q in live} == INTENTS
    assert {q["lang"] for q in live} == {"ko", "en"}
    for intent in INTENTS:
        assert {q["lang"] for q in live if q["intent"] == intent} == {"ko", "en"}, intent
    assert len({q["query"] for q in live}) == len(live)


def test_each_live_query_is_consistent_with_its_labels(live: list[dict[str, str]]) -> None:
    for q in live:
        assert q["intent"] in INTENTS and q["lang"] in {"ko", "en"}, q
        assert bool(HANGUL.search(q["query"])) == (q["lang"] == "ko"), q
        if q["place"]:
            assert q["intent"] in {"nearest_clinic", "cases_near", "masks_near"}, q
            assert q["place"] in q["query"], q
        if q["intent"] == "mask_buy_day":
            year = int(q["birth_year"])
            assert 1900 <= year <= 2020, q
            assert str(year) in q["query"] or f"{year % 100:02d}년생" in q["query"], q
        else:
            assert q["birth_year"] == "", q


def test_place_queries_name_districts_in_korean_and_english(live: list[dict[str, str]]) -> None:
    places = {q["place"] for q in live if q["place"]}
    assert any(p.endswith("구") for p in places) and any(p.endswith("동") for p in places)
    assert any(p.endswith(("시", "군")) for p in places)
    assert any(re.search(r"-(gu|si|dong)\b", p) for p in places)
    assert sum(1 for q in live if q["intent"] != "none" and not q["place"] and not q["birth_year"]) >= 3, (
        "some queries ask about the user's own location"
    )
