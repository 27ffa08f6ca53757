"""Synthetic callers for the voice channel: personas answering the dialog with espeak-ng speech (Django-free).

A :class:`Persona` holds the true answers (fever, temperature, symptoms, emergency signs) and how the
person behaves (speaks; on a re-prompt speaks again or presses keys; is silent or says something
off-topic once; hangs up). :class:`Caller` turns each prompt into what the person does — speech made with
espeak-ng at a varied speed and pitch, with white noise at a chosen SNR — and :func:`expected_result`
runs the same persona through the dialog as typed text, which is what the voice call should end with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from epiaid.carecall.engine import numbers
from epiaid.carecall.engine.dialog import Dialog, Session

from .audio import Pcm, add_noise, noise_only, pad
from .tts import EspeakTTS, Voice

YES_NO_QUESTIONS = (
    "fever",
    "cough",
    "sore_throat",
    "shortness_of_breath",
    "emergency_signs",
    "taste_smell",
    "other_symptoms",
)

SAY = {
    "ko": {
        "yes": ["네", "예", "있어요", "있습니다"],
        "no": ["아니요", "없어요", "없습니다", "아니오"],
        "unknown": ["몰라요", "모르겠어요"],
        "none": ["없습니다"],
        "off_topic": ["여보세요 누구세요", "오늘 날씨가 좋네요", "잠깐만요 지금 운전 중이에요"],
    },
    "en": {
        "yes": ["yes", "yeah", "yes i do"],
        "no": ["no", "nope", "i don't"],
        "unknown": ["i don't know", "not sure"],
        "none": ["nothing"],
        "off_topic": ["hello who is this", "the weather is nice today", "hold on i am driving"],
    },
}
KEYS = {"yes": "1", "no": "2", "unknown": "0", "none": "2"}


@dataclass
class Persona:
    lang: str
    answers: dict[str, str]  # yes/no question → "yes" | "no"
    temperature: float | None  # None: "don't know"
    on_reprompt: str = "speech"  # speech | keys
    trouble: str = ""  # "" | silence | off_topic | noise: once, at the trouble_at-th prompt
    trouble_at: int = 1
    speed: int = 150
    pitch: int = 50
    snr_db: float | None = None
    hang_up_after: int | None = None  # prompts heard before hanging up

    @property
    def emergency(self) -> bool:
        return self.answers.get("shortness_of_breath") == "yes" and self.answers.get("emergency_signs") == "yes"


def random_persona(lang: str, rng: np.random.Generator, *, troubles: bool = True) -> Persona:
    answers = {q: ("yes" if rng.random() < 0.3 else "no") for q in YES_NO_QUESTIONS}
    temperature = None if rng.random() < 0.15 else round(float(rng.uniform(36.0, 39.5)), 1)
    return Persona(
        lang=lang,
        answers=answers,
        temperature=temperature,
        on_reprompt=str(rng.choice(["speech", "keys"])),
        trouble=str(rng.choice(["", "", "silence", "off_topic", "noise"])) if troubles else "",
        trouble_at=int(rng.integers(0, 4)),
        speed=int(rng.choice([130, 150, 170])),
        pitch=int(rng.choice([35, 50, 65])),
        snr_db=[None, 20.0, 10.0][int(rng.integers(0, 3))],
    )


def _value_in(text: str) -> float | None:
    m = re.search(r"(\d{2})\.(\d)", text)
    return float(m.group(0)) if m else None


def meaning_for(persona: Persona, prompt: Any) -> str:
    """What the persona means at this prompt: yes/no/unknown/none, or "value"."""
    if prompt.kind == "confirm":
        heard = _value_in(prompt.text)
        return "yes" if persona.temperature is not None and heard == persona.temperature else "no"
    if prompt.kind == "number":
        return "unknown" if persona.temperature is None else "value"
    if prompt.kind == "free_text":
        return "none"
    return persona.answers.get(prompt.question, "no")


@dataclass
class Caller:
    persona: Persona
    tts: EspeakTTS
    rng: np.random.Generator
    prompts_heard: int = 0
    actions: list[str] = field(default_factory=list)

    def speech(self, text: str) -> Pcm:
        p = self.persona
        pcm = pad(self.tts.pcm(text, Voice(p.lang, speed=p.speed, pitch=p.pitch)), 0.3, 0.4)
        return add_noise(pcm, p.snr_db, self.rng) if p.snr_db is not None else pcm

    def reply(self, prompt: Any) -> Pcm | str | None:
        """Speech (PCM), keys (str) or silence (None) for this prompt."""
        p = self.persona
        index = self.prompts_heard
        self.prompts_heard += 1
        if p.trouble and index == p.trouble_at:
            self.actions.append(p.trouble)
            if p.trouble == "silence":
                return None
            if p.trouble == "noise":
                return noise_only(1.5, 800.0, self.rng)
            return self.speech(str(self.rng.choice(SAY[p.lang]["off_topic"])))
        meaning = meaning_for(p, prompt)
        if prompt.reprompt and p.on_reprompt == "keys":
            self.actions.append("keys")
            if meaning == "value":
                assert p.temperature is not None
                return f"{round(p.temperature * 10)}"
            return KEYS[meaning]
        self.actions.append("speech")
        if meaning == "value":
            assert p.temperature is not None
            return self.speech(numbers.say_temperature(p.temperature, p.lang))
        return self.speech(str(self.rng.choice(SAY[p.lang][meaning])))


def text_reply(persona: Persona, prompt: Any) -> str:
    meaning = meaning_for(persona, prompt)
    if meaning == "value":
        assert persona.temperature is not None
        return numbers.say_temperature(persona.temperature, persona.lang)
    return SAY[persona.lang][meaning][0]


def expected_result(dialog: Dialog, persona: Persona, context: dict[str, str] | None = None) -> Any:
    """The call as it should end: the persona's answers given as text, no trouble, no noise."""
    s = Session(dialog, persona.lang, context=context)
    heard = 0
    while (prompt := s.prompt()) is not None:
        if prompt.final:
            s.close()
            break
        if persona.hang_up_after is not None and heard >= persona.hang_up_after:
            s.hangup()
            break
        heard += 1
        s.answer(text=text_reply(persona, prompt))
    return s.result


