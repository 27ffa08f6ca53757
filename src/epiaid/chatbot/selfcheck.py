"""The CDC Coronavirus Self-Checker, executed as data: its step graphs and its official strings.

The protocol (``cdc_selfchecker/*.json``, Microsoft Health Bot scenarios: the CDC wrapper with the
disclaimer, the vaccinated core and its paediatric variant) is a graph of steps — ``statement``,
``prompt``, ``branch``, ``switch``, ``assignVariable``, ``action`` (JavaScript), ``beginScenario`` and
``replaceScenario``. This module interprets that graph; the JavaScript of actions, conditions and
expressions runs unchanged in an embedded QuickJS (no network, no file system, time- and memory-
limited), with ``customLocalizedStrings`` filled from ``localization_strings_en_es_ko_vi_zh.csv``
(``en_us`` or the official ``ko_kr`` column). Nothing of the protocol is re-typed here.

A conversation keeps only its answers; each step replays the walk from the start (deterministic, a few
milliseconds), so the state is plain JSON and survives restarts. Django-free.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

LOCALES = {"en": "en_us", "ko": "ko_kr"}
MAX_STEPS = 5000
_JS_TIME_LIMIT_S = 2.0
_JS_MEMORY_LIMIT = 64 * 1024 * 1024


class ProtocolUnavailable(RuntimeError):
    """The protocol files are not on this server."""


class ProtocolError(RuntimeError):
    """The protocol could not be executed (a broken graph or a failing expression)."""


@dataclass
class Scenario:
    trigger: str
    name: str
    steps: dict[str, dict[str, Any]]
    first: str


@dataclass
class Protocol:
    scenarios: dict[str, Scenario]
    strings: dict[str, dict[str, Any]]  # locale column -> string id -> value (JSON arrays parsed)
    entry: str = "covid19"

    @classmethod
    def load(cls, folder: str | Path, *, entry: str | None = None) -> Protocol:
        folder = Path(folder)
        files = sorted(folder.glob("*.json"))
        strings_file = next(iter(sorted(folder.glob("localization_strings*.csv"))), None)
        if not files or strings_file is None:
            raise ProtocolUnavailable(f"no self-checker protocol in {folder}")
        scenarios: dict[str, Scenario] = {}
        for path in files:
            doc = json.loads(path.read_text(encoding="utf-8"))
            code = json.loads(doc["code"]) if isinstance(doc.get("code"), str) else doc["code"]
            steps = {s["id"]: s for s in code["steps"]}
            scenarios[doc["scenario_trigger"]] = Scenario(
                doc["scenario_trigger"], doc.get("name", ""), steps, _first(code["steps"])
            )
        strings: dict[str, dict[str, Any]] = {col: {} for col in LOCALES.values()}
        with strings_file.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                for col in LOCALES.values():
                    value = (row.get(col) or "").strip() or (row.get("en_us") or "")
                    strings[col][row["string_id"]] = _parse_string(value)
        if entry is None:
            entry = "covid19" if "covid19" in scenarios else sorted(scenarios)[0]
        return cls(scenarios, strings, entry)


def _parse_string(value: str) -> Any:
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return value
    return value


def _targets(step: dict[str, Any]) -> list[str]:
    out = [step.get("designer", {}).get("next"), step.get("targetStepId")]
    out += [c.get("targetStepId") for c in step.get("cases", [])]
    return [t for t in out if t]


def _first(steps: Sequence[dict[str, Any]]) -> str:
    """The step nothing leads to (the scenario's start); the first listed one if several."""
    inbound = {t for s in steps for t in _targets(s)}
    for s in steps:
        if s["id"] not in inbound:
            return str(s["id"])
    return str(steps[0]["id"])


# --------------------------------------------------------------------------- one walk


@dataclass
class Prompt:
    step_id: str
    variable: str
    kind: str  # choice | multi-choice | card-choice | card-text
    text: str
    choices: list[str]
    values: list[Any] = field(default_factory=list)  # card choices: the value submitted for each
    card_id: str = ""
    submit: list[tuple[str, Any]] = field(default_factory=list)  # card buttons: (title, data)


@dataclass
class Walk:
    lang: str
    messages: list[str]  # what to show since the last answer
    prompt: Prompt | None
    finished: bool
    state: dict[str, Any]
    invalid: bool = False
    disclaimer: str | None = None
    outcome: dict[str, Any] | None = None
    coverage: set[tuple[str, str, str]] = field(default_factory=set)

    @property
    def choices(self) -> list[str]:
        if self.prompt is None:
            return []
        return [*self.prompt.choices, *(t for t, _ in self.prompt.submit)]


_JS_PRELUDE = """
// the Health Bot runtime's telemetry (logCustomEvent, logOutcomeEvent, trace …): recorded nowhere
var session = new Proxy({}, { get: function () { return function () {}; } });
var conversation = { resourcesUrl: "" };
var user = {};
var __frames = [];
var scenario = {};
function getEnv(name) { throw new Error("no environment variable " + name); }
"""


def _clean_markdown(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text, flags=re.S)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"\1 (\2)", text)
    return re.sub(r"\n{3,}", "\n\n", text.replace("\r", "")).strip()


