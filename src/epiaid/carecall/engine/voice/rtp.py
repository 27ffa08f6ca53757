"""RTP audio for one call: G.711 µ-law (PCMU, payload type 0) over UDP, 20 ms packets (Django-free).

:class:`RtpSession` binds a UDP port, receives the far end's packets on a thread (decoded to 8 kHz PCM,
with RFC 4733 telephone-events collected as keypad digits) and sends audio paced in real time. Its
:meth:`RtpSession.listen` waits for one spoken answer (energy endpointing: speech onset, then trailing
silence or the far end going quiet) from everything received since the last answer, so an answer that
starts while the prompt is still playing (barge-in) is not lost.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from dataclasses import dataclass

import numpy as np

from .audio import TELEPHONY_RATE, Pcm, ulaw_decode, ulaw_encode

PT_PCMU = 0
PT_EVENT = 101
FRAME = 160  # samples per 20 ms at 8 kHz
EVENT_DIGITS = "0123456789*#ABCD"


@dataclass
class _Frame:
    arrived: float
    pcm: Pcm


class RtpSession:
    def __init__(self, local_ip: str = "127.0.0.1", local_port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((local_ip, local_port))
        self.sock.settimeout(0.05)
        self.local_ip, self.local_port = self.sock.getsockname()
        self.remote: tuple[str, int] | None = None
        self.ssrc = int.from_bytes(os.urandom(4), "big")
        self._seq = int.from_bytes(os.urandom(2), "big")
        self._ts = int.from_bytes(os.urandom(4), "big")
        self._frames: list[_Frame] = []
        self._digits: list[str] = []
        self._last_event_ts: int | None = None
        self._last_digit_at = 0.0
        self._event_ended = False
        self._cursor = 0  # index of the first frame not yet consumed by listen()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.packets_in = 0
        self.packets_out = 0
        self._thread = threading.Thread(target=self._receive, name=f"rtp-{self.local_port}", daemon=True)
        self._thread.start()

    # ---- receiving

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            if len(data) < 12 or data[0] >> 6 != 2:
                continue
            cc = data[0] & 0x0F
            pt = data[1] & 0x7F
            (ts,) = struct.unpack("!I", data[4:8])
            payload = data[12 + 4 * cc :]
            if data[0] & 0x10 and len(payload) >= 4:  # header extension
                (ext_len,) = struct.unpack("!H", payload[2:4])
                payload = payload[4 + 4 * ext_len :]
            if data[0] & 0x20 and payload:  # padding
                payload = payload[: -payload[-1]]
            if self.remote is None:
                self.remote = addr  # symmetric RTP: answer where it comes from until told otherwise
            with self._lock:
                self.packets_in += 1
                if pt == PT_PCMU and payload:
                    self._frames.append(_Frame(time.monotonic(), ulaw_decode(payload)))
                elif pt == PT_EVENT and len(payload) >= 4 and payload[0] < len(EVENT_DIGITS):
                    # One digit per event: its packets (and the end packet's retransmissions) share a
                    # timestamp. The same timestamp again after the event's end is a new press (a phone
                    # replaying an identical event, as sipp's pcaps do).
                    end = bool(payload[1] & 0x80)
                    if ts != self._last_event_ts or (self._event_ended and not end):
                        self._digits.append(EVENT_DIGITS[payload[0]])
                        self._event_ended = False
                    self._event_ended = self._event_ended or end
                    self._last_event_ts = ts
                    self._last_digit_at = time.monotonic()

    def received(self) -> Pcm:
        """Everything received so far, as one PCM array (for tests and recordings)."""
        with self._lock:
            frames = [f.pcm for f in self._frames]
        return np.concatenate(frames) if frames else np.zeros(0, dtype=np.int16)

    def take_digits(self) -> str:
        with self._lock:
            d, self._digits = "".join(self._digits), []
        return d

    def listen(
        self,
        no_input_timeout: float = 6.0,
        trailing_silence: float = 0.7,
        max_seconds: float = 10.0,
        threshold: float = 400.0,
        hung_up: threading.Event | None = None,
        digit_timeout: float = 1.5,
        min_speech: float = 0.3,
    ) -> Pcm | None:
        """The next spoken answer (with 0.2 s before its onset), or None for silence/no audio in time, or
        when keys were pressed (``digit_timeout`` after the last one; :meth:`take_digits` has them)."""
        deadline = time.monotonic() + no_input_timeout
        onset: int | None = None
        quiet_frames_needed = max(1, round(trailing_silence * 1000 / 20))
        while True:
            with self._lock:
                frames = self._frames[self._cursor :]
            loud = [float(np.sqrt(np.mean(f.pcm.astype(np.float64) ** 2))) > threshold for f in frames]
            if onset is None:
                first = next((i for i, v in enumerate(loud) if v), None)
                if first is not None:
                    onset = first
                    deadline = time.monotonic() + max_seconds
            if onset is not None:
                tail = loud[onset:]
                quiet = 0
                for v in reversed(tail):
                    if v:
                        break
                    quiet += 1
                stream_stopped = bool(frames) and time.monotonic() - frames[-1].arrived > trailing_silence
                if quiet >= quiet_frames_needed or stream_stopped or time.monotonic() > deadline:
                    end = len(frames) if stream_stopped or quiet < quiet_frames_needed else len(frames) - quiet + 5
                    if sum(tail) * 0.02 < min_speech:  # a click or a blip, not an answer: keep listening
                        with self._lock:
                            self._cursor += end
                        onset = None
                        deadline = max(deadline, time.monotonic() + 1.0)
                        continue
                    start = max(0, onset - 10)
                    pcm = np.concatenate([f.pcm for f in frames[start:end]])
                    with self._lock:
                        self._cursor += end
                    return pcm
            with self._lock:
                keyed = bool(self._digits) and time.monotonic() - self._last_digit_at > digit_timeout
            if onset is None and keyed:
                with self._lock:
                    self._cursor += len(frames)
                return None
            if onset is None and (time.monotonic() > deadline or (hung_up is not None and hung_up.is_set())):
                with self._lock:
                    self._cursor += len(frames)
                return None
            time.sleep(0.02)

    def skip_received(self) -> None:
        """Forget what has been received so far (e.g. line noise before the first prompt)."""
        with self._lock:
            self._cursor = len(self._frames)

    # ---- sending

    def send_pcm(self, pcm: Pcm, *, realtime: bool = True, stop: threading.Event | None = None) -> None:
        """Send 8 kHz PCM as PCMU packets every 20 ms (paced against the clock, no drift)."""
        if self.remote is None:
            raise RuntimeError("no remote RTP address yet (no SDP answer)")
        x = np.asarray(pcm, dtype=np.int16)
        if len(x) % FRAME:
            x = np.concatenate([x, np.zeros(FRAME - len(x) % FRAME, dtype=np.int16)])
        start = time.monotonic()
        for n, i in enumerate(range(0, len(x), FRAME)):
            if stop is not None and stop.is_set():
                return
            header = struct.pack("!BBHII", 0x80, (0x80 if n == 0 else 0) | PT_PCMU, self._seq, self._ts, self.ssrc)
            self.sock.sendto(header + ulaw_encode(x[i : i + FRAME]), self.remote)
            self.packets_out += 1
            self._seq = (self._seq + 1) & 0xFFFF
            self._ts = (self._ts + FRAME) & 0xFFFFFFFF
            if realtime:
                due = start + (n + 1) * FRAME / TELEPHONY_RATE
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)
        self.sock.close()


def write_ulaw_wav(path: str | os.PathLike[str], pcm: Pcm, rate: int = TELEPHONY_RATE) -> None:
    """A G.711 µ-law WAV (format tag 7), the file form sipp's rtp_stream plays as PCMU."""
    data = ulaw_encode(pcm)
    fmt = struct.pack("<HHIIHH", 7, 1, rate, rate, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)
