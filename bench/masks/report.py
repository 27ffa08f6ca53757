"""Parse wrk outputs and print the comparison table (our server vs nginx serving the same bytes)."""

from __future__ import annotations

import re
import statistics
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
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "requests": requests,
        "non2xx": float(non2xx.group(1)) if non2xx else 0.0,
        "status": status.group(1) if status else "",
    }  # type: ignore[dict-item]


def main() -> None:
    folder, rounds = Path(sys.argv[1]), int(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else ""
    ours = [parse(folder / f"ours.{r}.txt") for r in range(1, rounds + 1)]
    nginx = [parse(folder / f"nginx.{r}.txt") for r in range(1, rounds + 1)]
    burst = parse(folder / "burst.txt")
    print(f"\nstoresByGeo 1 km around Seoul City Hall, real outlet lists, wrk 64 connections {label}")
    print(f"{'round':<7}{'server':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}{'ratio':>8}")
    ratios = []
    for r, (a, b) in enumerate(zip(ours, nginx, strict=True), start=1):
        ratios.append(a["rps"] / b["rps"])
        for name, x in (("epiaid (read-model path)", a), ("nginx static, same bytes", b)):
            extra = f"{ratios[-1]:>8.2f}" if x is a else ""
            print(f"{r:<7}{name:<28}{x['rps']:>10.0f}{x['p50']:>10.2f}{x['p99']:>10.2f}{x['non2xx']:>10.0f}{extra}")
    ratio = statistics.median(ratios)
    p99 = statistics.median(a["p99"] for a in ours)
    nginx_p99 = statistics.median(b["p99"] for b in nginx)
    print(f"median ratio ours/nginx req/s: {ratio:.2f}  (goal >= 0.90: {'met' if ratio >= 0.9 else 'NOT met'})")
    print(
        f"median p99: ours {p99:.1f} ms, nginx {nginx_p99:.1f} ms  (goal ours <= 50 ms: "
        f"{'met' if p99 <= 50 else 'NOT met'})"
    )
    print(
        f"burst 10x (640 connections) on epiaid: {burst['rps']:.0f} req/s, p50 {burst['p50']:.1f} ms, "
        f"p99 {burst['p99']:.1f} ms, {burst['status']}"
    )
    five = re.search(r"5xx=(\d+)", str(burst["status"]))
    print(f"burst 5xx responses: {five.group(1) if five else 'unknown'} (goal 0)")


if __name__ == "__main__":
    main()
