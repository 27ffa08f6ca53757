"""The SIP channel: a care call placed over on-premises telephony with real RTP audio.

The call is placed with our own small SIP user agent (``engine/voice/sip.py``) to the health centre's
SIP trunk or PBX (``CARECALL_SIP_TRUNK`` host:port); the prompts are spoken with espeak-ng (cached WAV),
sent as G.711 µ-law RTP; the person's answers come back as RTP and are recognised offline against each
prompt's grammar (Vosk for Korean, Whisper tiny.en for English), or as RFC 2833 keypad events. The whole
call runs in one process through :func:`epiaid.carecall.transports.base.drive` (or
``services.calls.run_call``, which stores and escalates), so the dialog decides and the services record.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from epiaid.carecall.engine.dialog import CallResult, Prompt, Session
from epiaid.carecall.engine.voice.asr import Recognizer, recognizer_for
from epiaid.carecall.engine.voice.call import RtpChannel, VoiceCallLog, VoiceTurns
from epiaid.carecall.engine.voice.sip import SipCall, SipError
from epiaid.carecall.engine.voice.tts import EspeakTTS
from epiaid.carecall.transports.base import Ask, Reply, StartOutcome, drive


@dataclass
class SipCallOutcome:
    result: CallResult
    log: VoiceCallLog
    hung_up_by_peer: bool
    rtp_packets_in: int
    rtp_packets_out: int


@dataclass
class SipTransport:
    """Places care calls over SIP. ``dial`` turns a check-in into the sip: URI to call (the services
    decrypt the number); ``run`` holds one call from INVITE to BYE."""

    trunk: tuple[str, int]
    tts_cache: Path
    local_ip: str = "127.0.0.1"
    no_input_timeout: float = 6.0
    recognizers: Callable[[str], Recognizer] = recognizer_for
    dial: Callable[[Any], str] | None = None
    run_call: Callable[..., Any] | None = None  # services.calls.run_call, given by whoever registers us
    name: str = "sip"
    _tts: EspeakTTS | None = field(default=None, init=False, repr=False)

    @property
    def tts(self) -> EspeakTTS:
        if self._tts is None:
            self._tts = EspeakTTS(self.tts_cache)
        return self._tts

    def open(self, uri: str, timeout: float = 30.0) -> SipCall:
        call = SipCall(self.local_ip)
        try:
            call.invite(uri, self.trunk, timeout=timeout)
        except BaseException:
            call.close()
            raise
        return call

    def asker(self, call: SipCall, lang: str, vocabulary: Any = None) -> VoiceTurns:
        """What speaks and hears over this call (``turns.ask`` / ``turns.say``)."""
        channel = RtpChannel(call.rtp, call.hung_up_by_peer, no_input_timeout=self.no_input_timeout)
        return VoiceTurns(channel, self.tts, self.recognizers(lang), vocabulary=vocabulary)

    @staticmethod
    def _callbacks(call: SipCall, turns: VoiceTurns) -> tuple[Ask, Callable[[Prompt], None]]:
        def ask(prompt: Prompt) -> Reply | None:
            heard = turns.ask(prompt)
            return None if heard is None else Reply(text=heard.text, digits=heard.digits)

        def say_final(prompt: Prompt) -> None:
            if not call.hung_up_by_peer.is_set():
                turns.say(prompt)

        return ask, say_final

    @staticmethod
    def _hang_up(call: SipCall) -> None:
        """BYE after the goodbye; a far end that no longer answers (gone, or its line dropped) does not
        undo the call: what was answered is kept."""
        if call.hung_up_by_peer.is_set():
            return
        with contextlib.suppress(SipError):
            call.bye()

    def run(self, uri: str, session: Session, *, timeout: float = 30.0) -> SipCallOutcome:
        """Call ``uri``, hold the dialog over RTP, hang up (BYE) after the goodbye."""
        call = self.open(uri, timeout)
        try:
            turns = self.asker(call, session.lang, session.dialog.vocabulary)
            ask, say_final = self._callbacks(call, turns)
            result = drive(session, ask, say_final=say_final)
            self._hang_up(call)
            peer_hung_up = call.hung_up_by_peer.is_set()
            return SipCallOutcome(result, turns.log, peer_hung_up, call.rtp.packets_in, call.rtp.packets_out)
        finally:
            call.close()

    def start(self, checkin: Any) -> StartOutcome:
        """The synchronous channel: dial the check-in's person and run the whole call through the services."""
        if self.dial is None or self.run_call is None:
            raise RuntimeError("the SIP transport needs dial= and run_call= (wired where it is registered)")
        from epiaid.carecall.engine.dialog import load_dialog
        from epiaid.core.actors import Actor

        try:
            call = self.open(self.dial(checkin))
        except SipError as exc:
            return StartOutcome(reached=False, detail=str(exc))
        try:
            lang = getattr(getattr(checkin, "person", None), "language", "ko") or "ko"
            turns = self.asker(call, lang, load_dialog().vocabulary)
            ask, say_final = self._callbacks(call, turns)
            self.run_call(Actor.system("carecall"), checkin, ask=ask, say_final=say_final)
            self._hang_up(call)
        finally:
            call.close()
        return StartOutcome(reached=True, channel_ref=call.call_id)
