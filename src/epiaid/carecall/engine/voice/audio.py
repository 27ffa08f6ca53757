"""Telephony audio: 8 kHz mono 16-bit PCM as numpy int16, WAV files, G.711 µ-law, resampling, noise.

Django-free. Everything here is plain numpy/scipy so the same code runs in the web worker, the SIP media
thread and the benchmarks.
"""

from __future__ import annotations

import wave
from math import gcd
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.signal import resample_poly

TELEPHONY_RATE = 8000
Pcm = NDArray[np.int16]


def read_wav(path: Path) -> tuple[Pcm, int]:
    """A 16-bit PCM WAV as (mono int16 samples, sample rate); stereo is averaged to mono."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is read, not {8 * w.getsampwidth()}-bit")
        rate = w.getframerate()
        channels = w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return data.astype(np.int16), rate


def write_wav(path: Path, pcm: Pcm, rate: int = TELEPHONY_RATE) -> Path:
    """Write mono 16-bit PCM; the file appears whole (written beside, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, dtype="<i2").tobytes())
    tmp.replace(path)
    return path


def to_float(pcm: Pcm) -> NDArray[np.float32]:
    return (np.asarray(pcm, dtype=np.float32) / 32768.0).astype(np.float32)


def to_pcm(x: NDArray[np.floating]) -> Pcm:
    return np.clip(np.round(np.asarray(x, dtype=np.float64) * 32768.0), -32768, 32767).astype(np.int16)


def resample(pcm: Pcm, rate_in: int, rate_out: int) -> Pcm:
    """Polyphase resampling (anti-aliased) between any two integer rates."""
    if rate_in == rate_out:
        return np.asarray(pcm, dtype=np.int16)
    g = gcd(rate_in, rate_out)
    y = resample_poly(np.asarray(pcm, dtype=np.float64), rate_out // g, rate_in // g)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


# G.711 µ-law (ITU-T G.711 on 14-bit magnitudes, as the reference Sun/CPython audioop code): payload
# type 0 (PCMU) on RTP.
_BIAS = 0x84
_SEG_END = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF], dtype=np.int32)


def ulaw_encode(pcm: Pcm) -> bytes:
    x = np.asarray(pcm, dtype=np.int32) >> 2
    negative = x < 0
    mag = np.minimum(np.where(negative, -x, x), 8159) + (_BIAS >> 2)
    seg = np.searchsorted(_SEG_END, mag, side="left").astype(np.int32)
    uval = np.where(seg >= 8, 0x7F, (np.minimum(seg, 7) << 4) | ((mag >> (np.minimum(seg, 7) + 1)) & 0x0F))
    byte = uval ^ np.where(negative, 0x7F, 0xFF)
    return byte.astype(np.uint8).tobytes()


def ulaw_decode(data: bytes) -> Pcm:
    u = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    mag = ((mantissa << 3) + _BIAS) << exponent
    x = np.where(sign != 0, _BIAS - mag, mag - _BIAS)
    return x.astype(np.int16)


def rms(pcm: Pcm) -> float:
    x = np.asarray(pcm, dtype=np.float64)
    return float(np.sqrt(np.mean(x * x))) if x.size else 0.0


def add_noise(pcm: Pcm, snr_db: float, rng: np.random.Generator) -> Pcm:
    """White Gaussian noise at the given signal-to-noise ratio (signal power over the non-silent part)."""
    x = np.asarray(pcm, dtype=np.float64)
    voiced = x[np.abs(x) > 0.02 * (np.abs(x).max() or 1)]
    p_signal = float(np.mean(voiced**2)) if voiced.size else 1.0
    noise = rng.normal(0.0, np.sqrt(p_signal / 10 ** (snr_db / 10)), size=x.shape)
    return np.clip(np.round(x + noise), -32768, 32767).astype(np.int16)


def silence(seconds: float, rate: int = TELEPHONY_RATE) -> Pcm:
    return np.zeros(round(seconds * rate), dtype=np.int16)


def noise_only(seconds: float, level: float, rng: np.random.Generator, rate: int = TELEPHONY_RATE) -> Pcm:
    """Line noise without speech (for the silence/noise bad-input cases); level is the rms in int16 units."""
    return np.clip(rng.normal(0.0, level, size=round(seconds * rate)), -32768, 32767).astype(np.int16)


def pad(pcm: Pcm, before: float = 0.3, after: float = 0.5, rate: int = TELEPHONY_RATE) -> Pcm:
    return np.concatenate([silence(before, rate), np.asarray(pcm, dtype=np.int16), silence(after, rate)])


def speech_bounds(pcm: Pcm, rate: int = TELEPHONY_RATE, frame_ms: int = 20, threshold: float = 0.0) -> tuple[int, int]:
    """First and last sample of the frames whose energy exceeds the threshold (an adaptive one by default:
    well above the quietest frames); (0, 0) when nothing is louder than the floor."""
    n = rate * frame_ms // 1000
    frames = len(pcm) // n
    if frames == 0:
        return 0, 0
    e = np.sqrt(np.mean(np.asarray(pcm[: frames * n], dtype=np.float64).reshape(frames, n) ** 2, axis=1))
    if threshold <= 0:
        floor = float(np.percentile(e, 10))
        threshold = max(300.0, 3.0 * floor)
    loud = np.flatnonzero(e > threshold)
    if loud.size == 0:
        return 0, 0
    return int(loud[0] * n), int((loud[-1] + 1) * n)
