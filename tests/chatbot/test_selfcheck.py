"""The CDC Coronavirus Self-Checker executed as data (its JSON step graph and its official strings), in
English and Korean, with the CDC disclaimer; every branch of a small protocol of our own in the same
format is walked, and the real protocol is walked by seeded random answers (skipped without ../shared)."""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import pytest

from epiaid.chatbot.selfcheck import Interpreter, Prompt, Protocol, Runner, match_answer

from .conftest import FIXTURES

TINY = FIXTURES / "selfcheck_tiny"
REACHABLE = ("covid19", "covid19_vax_core", "covid19_vax_core_pediatric")


def decision_outcomes(protocol: Protocol, triggers: tuple[str, ...]) -> set[tuple[str, str, str]]:
    """Every (scenario, step, outcome) a branch or switch of the graph can take."""
    out: set[tuple[str, str, str]] = set()
    for trigger in triggers:
        for step in protocol.scenarios[trigger].steps.values():
            if step["type"] == "branch":
                out |= {(trigger, step["id"], "true"), (trigger, step["id"], "false")}
            elif step["type"] == "switch":
                out |= {(trigger, step["id"], str(c["value"])) for c in step.get("cases", [])}
                out.add((trigger, step["id"], "default"))
    return out


def answers_for(prompt: Prompt) -> list[Any]:
    n = len(prompt.choices)
    if prompt.kind == "choice":
        return list(range(n))
    if prompt.kind == "card-choice":
        return list(range(len(prompt.values)))
    if prompt.kind == "multi-choice":
        return [
            [],
            *([i] for i in range(n)),
            *([list(c) for c in itertools.combinations(range(n), 2)] if n <= 4 else []),
        ]
    return [{"text": "12345"}, *({"submit": i} for i in range(len(prompt.submit)))]


def walk_everything(protocol: Protocol, lang: str) -> tuple[set[tuple[str, str, str]], list[list[str]]]:
    """Every answer sequence of a small protocol: (outcomes taken, the messages of each finished walk)."""
    covered: set[tuple[str, str, str]] = set()
    endings: list[list[str]] = []
    frontier: list[list[Any]] = [[]]
    while frontier:
        answers = frontier.pop()
        interp = Interpreter(protocol, lang)
        messages, _, prompt = interp.run(answers)
        covered |= interp.coverage
        if prompt is None:
            endings.append(messages)
            continue
        frontier.extend([*answers, a] for a in answers_for(prompt))
    return covered, endings


@pytest.fixture(scope="module")
def tiny() -> Protocol:
    return Protocol.load(TINY)


def test_every_branch_of_our_small_protocol_is_walked_in_both_languages(tiny: Protocol) -> None:
    everything = decision_outcomes(tiny, tuple(tiny.scenarios))
    for lang in ("en", "ko"):
        covered, endings = walk_everything(tiny, lang)
        assert covered == everything
        assert len(endings) == 1 + 1 + 1 + 3 + 3  # declined, no fever, fever+none, fever+one each, fever+two
    _, endings_ko = walk_everything(tiny, "ko")
    assert any("지금 1339에 전화하십시오" in m for e in endings_ko for m in e)


def test_a_walk_through_the_small_protocol_shows_the_disclaimer_and_ends_with_the_outcome(tiny: Protocol) -> None:
    runner = Runner(tiny)
    first = runner.start("en")
    assert "not a diagnosis" in first.messages[0] and first.choices == ["I agree", "I don't agree"]
    assert first.disclaimer and "not a diagnosis" in first.disclaimer
    step = runner.answer(first.state, "I agree")
    assert step.messages == ["Do you have a fever?"] and step.choices == ["Yes", "No"]
    wrong = runner.answer(step.state, "maybe")
    assert wrong.invalid and wrong.state == step.state
    step = runner.answer(step.state, "1")
    step = runner.answer(step.state, "2")  # sore throat only
    assert step.finished and step.messages == ["One symptom: call your public health centre.", "Thank you."]
    assert step.outcome == {"outcome_id": "T-1", "messages": ["one"]}
    declined = runner.answer(first.state, "2")
    assert declined.finished and declined.messages == ["You did not agree; nothing was asked."]