class Interpreter:
    """One replay of the protocol with a list of answers."""

    def __init__(self, protocol: Protocol, lang: str) -> None:
        import quickjs

        self.protocol = protocol
        self.lang = lang if lang in LOCALES else "en"
        self.ctx = quickjs.Context()
        self.ctx.set_time_limit(_JS_TIME_LIMIT_S)
        self.ctx.set_memory_limit(_JS_MEMORY_LIMIT)
        self.ctx.eval(_JS_PRELUDE)
        strings = protocol.strings[LOCALES[self.lang]]
        self.ctx.eval("var customLocalizedStrings = " + json.dumps(strings, ensure_ascii=False) + ";")
        self.coverage: set[tuple[str, str, str]] = set()
        self.answers: list[Any] = []  # those a provider gave
        self.reached: dict[tuple[str, str], int] = {}  # decision step -> answers given before it (first visit)
        self.given = 0
        self.outcome: dict[str, Any] | None = None

    # --- JavaScript -------------------------------------------------------------------------------

    def js(self, code: str) -> Any:
        try:
            return self.ctx.eval(code)
        except Exception as exc:  # quickjs.JSException and time/memory limits
            raise ProtocolError(f"{type(exc).__name__}: {exc}") from None

    def value(self, expr: str) -> Any:
        raw = self.js(
            f"(function () {{ var __v = ({expr}); return __v === undefined ? 'null' : JSON.stringify(__v); }})()"
        )
        return json.loads(raw) if isinstance(raw, str) else raw

    def text(self, expr: str | None) -> str:
        if not expr:
            return ""
        try:
            v = self.value(expr)
        except ProtocolError:
            return ""
        if v is None:
            return ""
        return v if isinstance(v, str) else str(v)

    def set_var(self, scope: str, name: str, value: Any) -> None:
        self.js(f"{scope}[{json.dumps(name)}] = {json.dumps(value, ensure_ascii=False)};")

    # --- cards ------------------------------------------------------------------------------------

    def card_texts(self, step: dict[str, Any]) -> list[str]:
        out = []
        for att in step.get("attachment") or []:
            if att.get("type") != "AdaptiveCard":
                continue
            try:
                card = self.value(att["cardCode"])
            except ProtocolError:
                continue
            out += [t for t in _walk_card(card, "TextBlock") if t]
        return out

    def card_prompt(self, step: dict[str, Any], text: str) -> Prompt | None:
        for att in step.get("attachment") or []:
            if att.get("type") != "AdaptiveCard":
                continue
            card = self.value(att["cardCode"])
            choice_sets = list(_find(card, "Input.ChoiceSet"))
            inputs = list(_find(card, "Input.Text"))
            submits = [
                (str(a.get("title") or ""), a.get("data"))
                for a in (card.get("actions") or [])
                if a.get("type") == "Action.Submit"
            ]
            if choice_sets:
                cs = choice_sets[0]
                # the card's preselected placeholder ("Please select …") can be submitted as it is, too
                items = list(cs.get("choices") or [])
                return Prompt(
                    step["id"],
                    step["variable"],
                    "card-choice",
                    text,
                    [str(c.get("title")) for c in items],
                    [c.get("value") for c in items],
                    card_id=str(cs.get("id")),
                )
            if inputs:
                return Prompt(
                    step["id"],
                    step["variable"],
                    "card-text",
                    text,
                    [],
                    card_id=str(inputs[0].get("id")),
                    submit=[(t, d) for t, d in submits if t],
                )
        return None

    # --- the walk ---------------------------------------------------------------------------------

    def run(
        self, answers: Sequence[Any], provider: Callable[[Prompt], Any] | None = None
    ) -> tuple[list[str], list[str], Prompt | None]:
        """Walk with ``answers``; (all messages, messages after the last answer, the waiting prompt).

        With a ``provider`` the walk goes on past the given answers, asking it for each further answer
        (tests walk the whole graph this way without replaying it at every step)."""
        scen = self.protocol.scenarios[self.protocol.entry]
        frames: list[tuple[Scenario, str | None]] = []
        step_id: str | None = scen.first
        messages: list[str] = []
        since = 0
        pending = list(answers)
        for _ in range(MAX_STEPS):
            if step_id is None:
                if not frames:
                    return messages, messages[since:], None
                scen, step_id = frames.pop()
                self.js("scenario = __frames.pop();")
                continue
            step = scen.steps.get(step_id)
            if step is None:
                raise ProtocolError(f"{scen.trigger}: no step {step_id}")
            kind = step["type"]
            nxt = step.get("designer", {}).get("next")
            if kind == "assignVariable":
                self._assign(step)
                step_id = nxt
            elif kind == "action":
                if step.get("onInit"):
                    self.js("(function () {\n" + step["onInit"] + "\n})();")
                if re.search(r"outcome", step.get("label") or "", re.I):
                    self.outcome = self.value("scenario.outcomeID || null") and {
                        "outcome_id": self.value("scenario.outcomeID || null"),
                        "messages": self.value("scenario.message_outcome || null"),
                    }
                step_id = nxt
            elif kind == "statement":
                shown = [self.text(step.get("text")), *self.card_texts(step)]
                messages += [_clean_markdown(m) for m in shown if m and m.strip()]
                step_id = nxt
            elif kind == "branch":
                self.reached.setdefault((scen.trigger, step_id), self.given)
                ok = self._truthy(step["condition"])
                self.coverage.add((scen.trigger, step_id, "true" if ok else "false"))
                step_id = step["targetStepId"] if ok else nxt
            elif kind == "switch":
                self.reached.setdefault((scen.trigger, step_id), self.given)
                got = self._switch_value(step["condition"])
                target = next((c["targetStepId"] for c in step.get("cases", []) if str(c.get("value")) == got), None)
                self.coverage.add((scen.trigger, step_id, got if target else "default"))
                step_id = target or nxt
            elif kind == "prompt":
                prompt = self._prompt(step)
                if not pending and provider is not None:
                    pending.append(provider(prompt))
                    self.answers.append(pending[0])
                if not pending:
                    if prompt.text:
                        messages.append(_clean_markdown(prompt.text))
                    return messages, messages[since:], prompt
                answer = pending.pop(0)
                self._store(prompt, answer)
                self.given += 1
                if prompt.text:
                    messages.append(_clean_markdown(prompt.text))
                since = len(messages)
                step_id = nxt
            elif kind in {"beginScenario", "replaceScenario"}:
                target = self.protocol.scenarios.get(step["scenario"])
                if target is None:
                    raise ProtocolError(f"unknown scenario {step['scenario']!r}")
                args = self.value(step.get("args") or "{}") or {}
                if kind == "beginScenario":
                    frames.append((scen, nxt))
                    self.js("__frames.push(scenario);")
                self.js(f"scenario = {{ scenarioArgs: {json.dumps(args, ensure_ascii=False)} }};")
                scen, step_id = target, target.first
            else:
                raise ProtocolError(f"unknown step type {kind!r}")
        raise ProtocolError("the protocol ran more than MAX_STEPS steps without a prompt")

    def _assign(self, step: dict[str, Any]) -> None:
        scope = step.get("scope") or "scenario"
        target = f"{scope}[{json.dumps(step['variable'])}]"
        raw = str(step.get("value", ""))
        try:
            self.js(f"var __val = ({raw});")
        except ProtocolError:
            self.js(f"var __val = {json.dumps(raw)};")
        op = step.get("operation", "set")
        if op == "incrementBy":
            self.js(f"{target} = ({target} || 0) + Number(__val);")
        elif op == "decrementBy":
            self.js(f"{target} = ({target} || 0) - Number(__val);")
        elif op == "push":
            self.js(f"({target} = {target} || []).push(__val);")
        else:
            self.js(f"{target} = __val;")

    def _truthy(self, condition: str) -> bool:
        return bool(self.js(f"(function () {{ return !!({_expression(condition)}); }})()"))

    def _switch_value(self, condition: str) -> str:
        return str(self.js(f"(function () {{ return String({_expression(condition)}); }})()"))

    def _prompt(self, step: dict[str, Any]) -> Prompt:
        text = self.text(step.get("text"))
        choice_type = step.get("choiceType")
        if choice_type in {"choice", "multi-choice"}:
            raw = self.value(step["dataType"])
            if isinstance(raw, str):
                raw = _parse_string(raw)
                if isinstance(raw, str):
                    raw = [c for c in raw.split("|") if c]
            choices = [str(c) for c in raw or []]
            return Prompt(step["id"], step["variable"], str(choice_type), text, choices)
        card = self.card_prompt(step, text)
        if card is None:
            return Prompt(step["id"], step["variable"], "card-text", text, [], card_id=step["variable"])
        return card

    def _store(self, prompt: Prompt, answer: Any) -> None:
        if prompt.kind == "choice":
            i = int(answer)
            value: Any = {"index": i, "entity": prompt.choices[i]}
        elif prompt.kind == "multi-choice":
            value = [{"index": int(i), "entity": prompt.choices[int(i)]} for i in answer]
        elif prompt.kind == "card-choice":
            value = {prompt.card_id: prompt.values[int(answer)]}
        else:  # card-text: {"text": …} typed, or {"submit": i} a button
            if isinstance(answer, dict) and "submit" in answer:
                value = prompt.submit[int(answer["submit"])][1]
            else:
                value = {prompt.card_id: str(answer.get("text") if isinstance(answer, dict) else answer)}
        self.set_var("scenario", prompt.variable, value)


