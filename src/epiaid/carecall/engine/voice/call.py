"""A voice check-in: the dialog Session driven over an audio channel (Django-free).

For each prompt: speak it (espeak-ng, cached), listen for the answer, take keypad digits first if any
were pressed, otherwise recognise the speech against the prompt's grammar (plus the dialog's repeat and
opt-out phrases) and give the Session the phrase recognised, or silence when nothing matched (the
Session re-prompts and, after its retries, records the question unanswered).

A channel is anything with ``play(pcm)``, ``listen() -> pcm | None``, ``digits() -> str`` and
``hung_up() -> bool``: :class:`RtpChannel` over a SIP call's RTP session, or a scripted one in tests and
benchmarks (:class:`ScriptedChannel`, which answers each prompt with audio made by a callback).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .asr import Recognition, Recognizer
from .audio import Pcm
from .grammar import Grammar, for_prompt
from .rtp import RtpSession
from .tts import EspeakTTS, Voice


class Channel(Protocol):
    def play(self, pcm: Pcm) -> None: ...
    def listen(self) -> Pcm | None: ...
    def digits(self) -> str: ...
    def hung_up(self) -> bool: ...


@dataclass
class Turn:
    prompt_id: str
    kind: str
    heard: str  # recogniser text ("" for silence)
    answer: str | None  # phrase (or digits) given to the Session
    confidence: float
    via: str  # speech | keypad | silence
    decode_seconds: float = 0.0
    audio_seconds: float = 0.0


@dataclass
class VoiceCallLog:
    turns: list[Turn] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def decode_seconds(self) -> float:
        return sum(t.decode_seconds for t in self.turns)

    @property
    def audio_seconds(self) -> float:
        return sum(t.audio_seconds for t in self.turns)


def grammar_for(prompt: Any, session: Any) -> Grammar | None:
    """The prompt's phrases plus the dialog's global ones (repeat, opt-out); None for free speech."""
    if not prompt.grammar:
        return None
    extra: list[str] = []
    vocabulary = getattr(getattr(session, "dialog", None), "vocabulary", {}) or {}
    for meaning in ("repeat", "stop"):
        extra.extend(vocabulary.get(meaning, {}).get(prompt.lang, ()))
    return for_prompt(prompt.grammar, prompt.lang, extra)


def run_voice_call(
    session: Any,
    channel: Channel,
    tts: EspeakTTS,
    recognizer: Recognizer,
    *,
    voice: Voice | None = None,
    max_turns: int = 60,
) -> VoiceCallLog:
    """Drive ``session`` (an engine.dialog.Session) over ``channel`` until the goodbye or a hang-up."""
    log = VoiceCallLog()
    started = time.perf_counter()
    v = voice or Voice(session.lang)
    for _ in range(max_turns):
        prompt = session.prompt()
        if prompt is None:
            break
        if channel.hung_up():
            session.hangup()
            break
        channel.play(tts.pcm(prompt.text, v))
        if prompt.final:
            session.close()
            break
        audio = channel.listen()
        keys = channel.digits()
        if keys:
            log.turns.append(Turn(prompt.id, prompt.kind, "", keys, 1.0, "keypad"))
            session.answer(digits=keys)
            continue
        if channel.hung_up() and audio is None:
            session.hangup()
            break
        if audio is None:
            log.turns.append(Turn(prompt.id, prompt.kind, "", None, 0.0, "silence"))
            session.answer()
            continue
        grammar = grammar_for(prompt, session)
        rec: Recognition = recognizer.recognize(audio, 8000, grammar)
        given = rec.answer if grammar is not None else (rec.text or None)
        turn = Turn(prompt.id, prompt.kind, rec.text, given, rec.confidence, "speech")
        turn.decode_seconds, turn.audio_seconds = rec.decode_seconds, rec.audio_seconds
        log.turns.append(turn)
        session.answer(text=given)
    else:
        session.hangup()
    log.seconds = time.perf_counter() - started
    return log


class RtpChannel:
    """A SIP call's media: prompts sent as RTP in real time, answers taken from the RTP received."""

    def __init__(self, rtp: RtpSession, hung_up: threading.Event, *, no_input_timeout: float = 6.0) -> None:
        self.rtp = rtp
        self._hung_up = hung_up
        self.no_input_timeout = no_input_timeout

    def play(self, pcm: Pcm) -> None:
        self.rtp.send_pcm(pcm, stop=self._hung_up)

    def listen(self) -> Pcm | None:
        return self.rtp.listen(no_input_timeout=self.no_input_timeout, hung_up=self._hung_up)

    def digits(self) -> str:
        return self.rtp.take_digits()

    def hung_up(self) -> bool:
        return self._hung_up.is_set()


class ScriptedChannel:
    """A caller simulated in-process: ``reply(prompt_index, prompt_pcm)`` gives the answer's audio, digits
    (a str) or None (silence). Nothing is played in real time."""

    def __init__(self, reply: Callable[[int, Pcm], Pcm | str | None], hang_up_after: int | None = None) -> None:
        self.reply = reply
        self.index = -1
        self.hang_up_after = hang_up_after
        self._pending: Pcm | str | None = None
        self.played: list[Pcm] = []

    def play(self, pcm: Pcm) -> None:
        self.index += 1
        self.played.append(pcm)
        self._pending = self.reply(self.index, pcm)

    def listen(self) -> Pcm | None:
        return None if isinstance(self._pending, str) else self._pending

    def digits(self) -> str:
        return self._pending if isinstance(self._pending, str) else ""

    def hung_up(self) -> bool:
        return self.hang_up_after is not None and self.index >= self.hang_up_after