def test_typed_answers_match_numbers_and_words() -> None:
    prompt = Prompt("p", "v", "multi-choice", "?", ["Fever", "Cough", "Sore throat"])
    assert match_answer(prompt, "1, 3") == [0, 2]
    assert match_answer(prompt, "cough") == [1]
    assert match_answer(prompt, "banana") is None
    single = Prompt("p", "v", "choice", "?", ["예", "아니요"])
    assert match_answer(single, "예") == 0 and match_answer(single, "2") == 1


def test_the_self_check_runs_inside_a_conversation(db: Any, say: Any, settings: Any) -> None:
    settings.CHATBOT_SELFCHECK_DIR = str(TINY)
    first = say("자가진단 할래요")
    assert first.kind == "selfcheck" and "진단이 아닙니다" in (first.disclaimer or "")
    assert first.quick_replies == ["동의합니다", "동의하지 않습니다"]
    second = say("동의합니다")
    assert second.kind == "selfcheck" and "열이 있습니까?" in second.text
    stopped = say("그만")
    assert stopped.kind == "selfcheck" and "마쳤습니다" in stopped.text
    after = say("How does the virus spread?")
    assert after.kind != "selfcheck"


def test_without_the_protocol_the_self_check_says_so(db: Any, say: Any, settings: Any, tmp_path: Path) -> None:
    settings.CHATBOT_SELFCHECK_DIR = str(tmp_path / "absent")
    reply = say("self-check")
    assert reply.kind == "selfcheck" and "1339" in reply.text


# --- the real CDC protocol -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdc(shared_data: Path) -> Protocol:
    return Protocol.load(shared_data / "chat" / "cdc_selfchecker")


def test_the_cdc_disclaimer_and_official_korean_strings_are_shown(cdc: Protocol) -> None:
    runner = Runner(cdc)
    en, ko = runner.start("en"), runner.start("ko")
    assert "not intended for the diagnosis or treatment of disease" in en.messages[0]
    assert "진단 또는 치료를 위한 것이 아닙니다" in ko.messages[0]
    assert ko.choices == ["동의합니다", "동의하지 않습니다"]
    step = runner.answer(ko.state, "동의합니다")
    assert any("Clara" in m or "클라라" in m for m in step.messages) and step.choices == ["예", "아니요"]


def _random_walks(cdc: Protocol, walks: int) -> tuple[float, int, int]:
    rng = random.Random(2020)
    covered: set[tuple[str, str, str]] = set()

    def pick(prompt: Prompt) -> Any:
        return rng.choice(answers_for(prompt))

    for i in range(walks):
        interp = Interpreter(cdc, "ko" if i % 4 == 0 else "en")
        _, _, waiting = interp.run([], provider=pick)
        assert waiting is None  # every walk reached an end of the graph, no expression failed
        covered |= interp.coverage
    everything = decision_outcomes(cdc, REACHABLE)
    return len(covered & everything) / len(everything), len(covered & everything), len(everything)


def test_seeded_random_walks_run_the_real_protocol_without_errors(cdc: Protocol) -> None:
    """Random answers (seeded) through the wrapper, the adult and the paediatric core, Korean and English."""
    share, hit, total = _random_walks(cdc, 150)
    assert share >= 0.45, f"{hit}/{total} branch outcomes"


@pytest.mark.slow
def test_many_random_walks_take_most_branch_outcomes_of_the_real_protocol(cdc: Protocol) -> None:
    """8,000 walks take about 85 % of the 262 outcomes; most of the rest are switch defaults no answer can
    reach (the cases cover every choice) and the US-state redirect, which no state of the list sets."""
    share, hit, total = _random_walks(cdc, 8000)
    assert share >= 0.8, f"{hit}/{total} branch outcomes"
