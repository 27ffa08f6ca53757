"""sipp as the far end of a care call: a scripted caller for tests and benchmarks (Django-free).

:func:`caller_scenario` writes a sipp UAS scenario that answers our INVITE (180, 200 with an SDP of its
own RTP port), takes the ACK, then plays the caller's answers as PCMU RTP (``rtp_stream``) on a timeline
— each answer after the prompt it answers has had time to play — and finally takes our BYE (or sends its
own, for a hang-up mid-call). :class:`SippPeer` runs it as a subprocess (argument list, no shell).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from .audio import Pcm
from .rtp import write_ulaw_wav

SIPP = "sipp"

_HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="carecall scripted caller">
  <recv request="INVITE" crlf="true" timeout="30000"/>
  <send>
    <![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpstream_audio_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv request="ACK" crlf="true" timeout="10000"/>
"""

_TAKE_BYE = """  <recv request="BYE" timeout="{timeout_ms}"/>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

    ]]>
  </send>
</scenario>
"""

_SEND_BYE = """  <send retrans="500">
    <![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [last_To:]
To: [last_From:]
[last_Call-ID:]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200" timeout="5000"/>
</scenario>
"""


DTMF_PCAP = "/usr/share/sip-tester/dtmf_2833_{digit}.pcap"  # RFC 2833 events shipped with sip-tester


@dataclass
class Step:
    """Wait ``after`` seconds, then play ``audio`` (PCM speech; a str: keys pressed as RFC 2833
    telephone-events from sip-tester's pcaps; None: say nothing this turn)."""

    after: float
    audio: Pcm | str | None


def caller_scenario(folder: Path, steps: list[Step], *, hang_up: bool = False, bye_timeout: float = 180.0) -> Path:
    """Write the scenario and its answer files into folder; returns the scenario's path."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = [_HEAD]
    for i, step in enumerate(steps):
        parts.append(f'  <pause milliseconds="{max(1, round(step.after * 1000))}"/>\n')
        if isinstance(step.audio, str):
            for k, digit in enumerate(step.audio):
                if k:
                    parts.append('  <pause milliseconds="400"/>\n')
                pcap = DTMF_PCAP.format(digit=digit)
                parts.append(f"  <nop><action><exec play_pcap_audio={quoteattr(pcap)}/></action></nop>\n")
        elif step.audio is not None:
            wav = folder / f"answer{i:02d}.wav"
            write_ulaw_wav(wav, step.audio)
            parts.append(f"  <nop><action><exec rtp_stream={quoteattr(f'{wav},1,0')}/></action></nop>\n")
    parts.append(_SEND_BYE if hang_up else _TAKE_BYE.format(timeout_ms=round(bye_timeout * 1000)))
    path = folder / "caller.xml"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def sipp_available() -> bool:
    return shutil.which(SIPP) is not None


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SippPeer:
    """sipp running one scenario as a UAS on 127.0.0.1 (one call, then it exits)."""

    def __init__(self, scenario: Path, *, port: int | None = None, timeout: float = 180.0) -> None:
        self.port = port or free_udp_port()
        self.scenario = scenario
        self.log = scenario.with_suffix(".log")
        media = free_udp_port()
        self.args = [
            SIPP,
            "-sf", str(scenario),
            "-i", "127.0.0.1",
            "-p", str(self.port),
            "-mi", "127.0.0.1",
            "-mp", str(media),
            "-m", "1",
            "-nostdin",
            "-timeout", f"{round(timeout)}s",
            "-trace_err", "-error_file", str(scenario.with_suffix(".errors")),
        ]  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> SippPeer:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        return self

    def wait(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return -9

    def errors(self) -> str:
        p = self.scenario.with_suffix(".errors")
        return p.read_text(errors="replace")[-2000:] if p.exists() else ""


def timeline_for(
    dialog: Any,
    persona: Any,
    tts: Any,
    rng: Any,
    folder: Path,
    *,
    lead: float = 0.6,
    margin: float = 2.0,
    no_input_timeout: float = 6.0,
    reply: Any = None,
) -> Path:
    """A sipp scenario in which ``persona`` answers the dialog on time: the call is run once as text
    (the answers recognised as meant), each prompt's spoken length taken from the same TTS cache the
    caller side uses, and each answer scheduled ``lead`` seconds after its prompt has been said.
    ``reply(prompt)`` overrides what the persona's :class:`Caller` would do (PCM, keys or None)."""
    from epiaid.carecall.engine.dialog import Session

    from .scenarios import Caller, text_reply
    from .tts import Voice

    session = Session(dialog, persona.lang)
    caller = Caller(persona, tts, rng)
    steps: list[Step] = []
    gap = 0.0
    while (prompt := session.prompt()) is not None:
        said = len(tts.pcm(prompt.text, Voice(persona.lang))) / 8000
        if prompt.final:
            break
        answer = reply(prompt) if reply is not None else caller.reply(prompt)
        steps.append(Step(after=gap + said + lead, audio=answer))
        if answer is None:
            gap = no_input_timeout - lead + margin
            session.answer()
        elif isinstance(answer, str):
            gap = 0.6 * len(answer) + 1.5 + margin
            session.answer(digits=answer)
        else:
            gap = len(answer) / 8000 + 0.7 + margin
            session.answer(text=text_reply(persona, prompt))
    return caller_scenario(folder, steps)
