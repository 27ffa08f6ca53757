"""Prompt speech with Debian's espeak-ng, cached on disk as 8 kHz mono 16-bit WAV (telephony).

espeak-ng is run as a subprocess with an argument list (never a shell); the text goes on stdin so that no
prompt can be read as an option. A cache entry is keyed by a hash of (voice, speed, pitch, text, format
version) and written atomically, so concurrent workers may synthesise the same prompt without harm.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .audio import TELEPHONY_RATE, Pcm, read_wav, resample, write_wav

ESPEAK = "espeak-ng"
# The espeak-ng voice for each dialog language.
VOICES = {"ko": "ko", "en": "en-us"}
_FORMAT = "v1-8k-s16-mono"


class TTSUnavailable(RuntimeError):
    """espeak-ng is not installed (Debian package espeak-ng; `make system-test-deps` installs it)."""


def espeak_available() -> bool:
    return shutil.which(ESPEAK) is not None


@dataclass(frozen=True)
class Voice:
    lang: str
    speed: int = 150  # words per minute (espeak -s)
    pitch: int = 50  # 0..99 (espeak -p)

    @property
    def espeak_voice(self) -> str:
        try:
            return VOICES[self.lang]
        except KeyError:
            raise ValueError(f"no espeak-ng voice for language {self.lang!r} (known: {sorted(VOICES)})") from None


class EspeakTTS:
    """Synthesises prompt text to telephony WAV files under cache_dir."""

    def __init__(self, cache_dir: Path, timeout: float = 30.0) -> None:
        self.cache_dir = Path(cache_dir)
        self.timeout = timeout

    def key(self, text: str, voice: Voice) -> str:
        fields = [_FORMAT, voice.espeak_voice, str(voice.speed), str(voice.pitch), text]
        h = hashlib.sha256("\x1f".join(fields).encode())
        return h.hexdigest()[:32]

    def path_for(self, text: str, voice: Voice) -> Path:
        k = self.key(text, voice)
        return self.cache_dir / k[:2] / f"{k}.wav"

    def synthesize(self, text: str, voice: Voice | str) -> Path:
        """The cached WAV for text in voice (a Voice or a language code), synthesising it on a miss."""
        v = Voice(voice) if isinstance(voice, str) else voice
        text = " ".join(text.split())
        if not text:
            raise ValueError("nothing to say: the prompt text is empty")
        out = self.path_for(text, v)
        if out.exists():
            return out
        if not espeak_available():
            raise TTSUnavailable("espeak-ng is not installed (apt-get install espeak-ng)")
        with tempfile.TemporaryDirectory(prefix="carecall-tts-") as tmp:
            raw = Path(tmp) / "raw.wav"
            subprocess.run(
                [ESPEAK, "-v", v.espeak_voice, "-s", str(v.speed), "-p", str(v.pitch), "-w", str(raw), "--stdin"],
                input=text.encode("utf-8"),
                check=True,
                capture_output=True,
                timeout=self.timeout,
            )
            pcm, rate = read_wav(raw)
        write_wav(out, resample(pcm, rate, TELEPHONY_RATE), TELEPHONY_RATE)
        return out

    def pcm(self, text: str, voice: Voice | str) -> Pcm:
        pcm, _ = read_wav(self.synthesize(text, voice))
        return pcm
