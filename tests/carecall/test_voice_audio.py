"""Telephony audio and prompt speech: G.711 µ-law, resampling, espeak-ng synthesis cached on disk."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from epiaid.carecall.engine.voice.audio import (
    add_noise,
    read_wav,
    resample,
    rms,
    speech_bounds,
    ulaw_decode,
    ulaw_encode,
    write_wav,
)
from epiaid.carecall.engine.voice.rtp import write_ulaw_wav
from epiaid.carecall.engine.voice.tts import EspeakTTS, Voice, espeak_available

needs_espeak = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (make system-test-deps)")


def test_ulaw_follows_g711_and_round_trips_within_its_step() -> None:
    # reference points of G.711 µ-law: silence is 0xFF, full scale is 0x80 / 0x00
    assert ulaw_encode(np.array([0, 32767, -32768], dtype=np.int16)) == bytes([0xFF, 0x80, 0x00])
    assert ulaw_decode(bytes([0xFF, 0x7F])).tolist() == [0, 0]
    x = np.linspace(-30000, 30000, 4001).astype(np.int16)
    y = ulaw_decode(ulaw_encode(x))
    err = np.abs(x.astype(int) - y.astype(int))
    assert (err <= np.maximum(8, np.abs(x.astype(int)) // 16)).all()  # logarithmic step: ~3 % of the value
    assert len(ulaw_encode(x)) == len(x)  # one byte a sample: 64 kbit/s at 8 kHz


def test_resampling_keeps_duration_and_tone() -> None:
    t = np.arange(22050) / 22050
    tone = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    y = resample(tone, 22050, 8000)
    assert len(y) == 8000
    spectrum = np.abs(np.fft.rfft(y.astype(float)))
    assert abs(np.argmax(spectrum) - 440) <= 1  # 1 Hz bins at 1 s
    assert rms(y) == pytest.approx(rms(tone), rel=0.05)


def test_noise_is_added_at_the_asked_snr() -> None:
    rng = np.random.default_rng(1)
    x = (6000 * np.sin(np.arange(16000) / 5)).astype(np.int16)
    noisy = add_noise(x, 10.0, rng)
    noise = noisy.astype(float) - x
    snr = 10 * np.log10(np.mean(x.astype(float) ** 2) / np.mean(noise**2))
    assert snr == pytest.approx(10.0, abs=0.5)


def test_speech_bounds_find_the_loud_part() -> None:
    x = np.zeros(8000 * 3, dtype=np.int16)
    x[8000:16000] = (5000 * np.sin(np.arange(8000) / 3)).astype(np.int16)
    start, end = speech_bounds(x)
    assert 7800 <= start <= 8200 and 15800 <= end <= 16200
    assert speech_bounds(np.zeros(8000, dtype=np.int16)) == (0, 0)


def test_wav_files_round_trip(tmp_path: Path) -> None:
    x = (np.arange(800) * 20).astype(np.int16)
    write_wav(tmp_path / "a.wav", x)
    y, rate = read_wav(tmp_path / "a.wav")
    assert rate == 8000 and (y == x).all()
    write_ulaw_wav(tmp_path / "u.wav", x)  # what sipp's rtp_stream plays
    data = (tmp_path / "u.wav").read_bytes()
    assert data[:4] == b"RIFF" and data[20:22] == b"\x07\x00" and data.endswith(ulaw_encode(x))


@needs_espeak
def test_prompts_are_synthesised_as_8khz_mono_16bit_and_cached(tmp_path: Path) -> None:
    tts = EspeakTTS(tmp_path / "tts")
    ko = tts.synthesize("열이 있으신가요? 있으면 1번, 없으면 2번을 눌러 주세요.", "ko")
    en = tts.synthesize("Do you have a fever?", Voice("en", speed=140, pitch=40))
    for path in (ko, en):
        with wave.open(str(path)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
            assert w.getnframes() > 8000 * 0.8  # at least most of a second of speech
    assert ko.is_relative_to(tmp_path / "tts")
    # the cache: the same text and voice is the same file, not synthesised again
    before = ko.stat().st_mtime_ns
    assert tts.synthesize("열이 있으신가요?  있으면 1번, 없으면 2번을 눌러 주세요.", "ko") == ko
    assert ko.stat().st_mtime_ns == before
    # another voice or text is another entry
    assert tts.synthesize("Do you have a fever?", "en") != en
    # the text is data, never options or shell: a leading dash and shell characters are just said
    odd = tts.synthesize("-v xx; rm -rf / $(reboot)", "en")
    assert odd.exists() and tts.pcm("-v xx; rm -rf / $(reboot)", "en").size > 8000


def test_empty_prompt_and_unknown_language_are_refused(tmp_path: Path) -> None:
    tts = EspeakTTS(tmp_path)
    with pytest.raises(ValueError, match="empty"):
        tts.synthesize("   ", "ko")
    with pytest.raises(ValueError, match="no espeak-ng voice"):
        tts.synthesize("hola", "es")
