"""Grammar ASR accuracy on synthetic answers: espeak-ng speech at varied speed/pitch, white noise at
several SNRs, silence, line noise and off-topic speech, decoded against the real dialog's grammars.

An answer is right when the Session would read the recognised phrase as the meaning spoken (yes/no/
repeat), as the temperature spoken (numbers), or when a bad input (silence, noise, off-topic) gives no
answer at all (the dialog then re-prompts and, after its retries, offers the keypad).

    .venv/bin/python bench/carecall/asr_accuracy.py --lang ko --n 220
    .venv/bin/python bench/carecall/asr_accuracy.py --lang en --n 220
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from epiaid.carecall.engine import numbers
from epiaid.carecall.engine.dialog import Session, interpret, load_dialog
from epiaid.carecall.engine.voice.asr import recognizer_for
from epiaid.carecall.engine.voice.call import grammar_for
from epiaid.carecall.engine.voice.scenarios import utterance_set
from epiaid.carecall.engine.voice.tts import EspeakTTS


def prompts(lang: str) -> dict[str, object]:
    dialog = load_dialog()
    s = Session(dialog, lang)
    yes_no = s.prompt()
    s.answer(text="yes" if lang == "en" else "네")
    number = s.prompt()
    assert yes_no is not None and number is not None and number.kind == "number"
    return {"dialog": dialog, "yes_no": yes_no, "number": number}


def judge(dialog: object, lang: str, expected: object, answer: str | None) -> bool:
    if expected is None:
        return answer is None
    if answer is None:
        return False
    if isinstance(expected, float):
        return numbers.parse_temperature(answer) == expected
    return interpret(dialog, lang, answer, ("yes", "no", "unknown", "repeat")) == expected  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", choices=["ko", "en"], default="ko")
    ap.add_argument("--n", type=int, default=220)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "carecall-bench-tts")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    tts = EspeakTTS(args.cache)
    rng = np.random.default_rng(args.seed)
    ctx = prompts(args.lang)
    dialog = ctx["dialog"]
    grammars = {kind: grammar_for(ctx[kind], dialog.vocabulary) for kind in ("yes_no", "number")}  # type: ignore[attr-defined]
    recognizer = recognizer_for(args.lang)
    utterances = utterance_set(args.lang, args.n, tts, rng)
    per: dict[str, Counter[str]] = defaultdict(Counter)
    by_snr: dict[str, Counter[str]] = defaultdict(Counter)
    confusions: Counter[str] = Counter()
    decode = audio = 0.0
    t0 = time.perf_counter()
    for u in utterances:
        rec = recognizer.recognize(u.pcm, 8000, grammars[u.prompt_kind])
        ok = judge(dialog, args.lang, u.expected, rec.answer)
        per[u.category]["right" if ok else "wrong"] += 1
        by_snr[u.voice.split("snr")[1]]["right" if ok else "wrong"] += 1
        if not ok:
            confusions[f"{u.said or u.category} -> {rec.answer}"] += 1
        decode += rec.decode_seconds
        audio += rec.audio_seconds
    right = sum(c["right"] for c in per.values())
    report = {
        "lang": args.lang,
        "engine": recognizer.engine,
        "utterances": len(utterances),
        "accuracy": round(right / len(utterances), 4),
        "by_category": {k: round(v["right"] / (v["right"] + v["wrong"]), 3) for k, v in sorted(per.items())},
        "counts": {k: dict(v) for k, v in sorted(per.items())},
        "by_snr_db": {k: round(v["right"] / (v["right"] + v["wrong"]), 3) for k, v in sorted(by_snr.items())},
        "speech_only_accuracy": round(
            sum(per[c]["right"] for c in ("yes", "no", "number", "repeat"))
            / max(1, sum(sum(per[c].values()) for c in ("yes", "no", "number", "repeat"))),
            4,
        ),
        "yes_no_accuracy": round(
            (per["yes"]["right"] + per["no"]["right"]) / max(1, sum(per["yes"].values()) + sum(per["no"].values())), 4
        ),
        "rtf": round(decode / audio, 4),
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "top_confusions": confusions.most_common(10),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
