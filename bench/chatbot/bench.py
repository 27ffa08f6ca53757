"""Per-query latency of chatbot retrieval: the fused engine against BM25 alone, in the same run.

    .venv/bin/python bench/chatbot/bench.py [--repeat 2] [--kb faq_covidbert.csv] [--url http://127.0.0.1:8000]

Queries: the authored English paraphrases (bench/chatbot/paraphrases_en.csv) against
``faq_covidbert.csv`` and, when present, the Korean paraphrases against ``faq_ko.csv``. Each query
is timed end to end through ``Retriever.search`` (cleaning, tokenising, both embedders, BM25, char
TF-IDF, fusion, calibration) after a warm-up on 20 other questions, twice over, with the
embedders' text caches emptied before every query (each is embedded afresh); BM25 alone is bm25s
over the same tokens with the top-k sort. With ``--url``, the REST endpoint is timed too
(sequential requests, loopback only).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from epiaid.chatbot.engine import text as T  # noqa: E402
from epiaid.chatbot.engine.io import read_kb  # noqa: E402
from epiaid.chatbot.engine.retrieval import Entry, Retriever  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "chat"


class BM25Only:
    def __init__(self, entries: list[Entry]) -> None:
        import bm25s

        self.bm25 = bm25s.BM25()
        docs = T.tokens_many([T.clean(e.question) for e in entries])
        self.bm25.index([d or ["\x00"] for d in docs], show_progress=False)
        self.vocab = self.bm25.vocab_dict

    def search(self, text: str, k: int = 5) -> list[int]:
        toks = [t for t in T.tokens_many([T.clean(text)])[0] if t in self.vocab]
        if not toks:
            return []
        scores = self.bm25.get_scores(toks)
        return list(np.argsort(-scores)[:k])


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.array(xs), p))


WARM_UP = [f"warm-up question number {i} about masks, tests and clinics" for i in range(20)]


def forget_queries() -> None:
    """Empty the embedders' text caches, so that every timed query is embedded afresh (the knowledge
    base's vectors live in the retriever and stay)."""
    from epiaid.chatbot.engine.semantic import get_embedders

    for emb in get_embedders():
        cache = getattr(emb, "_cache", None)
        if cache is not None:
            cache.clear()


def timed(fn, queries: list[str], repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    for q in WARM_UP:
        fn(q)
    out = []
    for _ in range(repeat):
        for q in queries:
            forget_queries()
            t0 = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def rest(url: str, queries: list[str], repeat: int) -> list[float]:
    import httpx

    out = []
    with httpx.Client(base_url=url, timeout=10) as client:
        for _ in range(repeat):
            for q in queries:
                t0 = time.perf_counter()
                r = client.post("/api/chatbot/messages", json={"session_id": "bench-chatbot", "text": q})
                r.raise_for_status()
                out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--kb", type=Path, default=DATA / "deepset_covid_qa" / "faq_covidbert.csv")
    ap.add_argument("--url", help="also time POST {url}/api/chatbot/messages (a server you started on loopback)")
    ap.add_argument("--json", type=Path, help="write the numbers here too")
    args = ap.parse_args()
    if not args.kb.exists():
        sys.exit(f"no knowledge base at {args.kb}")

    sets: list[tuple[str, list[Entry], list[str]]] = []
    with (ROOT / "bench" / "chatbot" / "paraphrases_en.csv").open(encoding="utf-8") as fh:
        sets.append(("EN", read_kb(args.kb), [r["paraphrase"] for r in csv.DictReader(fh)]))
    ko_kb = ROOT / "src" / "epiaid" / "chatbot" / "data" / "faq_ko.csv"
    ko_q = ROOT / "src" / "epiaid" / "chatbot" / "data" / "paraphrases_ko.csv"
    if ko_kb.exists() and ko_q.exists():
        with ko_q.open(encoding="utf-8") as fh:
            sets.append(("KO", read_kb(ko_kb), [r["question"] for r in csv.DictReader(fh)]))

    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}, repeat: {args.repeat}")
    results: dict[str, dict[str, float]] = {}
    for name, entries, queries in sets:
        t0 = time.perf_counter()
        engine = Retriever.build(entries)
        build_s = time.perf_counter() - t0
        bm25 = BM25Only(entries)
        fused_ms = timed(lambda q, e=engine: e.search(q, k=5), queries, args.repeat)
        bm25_ms = timed(lambda q, b=bm25: b.search(q, k=5), queries, args.repeat)
        row = {
            "entries": len(entries),
            "queries": len(queries),
            "build_s": round(build_s, 2),
            "engine_p50_ms": round(statistics.median(fused_ms), 2),
            "engine_p95_ms": round(pct(fused_ms, 95), 2),
            "bm25_p50_ms": round(statistics.median(bm25_ms), 3),
            "bm25_p95_ms": round(pct(bm25_ms, 95), 3),
        }
        row["ratio_p50"] = round(row["engine_p50_ms"] / max(row["bm25_p50_ms"], 1e-6), 1)
        row["ratio_p95"] = round(row["engine_p95_ms"] / max(row["bm25_p95_ms"], 1e-6), 1)
        embedder = engine.embedder_name
        print(
            f"{name}: {len(entries)} entries, {len(queries)} queries, build {build_s:.1f} s ({embedder})\n"
            f"  engine   p50 {row['engine_p50_ms']:7.2f} ms  p95 {row['engine_p95_ms']:7.2f} ms\n"
            f"  BM25     p50 {row['bm25_p50_ms']:7.3f} ms  p95 {row['bm25_p95_ms']:7.3f} ms\n"
            f"  ratio    p50 {row['ratio_p50']:7.1f} x   p95 {row['ratio_p95']:7.1f} x"
        )
        if args.url:
            rest_ms = rest(args.url, queries, args.repeat)
            row["rest_p50_ms"] = round(statistics.median(rest_ms), 2)
            row["rest_p95_ms"] = round(pct(rest_ms, 95), 2)
            print(f"  REST     p50 {row['rest_p50_ms']:7.2f} ms  p95 {row['rest_p95_ms']:7.2f} ms")
        results[name] = row
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
