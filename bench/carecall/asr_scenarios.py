"""Synthetic-audio care calls: personas answer the real dialog with espeak-ng speech, over WAV (in-process)
or over SIP/RTP against sipp; reports answer accuracy, emergencies escalated and keypad fallbacks.

    .venv/bin/python bench/carecall/asr_scenarios.py --lang ko --calls 100
    .venv/bin/python bench/carecall/asr_scenarios.py --lang en --calls 50
    .venv/bin/python bench/carecall/asr_scenarios.py --lang ko --calls 60 --generator app
    .venv/bin/python bench/carecall/asr_scenarios.py --lang ko --calls 4 --sip   # real SIP + RTP (slow: real time)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from epiaid.carecall.engine.dialog import Session, load_dialog
from epiaid.carecall.engine.voice.asr import recognizer_for
from epiaid.carecall.engine.voice.call import ScriptedChannel, run_voice_call
from epiaid.carecall.engine.voice.scenarios import Caller, expected_result, random_persona, score
from epiaid.carecall.engine.voice.tts import EspeakTTS


def run_wav(lang: str, calls: int, seed: int, tts: EspeakTTS) -> dict[str, object]:
    dialog = load_dialog()
    rng = np.random.default_rng(seed)
    recognizer = recognizer_for(lang)
    totals: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    via: Counter[str] = Counter()
    decode = audio = 0.0
    wrong: list[dict[str, object]] = []
    t0 = time.perf_counter()
    for i in range(calls):
        persona = random_persona(lang, rng)
        if i % 10 == 9:
            persona.hang_up_after = int(rng.integers(1, 5))
        caller = Caller(persona, tts, rng)
        session = Session(dialog, lang)
        channel = ScriptedChannel(caller.reply, hang_up_after=persona.hang_up_after)
        log = run_voice_call(session, channel, tts, recognizer)
        expected = expected_result(dialog, persona)
        s = score(expected, session.result)
        totals.update(s)
        actions.update(caller.actions)
        via.update(t.via for t in log.turns)
        decode += log.decode_seconds
        audio += log.audio_seconds
        if s["right"] < s["questions"] and len(wrong) < 8:
            wrong.append({"expected": expected.answers, "got": session.result.answers,
                          "heard": [(t.prompt_id, t.heard, t.answer, t.via) for t in log.turns]})  # fmt: skip
    return {
        "lang": lang,
        "transport": "wav",
        "engine": recognizer.engine,
        "calls": calls,
        "answers": totals["questions"],
        "answers_right": totals["right"],
        "answer_accuracy": round(totals["right"] / max(1, totals["questions"]), 4),
        "emergencies_expected": totals["emergency_expected"],
        "emergencies_escalated": totals["emergency_escalated"],
        "emergencies_missed": totals["emergency_expected"] - totals["emergency_escalated"],
        "false_emergencies": totals["false_emergency"],
        "caller_actions": dict(actions),
        "turns_by_input": dict(via),
        "asr_rtf": round(decode / audio, 4) if audio else None,
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "examples_wrong": wrong[:3],
    }


def run_app_generator(lang: str, calls: int, seed: int, tts: EspeakTTS) -> dict[str, object]:
    """carecall-app's scripted-caller scenarios (engine/scenarios.py), their words spoken by espeak-ng."""
    from epiaid.carecall.engine.scenarios import Score, generate
    from epiaid.carecall.engine.voice.audio import add_noise, pad
    from epiaid.carecall.engine.voice.call import HANG_UP
    from epiaid.carecall.engine.voice.tts import Voice

    dialog = load_dialog()
    rng = np.random.default_rng(seed)
    recognizer = recognizer_for(lang)
    score = Score()
    via: Counter[str] = Counter()
    decode = audio = 0.0
    t0 = time.perf_counter()
    for sc in generate(dialog, calls, seed=seed, langs=(lang,)):
        voice = Voice(lang, speed=int(rng.choice([130, 150, 170])), pitch=int(rng.choice([35, 50, 65])))
        snr = [None, 20.0, 10.0][sc.id % 3]

        def reply(prompt: object, sc: object = sc, voice: Voice = voice, snr: float | None = snr) -> object:
            r = sc.reply(prompt, dialog)  # type: ignore[attr-defined]
            if r is None:
                return HANG_UP
            if r.digits:
                return r.digits
            if not r.text:
                return None
            pcm = pad(tts.pcm(r.text, voice), 0.3, 0.4)
            return add_noise(pcm, snr, rng) if snr is not None else pcm

        session = Session(dialog, lang)
        log = run_voice_call(session, ScriptedChannel(reply), tts, recognizer)  # type: ignore[arg-type]
        score.add(sc, session.result)
        via.update(t.via for t in log.turns)
        decode += log.decode_seconds
        audio += log.audio_seconds
    d = score.as_dict()
    d.pop("wrong", None)
    return {
        "lang": lang,
        "transport": "wav",
        "generator": "engine.scenarios.generate (text and keypad scenarios; text spoken by espeak-ng)",
        "engine": recognizer.engine,
        **d,
        "answer_accuracy": round(score.accuracy, 4),
        "turns_by_input": dict(via),
        "asr_rtf": round(decode / audio, 4) if audio else None,
        "wall_seconds": round(time.perf_counter() - t0, 1),
    }