def score(expected: Any, got: Any) -> dict[str, int]:
    """Per-question agreement between the expected and the recognised call."""
    questions = set(expected.answers) | set(got.answers)
    right = sum(1 for q in questions if q in got.answers and got.answers.get(q) == expected.answers.get(q))
    return {
        "questions": len(questions),
        "right": right,
        "emergency_expected": int(expected.emergency),
        "emergency_escalated": int(expected.emergency and got.emergency),
        "false_emergency": int(got.emergency and not expected.emergency),
    }


@dataclass
class Utterance:
    category: str  # yes | no | number | repeat | silence | noise | off_topic
    said: str  # the text spoken ("" for silence/noise)
    expected: str | float | None  # meaning, temperature, or None (must be rejected)
    prompt_kind: str  # yes_no | number: whose grammar decodes it
    pcm: Pcm
    voice: str = ""


REPEAT_SAID = {"ko": ["다시", "다시 한번"], "en": ["repeat", "say again", "pardon"]}


def utterance_set(lang: str, n: int, tts: EspeakTTS, rng: np.random.Generator) -> list[Utterance]:
    """``n`` synthetic answers: yes/no (40 %), temperatures (30 %), repeat (8 %), and the bad inputs
    that must give no answer — silence, line noise, off-topic speech (22 %) — at varied speed, pitch
    and SNR (clean, 20 dB, 10 dB)."""
    plan = ["yes", "no"] * 10 + ["number"] * 15 + ["repeat"] * 4 + ["silence"] * 3 + ["noise"] * 3 + ["off_topic"] * 5
    out: list[Utterance] = []
    for i in range(n):
        category = plan[i % len(plan)]
        speed, pitch = int(rng.choice([120, 140, 160, 180])), int(rng.choice([30, 45, 60, 75]))
        snr = [None, 20.0, 10.0][i % 3]
        voice = Voice(lang, speed=speed, pitch=pitch)
        expected: str | float | None
        if category in ("yes", "no"):
            said, expected, kind = str(rng.choice(SAY[lang][category])), category, "yes_no"
        elif category == "number":
            value = round(float(rng.uniform(35.5, 41.0)), 1)
            said, expected, kind = numbers.say_temperature(value, lang), value, "number"
        elif category == "repeat":
            said, expected, kind = str(rng.choice(REPEAT_SAID[lang])), "repeat", "yes_no"
        elif category == "off_topic":
            said, expected, kind = str(rng.choice(SAY[lang]["off_topic"])), None, "yes_no"
        else:
            said, expected, kind = "", None, "yes_no"
        if category == "silence":
            pcm = np.zeros(int(8000 * rng.uniform(1.0, 3.0)), dtype=np.int16)
        elif category == "noise":
            pcm = noise_only(float(rng.uniform(1.0, 2.5)), float(rng.choice([200.0, 800.0, 2000.0])), rng)
        else:
            pcm = pad(tts.pcm(said, voice), 0.3, 0.5)
            if snr is not None:
                pcm = add_noise(pcm, snr, rng)
        out.append(Utterance(category, said, expected, kind, pcm, f"s{speed}p{pitch}snr{snr or 'clean'}"))
    return out
