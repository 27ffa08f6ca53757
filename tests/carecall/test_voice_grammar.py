"""Recognition grammars from a prompt's phrases: spelling in the model's words, mapping hypotheses back."""

from __future__ import annotations

from epiaid.carecall.engine.voice.grammar import (
    DECOYS,
    Grammar,
    for_prompt,
    repeat_phrases,
    spell,
    temperature_phrases,
    yes_no_phrases,
)

KNOWN = {"네", "아니요", "없어요", "삼십", "삼십칠", "칠", "점", "팔", "구", "다시", "한번", "더", "여보세요", "날씨"}


def known(word: str) -> bool:
    return word in KNOWN


def test_words_missing_from_the_vocabulary_are_spelled_in_known_pieces() -> None:
    assert spell("삼십칠 점 팔", known) == "삼십칠 점 팔"
    assert spell("삼십구 점 팔", known) == "삼십 구 점 팔"
    assert spell("사십 점 영", known) is None  # 사십 / 영 cannot be spelled: the phrase is left out


def test_vosk_phrase_list_reports_what_it_cannot_spell_and_adds_decoys() -> None:
    g = for_prompt(["네", "아니요", "몰라요"], "ko", ["다시"])
    phrases, missing = g.vosk_phrases(known)
    assert phrases[:3] == ["네", "아니요", "다시"] and missing == ["몰라요"]
    assert "여보세요" in phrases  # a decoy: out-of-grammar speech lands there, not on an answer
    assert all(g.match(d) is None for d in DECOYS["ko"])


def test_hypotheses_map_back_to_the_prompts_own_phrases() -> None:
    g = Grammar("ko", ["네", "아니요", *temperature_phrases("ko")], ["다시"])
    assert g.match("네") == "네"
    assert g.match("삼십칠점팔") == "삼십칠 점 팔"  # Korean compares without spaces
    assert g.match("37.8도") == "삼십칠 점 팔"  # the same temperature however written
    assert g.match("네 네") == "네"  # one phrase said twice
    assert g.match("날씨") is None and g.match("") is None


def test_english_free_form_transcripts_are_snapped_to_the_grammar() -> None:
    g = Grammar("en", yes_no_phrases("en") + temperature_phrases("en"), repeat_phrases("en"))
    assert g.match("Yes.") == "yes"
    assert g.match("38.5") == "thirty eight point five"
    assert g.match("thirty-seven point eight degrees") == "thirty seven point eight"
    assert g.match("Repeat.") == "repeat"
    assert g.match("yess", fuzzy=0.75) == "yes"  # a wandering spelling, only when fuzzy matching is asked
    assert g.match("yess") is None
    assert g.match("the weather is nice today", fuzzy=0.8) is None
    assert g.has_numbers and not Grammar("en", ["yes", "no"]).has_numbers


def test_one_decoy_word_beside_an_answer_still_counts_but_more_do_not() -> None:
    g = Grammar("ko", ["네", "없어요"])
    assert g.match("어제 없어요") == "없어요"
    assert g.match("어제 오늘 없어요") is None
