"""Parse wrk outputs and print the comparison table (our server vs nginx serving the same bytes)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not match:
        raise ValueError(f"not a wrk latency: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(path: Path) -> dict[str, float]:
    text = path.read_text()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    status = re.search(r"STATUS (.*)", text)
    return {"rps": rps, "p50": p50, "p99": p99, "requests": requests,
            "non2xx": float(non2xx.group(1)) if non2xx else 0.0, "status": status.group(1) if status else ""}  # type: ignore[dict-item]


def main() -> None:
    ours, nginx, burst = (parse(Path(p)) for p in sys.argv[1:4])
    label = sys.argv[4] if len(sys.argv) > 4 else ""
    print(f"\nstoresByGeo 1 km around Seoul City Hall, real outlet list, wrk 64 connections {label}")
    print(f"{'server':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, r in (("epiaid (read-model path)", ours), ("nginx static, same bytes", nginx)):
        print(f"{name:<28}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['non2xx']:>10.0f}")
    ratio = ours["rps"] / nginx["rps"]
    print(f"ratio ours/nginx req/s: {ratio:.2f}  (goal >= 0.50: {'met' if ratio >= 0.5 else 'NOT met'}); "
          f"our p99 {ours['p99']:.1f} ms (goal <= 50 ms: {'met' if ours['p99'] <= 50 else 'NOT met'})")
    print(f"burst 10x (640 connections) on epiaid: {burst['rps']:.0f} req/s, p99 {burst['p99']:.1f} ms, "
          f"{burst['status']}")
    five = re.search(r"5xx=(\d+)", str(burst["status"]))
    print(f"burst 5xx responses: {five.group(1) if five else 'unknown'} (goal 0)")


if __name__ == "__main__":
    main()