def _expression(condition: str) -> str:
    """A condition may start with ``//`` comment lines (the protocol's own notes)."""
    lines = [ln for ln in condition.splitlines() if not ln.strip().startswith("//")]
    return "\n".join(lines).strip() or "false"


def _find(node: Any, kind: str) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == kind:
            yield node
        for v in node.values():
            yield from _find(v, kind)
    elif isinstance(node, list):
        for v in node:
            yield from _find(v, kind)


def _walk_card(card: Any, kind: str) -> list[str]:
    return [_clean_markdown(str(n.get("text") or "")) for n in _find(card, kind) if n.get("text")]


# --------------------------------------------------------------------------- matching typed answers

_SPLIT = re.compile(r"[,、;/]+|\s+(?:and|그리고|및)\s+|\s+")


def match_answer(prompt: Prompt, text: str) -> Any:
    """The stored form of a typed answer (a number, a choice's words), or None when it matches nothing."""
    t = (text or "").strip()
    low = t.lower()
    options = prompt.choices
    if prompt.kind in {"choice", "card-choice"}:
        return _one(options, low)
    if prompt.kind == "multi-choice":
        exact = _one(options, low)
        if exact is not None:
            return [exact]
        parts = [p for p in _SPLIT.split(low) if p]
        picks = [_one(options, p) for p in parts]
        if not parts or any(p is None for p in picks):
            return None
        return sorted({int(p) for p in picks if p is not None})
    for i, (title, _) in enumerate(prompt.submit):
        if low == title.lower() or low == str(len(options) + i + 1):
            return {"submit": i}
    return {"text": t[:100]} if t else None


