"""ASR real-time factor per audio stream, grammar-constrained against free-form decoding, same run, same audio.

For each synthetic answer (espeak-ng speech at varied speed/pitch/SNR, the yes/no and temperature
prompts of the real dialog) the recogniser decodes twice: with the prompt's grammar and free-form. RTF is
decode time over audio time for one stream on one thread — wall clock and CPU time (process time, all
threads: the CPU figure is what one core would need, whatever else runs on the machine). The free-form
transcript is mapped onto the same grammar to show what it would be worth as an answer.

    .venv/bin/python bench/carecall/asr_rtf.py --lang ko --n 60
    .venv/bin/python bench/carecall/asr_rtf.py --lang en --n 40
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asr_accuracy import judge, prompts

from epiaid.carecall.engine.voice.asr import recognizer_for
from epiaid.carecall.engine.voice.call import grammar_for
from epiaid.carecall.engine.voice.scenarios import utterance_set
from epiaid.carecall.engine.voice.tts import EspeakTTS


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", choices=["ko", "en"], default="ko")
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "carecall-bench-tts")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    tts = EspeakTTS(args.cache)
    ctx = prompts(args.lang)
    dialog = ctx["dialog"]
    grammars = {kind: grammar_for(ctx[kind], dialog.vocabulary) for kind in ("yes_no", "number")}  # type: ignore[attr-defined]
    recognizer = recognizer_for(args.lang)
    pool = utterance_set(args.lang, args.n * 3, tts, np.random.default_rng(args.seed))
    speech = [u for u in pool if u.category in ("yes", "no", "number")][: args.n]
    recognizer.recognize(speech[0].pcm, 8000, grammars[speech[0].prompt_kind])  # warm-up (grammar compile)
    audio = sum(len(u.pcm) for u in speech) / 8000
    out: dict[str, dict[str, float]] = {}
    for mode in ("grammar", "free_form"):
        wall = cpu = 0.0
        right = 0
        for u in speech:
            g = grammars[u.prompt_kind]
            w0, c0 = time.perf_counter(), time.process_time()
            rec = recognizer.recognize(u.pcm, 8000, g if mode == "grammar" else None)
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
            answer = rec.answer if mode == "grammar" else g.match(rec.text, fuzzy=0.8) if g else None
            right += judge(dialog, args.lang, u.expected, answer)
        out[mode] = {
            "rtf_wall": round(wall / audio, 4),
            "rtf_cpu": round(cpu / audio, 4),
            "answer_accuracy": round(right / len(speech), 4),
        }
    report = {
        "lang": args.lang,
        "engine": recognizer.engine,
        "utterances": len(speech),
        "audio_seconds": round(audio, 1),
        **out,
        "free_form_over_grammar_rtf_cpu": round(out["free_form"]["rtf_cpu"] / max(1e-9, out["grammar"]["rtf_cpu"]), 2),
        "goal_rtf": 0.3,
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
