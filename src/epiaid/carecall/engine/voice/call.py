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


def grammar_for(prompt: Any, vocabulary: Any = None) -> Grammar | None:
    """The prompt's phrases plus the dialog's global ones (repeat, opt-out: ``vocabulary`` is the
    dialog's meaning → lang → phrases); None for free speech."""
    if not prompt.grammar:
        return None
    extra: list[str] = []
    vocabulary = vocabulary or {}
    for meaning in ("repeat", "stop"):
        extra.extend(vocabulary.get(meaning, {}).get(prompt.lang, ()))
    return for_prompt(prompt.grammar, prompt.lang, extra)


@dataclass(frozen=True)
class Heard:
    """What the person did at a prompt: the grammar phrase recognised (``text``), keys pressed
    (``digits``), or neither (silence / no match, which the Session re-prompts)."""

    text: str | None = None
    digits: str | None = None


class VoiceTurns:
    """Speaks prompts and hears answers over a channel; ``ask`` fits the transports' ``drive``."""

    def __init__(
        self,
        channel: Channel,
        tts: EspeakTTS,
        recognizer: Recognizer,
        *,
        vocabulary: Any = None,
        voice: Voice | None = None,
    ) -> None:
        self.channel = channel
        self.tts = tts
        self.recognizer = recognizer
        self.vocabulary = vocabulary
        self.voice = voice
        self.log = VoiceCallLog()

    def say(self, prompt: Any) -> None:
        self.channel.play(self.tts.pcm(prompt.text, self.voice or Voice(prompt.lang)))

    def ask(self, prompt: Any) -> Heard | None:
        """Say the prompt and return what was heard; None when the person hung up."""
        if self.channel.hung_up():
            return None
        expect = getattr(self.channel, "expect", None)
        if expect is not None:
            expect(prompt)
        self.say(prompt)
        audio = self.channel.listen()
        keys = self.channel.digits()
        if keys:
            self.log.turns.append(Turn(prompt.id, prompt.kind, "", keys, 1.0, "keypad"))
            return Heard(digits=keys)
        if audio is None:
            if self.channel.hung_up():
                return None
            self.log.turns.append(Turn(prompt.id, prompt.kind, "", None, 0.0, "silence"))
            return Heard()
        grammar = grammar_for(prompt, self.vocabulary)
        if grammar is None:
            # Free speech (a message): "nothing" is recognised against the no-phrases; anything else is
            # transcribed only by a recogniser that can (Whisper); Vosk's free-form Korean is noise, so
            # there the prompt is repeated and the keypad hint ("없으면 2번") takes over.
            nothing = (self.vocabulary or {}).get("no", {}).get(prompt.lang, ())
            rec: Recognition = self.recognizer.recognize(audio, 8000, for_prompt(nothing, prompt.lang))
            given = rec.answer
            if rec.answer is None and getattr(self.recognizer, "free_form", False):
                free = self.recognizer.recognize(audio, 8000, None)
                rec = Recognition(
                    free.text,
                    free.confidence,
                    None,
                    free.engine,
                    free.audio_seconds,
                    rec.decode_seconds + free.decode_seconds,
                )
                given = free.text or None
        else:
            rec = self.recognizer.recognize(audio, 8000, grammar)
            given = rec.answer
        turn = Turn(prompt.id, prompt.kind, rec.text, given, rec.confidence, "speech")
        turn.decode_seconds, turn.audio_seconds = rec.decode_seconds, rec.audio_seconds
        self.log.turns.append(turn)
        return Heard(text=given)


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
    turns = VoiceTurns(channel, tts, recognizer, vocabulary=session.dialog.vocabulary, voice=voice)
    started = time.perf_counter()
    for _ in range(max_turns):
        prompt = session.prompt()
        if prompt is None:
            break
        if prompt.final:
            turns.say(prompt)
            session.close()
            break
        heard = turns.ask(prompt)
        if heard is None:
            session.hangup()
            break
        session.answer(text=heard.text, digits=heard.digits)
    else:
        session.hangup()
    turns.log.seconds = time.perf_counter() - started
    return turns.log


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


HANG_UP = "<hang-up>"  # what a scripted reply returns for the person putting the phone down


class ScriptedChannel:
    """A caller simulated in-process: ``reply(prompt)`` gives the answer's audio (PCM), keys (str) or
    None (silence). Nothing is played in real time; the person hangs up after ``hang_up_after`` prompts."""

    def __init__(self, reply: Callable[[Any], Pcm | str | None], hang_up_after: int | None = None) -> None:
        self.reply = reply
        self.hang_up_after = hang_up_after
        self.heard = 0
        self._pending: Pcm | str | None = None
        self.played_seconds = 0.0

    def expect(self, prompt: Any) -> None:
        self._pending = None if self.hung_up() else self.reply(prompt)
        self.heard += 1
        if isinstance(self._pending, str) and self._pending == HANG_UP:
            self._pending = None
            self.hang_up_after = self.heard

    def play(self, pcm: Pcm) -> None:
        self.played_seconds += len(pcm) / 8000

    def listen(self) -> Pcm | None:
        return None if isinstance(self._pending, str) else self._pending

    def digits(self) -> str:
        return self._pending if isinstance(self._pending, str) else ""

    def hung_up(self) -> bool:
        return self.hang_up_after is not None and self.heard >= self.hang_up_after
