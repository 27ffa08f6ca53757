"""Scripted callers: scenarios generated from the dialog and its ko/en wording, to test any transport.

A :class:`Scenario` is one person's truth (which symptoms, which temperature) plus how they behave on
the line: the phrases they pick (from the dialog's own vocabulary — the CDC "예/아니요" among them —
and spoken temperatures in Sino-Korean, native Korean, "37도 8부", digits or English), keypad or
speech, mumbling a no-match first, asking for a repeat, correcting a misheard temperature, opting out
or hanging up part-way, or never answering. :meth:`Scenario.reply` answers a prompt; ``expected``
says what the call must record. The voice stack reuses the same scenarios, speaking ``Reply.text``.

    for s in generate(dialog, 600):
        result = drive(Session(dialog, s.lang), s.reply)
        score(s, result)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from epiaid.carecall.engine import numbers
from epiaid.carecall.engine.dialog import CallResult, Dialog, Prompt
from epiaid.carecall.transports.base import Reply

YES_NO = ("fever", "cough", "sore_throat", "shortness_of_breath", "emergency_signs", "taste_smell", "other_symptoms")
NOISE = {
    "ko": ["음...", "여보세요?", "잠깐만요", "뭐라고요?", "그게"],
    "en": ["um", "hello?", "wait a second", "hmm", "what"],
}
MESSAGES = {
    "ko": ["약이 떨어졌어요. 연락 부탁드립니다.", "생필품이 필요합니다", "검사 결과가 궁금해요"],
    "en": ["I need more medicine, please call me.", "When does my quarantine end?", "I need groceries."],
}


@dataclass
class Scenario:
    id: int
    lang: str
    channel: str  # "text" (typed or spoken words) or "keypad" (digits)
    truth: dict[str, Any]  # question → "yes"/"no"/temperature/None (unknown)/message
    behaviour: str = "plain"  # plain | noisy | repeat | misheard | opt_out | hang_up | silent
    at: str = ""  # the question where opt_out / hang_up happens
    seed: int = 0
    expected: dict[str, Any] = field(default_factory=dict)
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _asked: dict[str, int] = field(default_factory=dict, repr=False)
    _misheard_done: bool = False

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    # ---- what the person says

    def _yes_no(self, value: str, dialog: Dialog) -> Reply:
        if self.channel == "keypad":
            keys = {v: k for k, v in dialog.keypad["yes_no"].items()}
            return Reply(digits=keys[value])
        return Reply(text=self._rng.choice(dialog.vocabulary[value][self.lang]))

    def _temperature(self, value: float | None, dialog: Dialog) -> Reply:
        if value is None:
            if self.channel == "keypad":
                return Reply(digits="0")
            return Reply(text=self._rng.choice(dialog.vocabulary["unknown"][self.lang]))
        if self.channel == "keypad":
            whole, tenth = divmod(round(value * 10), 10)
            return Reply(digits=self._rng.choice([f"{whole}{tenth}", f"{whole}*{tenth}"]))
        whole, tenth = divmod(round(value * 10), 10)
        if self.lang == "ko":
            forms = [
                numbers.say_temperature(value, "ko"),
                f"{numbers.say_temperature(value, 'ko')}도",
                f"{value:.1f}도",
                f"{whole}도 {tenth}부",
                f"체온은 {numbers.say_temperature(value, 'ko')}도입니다",
            ]
        else:
            forms = [
                numbers.say_temperature(value, "en"),
                f"{value:.1f}",
                f"{value:.1f} degrees",
                f"{whole} point {tenth}",
            ]
        return Reply(text=self._rng.choice(forms))

    def reply(self, prompt: Prompt, dialog: Dialog | None = None) -> Reply | None:
        """What this person does at ``prompt`` (None: hangs up / never picks up)."""
        d = dialog or self.dialog
        qid = prompt.question or prompt.id
        n = self._asked.get(prompt.id, 0)
        self._asked[prompt.id] = n + 1
        if self.behaviour == "silent":
            return None
        if self.behaviour == "hang_up" and qid == self.at:
            return None
        if self.behaviour == "opt_out" and qid == self.at:
            if self.channel == "keypad":
                return Reply(digits="9")
            return Reply(text=self._rng.choice(d.vocabulary["stop"][self.lang]))
        if self.behaviour == "noisy" and n == 0 and prompt.kind != "free_text":
            return Reply(text=self._rng.choice(NOISE[self.lang])) if self.channel == "text" else Reply(digits="7")
        if self.behaviour == "repeat" and n == 0:
            if self.channel == "keypad":
                return Reply(digits="*")
            return Reply(text=self._rng.choice(d.vocabulary["repeat"][self.lang]))
        if prompt.kind == "yes_no":
            return self._yes_no(self.truth.get(qid) or "no", d)
        if prompt.kind == "number":
            value = self.truth.get(qid)
            if self.behaviour == "misheard" and not self._misheard_done and value is not None:
                return self._temperature(round(value + 0.6, 1), d)  # says it wrong first…
            return self._temperature(value, d)
        if prompt.kind == "confirm":
            said = _confirming(prompt)
            if self.behaviour == "misheard" and not self._misheard_done:
                self._misheard_done = True
                return self._yes_no("no", d)  # …and corrects it at the confirm step
            right = said is not None and abs(said - float(self.truth.get(qid) or -1)) < 0.05
            return self._yes_no("yes" if right else "no", d)
        if prompt.kind == "free_text":
            message = self.truth.get(qid) or ""
            if message:
                return Reply(text=message)
            if self.channel == "keypad":
                return Reply(digits="2")
            return Reply(text=self._rng.choice(d.vocabulary["no"][self.lang][:6]))
        return Reply(text="")

    dialog: Any = None  # set by :func:`generate`


def _confirming(prompt: Prompt) -> float | None:
    import re

    m = re.search(r"(\d{2}\.\d)", prompt.text)
    return float(m.group(1)) if m else None


def _path(dialog: Dialog, truth: dict[str, Any]) -> list[str]:
    """The questions a person with this truth is asked, in order (following the dialog's branches)."""
    asked, qid = [], dialog.start
    while qid != "end":
        asked.append(qid)
        q = dialog.questions[qid]
        if q.kind == "yes_no":
            branch = truth.get(qid) or "no"
        elif q.kind == "number":
            branch = "value" if truth.get(qid) is not None else "unknown"
        else:
            branch = "*"
        if q.id == "emergency_signs" and truth.get(qid) == "yes":
            break  # the emergency rule ends the call
        qid = q.next.get(branch, q.next.get("*", "end"))
    return asked


def expected_for(dialog: Dialog, s: Scenario) -> dict[str, Any]:
    path = _path(dialog, s.truth)
    if s.behaviour in ("opt_out", "hang_up") and s.at in path:
        path = path[: path.index(s.at)]
    if s.behaviour == "silent":
        path = []
    answers = {q: s.truth.get(q) for q in path}
    for q in path:
        if dialog.questions[q].kind == "free_text":
            answers[q] = s.truth.get(q) or ""
    emergency = answers.get("emergency_signs") == "yes"
    temperature = answers.get("temperature")
    respiratory = any(answers.get(q) == "yes" for q in ("cough", "sore_throat", "shortness_of_breath"))
    advise = (
        (isinstance(temperature, float) and temperature >= 37.5)
        or (answers.get("fever") == "yes" and temperature is None)
        or respiratory
        or answers.get("taste_smell") == "yes"
    )
    return {
        "answers": answers,
        "emergency": emergency,
        "advise_test": bool(advise) and s.behaviour not in ("opt_out",),
        "opted_out": s.behaviour == "opt_out" and s.at in _path(dialog, s.truth),
        "hung_up": s.behaviour in ("hang_up", "silent"),
        "completed": s.behaviour not in ("opt_out", "hang_up", "silent") or s.at not in _path(dialog, s.truth),
    }


BEHAVIOURS = ("plain", "plain", "plain", "noisy", "repeat", "misheard", "opt_out", "hang_up", "silent")


def generate(
    dialog: Dialog,
    n: int = 600,
    *,
    seed: int = 2020,
    channels: tuple[str, ...] = ("text", "keypad"),
    langs: tuple[str, ...] = ("ko", "en"),
) -> list[Scenario]:
    """``n`` scenarios covering every branch, both languages and channels, and every behaviour."""
    rng = random.Random(seed)
    out: list[Scenario] = []
    for i in range(n):
        truth: dict[str, Any] = {}
        sick = rng.random() < 0.45
        for q in YES_NO:
            truth[q] = "yes" if rng.random() < (0.35 if sick else 0.04) else "no"
        if i % 9 == 0:
            truth["shortness_of_breath"] = "yes"
            truth["emergency_signs"] = "yes" if i % 18 == 0 else truth["emergency_signs"]
        if truth["fever"] == "yes":
            truth["temperature"] = None if rng.random() < 0.12 else round(rng.uniform(36.8, 39.9), 1)
        truth["message"] = rng.choice(MESSAGES["ko" if i % 2 == 0 else "en"]) if rng.random() < 0.2 else ""
        lang = langs[i % len(langs)]
        if truth["message"]:
            truth["message"] = rng.choice(MESSAGES[lang])
        channel = channels[(i // len(langs)) % len(channels)]
        behaviour = BEHAVIOURS[i % len(BEHAVIOURS)]
        if behaviour == "misheard" and truth.get("temperature") is None:
            truth["fever"], truth["temperature"] = "yes", round(rng.uniform(37.0, 39.0), 1)
        if channel == "keypad" and truth["message"]:
            truth["message"] = ""  # a keypad cannot leave a message
        path = _path(dialog, truth)
        at = rng.choice(path[1:] or path) if behaviour in ("opt_out", "hang_up") else ""
        s = Scenario(i, lang, channel, truth, behaviour, at, seed=seed * 1000 + i)
        s.dialog = dialog
        s.expected = expected_for(dialog, s)
        out.append(s)
    return out


@dataclass
class Score:
    scenarios: int = 0
    questions: int = 0
    correct: int = 0
    emergencies: int = 0
    emergencies_missed: int = 0
    false_emergencies: int = 0
    wrong: list[tuple[int, str, Any, Any]] = field(default_factory=list)
    mismatched_outcomes: list[tuple[int, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.questions if self.questions else 1.0

    def add(self, s: Scenario, result: CallResult | dict[str, Any]) -> None:
        r = result.as_dict() if isinstance(result, CallResult) else result
        self.scenarios += 1
        for q, value in s.expected["answers"].items():
            self.questions += 1
            got = r["answers"].get(q, "<missing>")
            if got == value or (isinstance(value, float) and isinstance(got, float) and abs(got - value) < 0.05):
                self.correct += 1
            else:
                self.wrong.append((s.id, q, value, got))
        if s.expected["emergency"]:
            self.emergencies += 1
            if not r["emergency"]:
                self.emergencies_missed += 1
        elif r["emergency"]:
            self.false_emergencies += 1
        for key in ("opted_out", "hung_up"):
            if bool(r[key]) != bool(s.expected[key]):
                self.mismatched_outcomes.append((s.id, key))
        flagged = bool([f for f in r["flags"] if f != "other_symptoms"])
        if flagged != s.expected["advise_test"] and not s.expected["opted_out"]:
            self.mismatched_outcomes.append((s.id, "advise_test"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenarios": self.scenarios,
            "questions": self.questions,
            "accuracy": round(self.accuracy, 5),
            "emergencies": self.emergencies,
            "emergencies_missed": self.emergencies_missed,
            "false_emergencies": self.false_emergencies,
            "mismatched_outcomes": len(self.mismatched_outcomes),
        }