def _one(options: Sequence[str], low: str) -> int | None:
    if low.isdigit() and 1 <= int(low) <= len(options):
        return int(low) - 1
    for i, opt in enumerate(options):
        if low == _clean_markdown(opt).lower():
            return i
    starts = [i for i, opt in enumerate(options) if low and _clean_markdown(opt).lower().startswith(low)]
    return starts[0] if len(starts) == 1 else None


# --------------------------------------------------------------------------- the conversation API


class Runner:
    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol

    def disclaimer(self, lang: str) -> str:
        raw = self.protocol.strings[LOCALES.get(lang, "en_us")].get("CDC/messages/disclaimer_msg", "")
        return _clean_markdown(str(raw))

    def walk(self, lang: str, answers: Sequence[Any]) -> Walk:
        interp = Interpreter(self.protocol, lang)
        _, new, prompt = interp.run(answers)
        return Walk(
            lang=interp.lang,
            messages=new,
            prompt=prompt,
            finished=prompt is None,
            state={"lang": interp.lang, "answers": list(answers)},
            disclaimer=self.disclaimer(interp.lang),
            outcome=interp.outcome,
            coverage=interp.coverage,
        )

    def start(self, lang: str) -> Walk:
        return self.walk(lang, [])

    def answer(self, state: dict[str, Any], text: str) -> Walk:
        lang = str(state.get("lang") or "en")
        answers = list(state.get("answers") or [])
        current = self.walk(lang, answers)
        if current.prompt is None:
            return current
        picked = match_answer(current.prompt, text)
        if picked is None:
            current.invalid = True
            current.messages = [_clean_markdown(current.prompt.text)] if current.prompt.text else []
            return current
        return self.walk(lang, [*answers, picked])


@lru_cache(maxsize=4)
def _runner_for(folder: str) -> Runner:
    return Runner(Protocol.load(folder))


def runner_at(folder: str | Path) -> Runner:
    """The (cached) runner of the protocol in ``folder``; ProtocolUnavailable where it is absent."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ProtocolUnavailable(f"the self-checker protocol is not at {folder}")
    return _runner_for(str(folder))