def run_sip(lang: str, calls: int, seed: int, tts: EspeakTTS, folder: Path) -> dict[str, object]:
    from epiaid.carecall.engine.voice.sipp import SippPeer, sipp_available, timeline_for
    from epiaid.carecall.transports.sip import SipTransport

    if not sipp_available():
        raise SystemExit("sipp is not installed (apt-get install sip-tester)")
    dialog = load_dialog()
    rng = np.random.default_rng(seed)
    totals: Counter[str] = Counter()
    t0 = time.perf_counter()
    packets = Counter[str]()
    for i in range(calls):
        persona = random_persona(lang, rng, troubles=False)
        persona.snr_db = None if i % 2 == 0 else 20.0
        persona.on_reprompt = "keys"
        scenario = timeline_for(dialog, persona, tts, rng, folder / f"call{i:03d}")
        peer = SippPeer(scenario).start()
        time.sleep(0.3)
        transport = SipTransport(trunk=("127.0.0.1", peer.port), tts_cache=tts.cache_dir)
        session = Session(dialog, lang)
        outcome = transport.run(f"sip:person{i}@127.0.0.1:{peer.port}", session)
        rc = peer.wait(30)
        expected = expected_result(dialog, persona)
        totals.update(score(expected, session.result))
        packets.update({"rtp_in": outcome.rtp_packets_in, "rtp_out": outcome.rtp_packets_out, f"sipp_rc_{rc}": 1})
    return {
        "lang": lang,
        "transport": "sip",
        "calls": calls,
        "answers": totals["questions"],
        "answers_right": totals["right"],
        "answer_accuracy": round(totals["right"] / max(1, totals["questions"]), 4),
        "emergencies_expected": totals["emergency_expected"],
        "emergencies_escalated": totals["emergency_escalated"],
        "emergencies_missed": totals["emergency_expected"] - totals["emergency_escalated"],
        "false_emergencies": totals["false_emergency"],
        "rtp_and_sipp": dict(packets),
        "wall_seconds": round(time.perf_counter() - t0, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", choices=["ko", "en"], default="ko")
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--sip", action="store_true", help="over SIP/RTP against sipp (real time)")
    ap.add_argument(
        "--generator",
        choices=["personas", "app"],
        default="personas",
        help="personas: engine/voice/scenarios.py; app: engine/scenarios.py (the text/keypad suite)",
    )
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "carecall-bench-tts")
    ap.add_argument("--json", type=Path, help="also write the report here")
    args = ap.parse_args(argv)
    tts = EspeakTTS(args.cache)
    if args.sip:
        with tempfile.TemporaryDirectory(prefix="carecall-sipp-") as tmp:
            report = run_sip(args.lang, args.calls, args.seed, tts, Path(tmp))
    elif args.generator == "app":
        report = run_app_generator(args.lang, args.calls, args.seed, tts)
    else:
        report = run_wav(args.lang, args.calls, args.seed, tts)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
