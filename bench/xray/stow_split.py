"""Benchmark: splitting a STOW-RS body (three 8 MB instances) — our delimiter split vs the stdlib MIME parser."""

from __future__ import annotations

import email.policy
import os
import statistics
import time
from email.parser import BytesParser

from epiaid.xray.engine.dicomweb import split_parts

CONTENT_TYPE = 'multipart/related; type="application/dicom"; boundary=bench-boundary'


def main(reps: int = 5, size: int = 8_000_000, count: int = 3) -> None:
    payloads = [os.urandom(size) for _ in range(count)]
    body = (
        b"".join(b"--bench-boundary\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n" for p in payloads)
        + b"--bench-boundary--\r\n"
    )
    ours, stdlib = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        parts = split_parts(CONTENT_TYPE, body)
        t1 = time.perf_counter()
        msg = BytesParser(policy=email.policy.HTTP).parsebytes(f"Content-Type: {CONTENT_TYPE}\r\n\r\n".encode() + body)
        theirs = [p.get_payload(decode=True) for p in msg.iter_parts()]
        t2 = time.perf_counter()
        assert [p.data for p in parts] == payloads == theirs
        ours.append(t1 - t0)
        stdlib.append(t2 - t1)
    a, b = statistics.median(ours), statistics.median(stdlib)
    print(
        f"STOW-RS body of {count}×{size / 1e6:.0f} MB: delimiter split {a * 1e3:.0f} ms, "
        f"stdlib email parser {b * 1e3:.0f} ms (median of {reps}) -> {b / a:.1f}x faster"
    )


if __name__ == "__main__":
    main()
