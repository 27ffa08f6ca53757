"""The check-in dialog as data, and one call's state machine over it (Django-free).

A dialog file (YAML or JSON, see ``dialogs/symptoms.yaml``) is versioned and validated on load:
:func:`load_dialog` raises :class:`DialogError` naming the problem ("questions[3].next.yes: unknown
question 'cuogh'"). It holds

- ``questions``: closed questions (``yes_no``, ``number`` with a confirm step, ``free_text``), each
  with ko/en text and where to go next (a question id, or per answer ``{yes: …, no: …}``);
- ``vocabulary``: the phrases that mean yes / no / don't know / stop (opt-out) / repeat, per language;
- ``keypad``: which key means what ("있으면 1번, 없으면 2번");
- ``rules``: the escalation rules (conditions over the answers → ``emergency`` / ``advise_test`` /
  ``flag``), evaluated after every answer; an ``immediate`` rule ends the call with its message at once.

A :class:`Session` is one call. Its whole state is a small dict (:meth:`Session.to_state` /
:meth:`Session.from_state`), so a webhook transport keeps it in the database between requests::

    session = Session(dialog, "ko", context={"clinic": "분당구보건소 선별진료소"})
    while (p := session.prompt()) is not None:
        say(p.text)                   # or render TwiML / an SMS / a page
        if p.final:                   # the goodbye: nothing more to hear
            session.close()
            break
        session.answer(text=heard)    # or digits="1"; text=None and digits=None is silence
    session.result                    # CallResult: answers, flags, escalations, completed
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from epiaid.carecall.engine import numbers

LANGS = ("ko", "en")
KINDS = ("yes_no", "number", "free_text")
ACTIONS = ("emergency", "advise_test", "flag")
SCHEMA = "epiaid.carecall.dialog/1"
DIALOG_DIR = Path(__file__).resolve().parent / "dialogs"
DEFAULT_DIALOG = DIALOG_DIR / "symptoms.yaml"


#: what ``{centre}`` and ``{clinic}`` read when the caller gives no context
DEFAULT_CONTEXT = {
    "ko": {"centre": "보건소", "clinic": "보건소 선별진료소"},
    "en": {"centre": "your health centre", "clinic": "your health centre's screening clinic"},
}


class DialogError(ValueError):
    """A dialog file that cannot be used; the message names the field and the problem."""


# ------------------------------------------------------------------------------------------ data model


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: dict[str, str]
    next: dict[str, str]  # answer value ("yes", "no", "value", "unknown", "*") → question id or "end"
    confirm: dict[str, str] | None = None  # number questions: "{value}도라고 하셨나요?"
    low: float = 35.0
    high: float = 42.0
    source: str = ""  # where the wording comes from (CDC string id)


@dataclass(frozen=True)
class Rule:
    id: str
    when: dict[str, Any]
    action: str
    say: dict[str, str]
    immediate: bool = False


@dataclass(frozen=True)
class Dialog:
    name: str
    version: int
    start: str
    questions: dict[str, Question]
    rules: tuple[Rule, ...]
    vocabulary: dict[str, dict[str, tuple[str, ...]]]  # meaning → lang → phrases
    keypad: dict[str, dict[str, str]]  # kind → digit → meaning
    texts: dict[str, dict[str, str]]  # greeting, reprompt, hints, goodbye …
    max_reprompts: int = 2
    credits: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    def question(self, qid: str) -> Question:
        return self.questions[qid]


@dataclass
class Prompt:
    id: str  # question id, or "<question>.confirm", "goodbye"
    text: str
    grammar: list[str]  # phrases a recogniser should accept (empty: free speech)
    keypad: dict[str, str]  # digit → meaning
    kind: str  # yes_no | number | confirm | free_text | goodbye
    question: str = ""
    final: bool = False
    reprompt: bool = False
    lang: str = "ko"
    hint: str = ""  # the keypad hint at the end of ``text`` (a web page shows buttons instead)


@dataclass
class Escalation:
    rule: str
    action: str
    question: str  # the answer that triggered it


@dataclass
class CallResult:
    dialog: str
    lang: str
    answers: dict[str, Any] = field(default_factory=dict)  # question → "yes"/"no"/float/str/None
    unanswered: list[str] = field(default_factory=list)  # questions that got no usable answer
    flags: list[str] = field(default_factory=list)  # rule ids with action advise_test / flag
    escalations: list[Escalation] = field(default_factory=list)  # emergency rules that fired
    completed: bool = False  # reached the goodbye
    hung_up: bool = False
    opted_out: bool = False
    message: str = ""  # free message for the officer
    turns: int = 0
    no_matches: int = 0

    @property
    def emergency(self) -> bool:
        return any(e.action == "emergency" for e in self.escalations)

    @property
    def advise_test(self) -> bool:
        return bool(self.flags)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["emergency"] = self.emergency
        return out


# ------------------------------------------------------------------------------------------- loading


def _need(cond: object, where: str, problem: str) -> None:
    if not cond:
        raise DialogError(f"{where}: {problem}")


def _texts(raw: Any, where: str) -> dict[str, str]:
    _need(isinstance(raw, dict), where, "must be a mapping of language to text (ko, en)")
    for lang in LANGS:
        _need(isinstance(raw.get(lang), str) and raw[lang].strip() != "", where, f"missing the {lang!r} text")
    return {lang: str(raw[lang]).strip() for lang in LANGS}


def _read(path_or_dict: str | Path | dict[str, Any]) -> dict[str, Any]:
    if isinstance(path_or_dict, dict):
        return path_or_dict
    path = Path(path_or_dict)
    _need(path.is_file(), str(path), "no such dialog file")
    raw = path.read_text(encoding="utf-8")
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(raw)
        else:
            data = json.loads(raw)
    except Exception as exc:  # a parse error names the file and the line
        raise DialogError(f"{path.name}: not valid {path.suffix.lstrip('.').upper()}: {exc}") from exc
    _need(isinstance(data, dict), path.name, "the top level must be a mapping")
    return data


def _yes_no_key(key: Any) -> str:
    if isinstance(key, bool):  # YAML 1.1 reads an unquoted yes/no as a boolean
        return "yes" if key else "no"
    return str(key)


_CONDITION_KEYS = {"answer", "equals", "in", "gte", "lt", "missing", "any_yes", "all", "any"}


def _check_condition(cond: Any, where: str, questions: dict[str, Any]) -> None:
    _need(isinstance(cond, dict) and cond, where, "a condition must be a non-empty mapping")
    unknown = set(cond) - _CONDITION_KEYS
    _need(not unknown, where, f"unknown condition key(s) {sorted(unknown)}; use {sorted(_CONDITION_KEYS)}")
    if "any_yes" in cond:
        _need(isinstance(cond["any_yes"], list) and cond["any_yes"], where, "any_yes must list questions")
        for qid in cond["any_yes"]:
            _need(qid in questions, where, f"unknown question {qid!r}")
    if "answer" in cond:
        _need(cond["answer"] in questions, where, f"unknown question {cond['answer']!r}")
        _need(
            any(k in cond for k in ("equals", "in", "gte", "lt", "missing")),
            where,
            "an answer condition needs equals, in, gte, lt or missing",
        )
    for key in ("all", "any"):
        if key in cond:
            _need(isinstance(cond[key], list) and cond[key], where, f"{key} must list conditions")
            for i, sub in enumerate(cond[key]):
                _check_condition(sub, f"{where}.{key}[{i}]", questions)


def load_dialog(path_or_dict: str | Path | dict[str, Any] = DEFAULT_DIALOG) -> Dialog:
    """Read and validate a dialog; :class:`DialogError` names the first problem found."""
    data: Any = _read(path_or_dict)
    _need(data.get("schema") == SCHEMA, "schema", f"must be {SCHEMA!r} (got {data.get('schema')!r})")
    name = data.get("name")
    _need(isinstance(name, str) and bool(name), "name", "missing")
    version = data.get("version")
    _need(isinstance(version, int) and version >= 1, "version", "must be a positive integer")

    raw_questions = data.get("questions")
    _need(isinstance(raw_questions, list) and raw_questions, "questions", "must be a non-empty list")
    ids = [q.get("id") if isinstance(q, dict) else None for q in raw_questions]
    by_id = {qid: q for qid, q in zip(ids, raw_questions, strict=True)}
    questions: dict[str, Question] = {}
    for i, raw in enumerate(raw_questions):
        where = f"questions[{i}]"
        _need(isinstance(raw, dict), where, "must be a mapping")
        qid = raw.get("id")
        _need(
            isinstance(qid, str) and re.fullmatch(r"[a-z][a-z0-9_]*", qid or "") is not None,
            f"{where}.id",
            "missing or not snake_case",
        )
        _need(ids.count(qid) == 1, f"{where}.id", f"duplicate question id {qid!r}")
        _need(qid not in ("end", "goodbye"), f"{where}.id", f"{qid!r} is reserved")
        kind = raw.get("kind")
        _need(kind in KINDS, f"{where}.kind", f"must be one of {KINDS} (got {kind!r})")
        nxt = raw.get("next")
        if isinstance(nxt, str):
            nxt = {"*": nxt}
        if isinstance(nxt, dict):  # YAML 1.1 reads an unquoted yes/no key as a boolean
            nxt = {_yes_no_key(k): v for k, v in nxt.items()}
        _need(isinstance(nxt, dict) and nxt, f"{where}.next", "must be a question id or a mapping of answers to ids")
        allowed = {"yes_no": {"yes", "no", "*"}, "number": {"value", "unknown", "*"}, "free_text": {"*"}}[kind]
        for key, target in nxt.items():
            _need(key in allowed, f"{where}.next", f"{key!r} is not an answer of a {kind} question ({sorted(allowed)})")
            _need(target == "end" or target in by_id, f"{where}.next.{key}", f"unknown question {target!r}")
        needed = {"yes_no": ({"yes", "no"},), "number": ({"value", "unknown"},), "free_text": (set(),)}[kind][0]
        _need("*" in nxt or needed <= set(nxt), f"{where}.next", f"needs {sorted(needed)} or '*'")
        confirm = None
        if kind == "number":
            confirm = _texts(raw.get("confirm"), f"{where}.confirm")
            for lang in LANGS:
                _need("{value}" in confirm[lang], f"{where}.confirm.{lang}", "must contain {value}")
        low, high = float(raw.get("low", 35.0)), float(raw.get("high", 42.0))
        _need(low < high, f"{where}", "low must be below high")
        questions[qid] = Question(
            id=qid,
            kind=kind,
            text=_texts(raw.get("text"), f"{where}.text"),
            next={k: str(v) for k, v in nxt.items()},
            confirm=confirm,
            low=low,
            high=high,
            source=str(raw.get("source", "")),
        )
    start = data.get("start", ids[0])
    _need(start in questions, "start", f"unknown question {start!r}")

    vocab_raw = data.get("vocabulary")
    _need(isinstance(vocab_raw, dict), "vocabulary", "missing")
    vocabulary: dict[str, dict[str, tuple[str, ...]]] = {}
    for meaning in ("yes", "no", "unknown", "stop", "repeat"):
        entry = vocab_raw.get(meaning, vocab_raw.get({"yes": True, "no": False}.get(meaning, meaning)))
        _need(isinstance(entry, dict), f"vocabulary.{meaning}", "missing")
        vocabulary[meaning] = {}
        for lang in LANGS:
            phrases = entry.get(lang)
            _need(isinstance(phrases, list) and phrases, f"vocabulary.{meaning}.{lang}", "must be a non-empty list")
            vocabulary[meaning][lang] = tuple(normalise(str(p)) for p in phrases)

    keypad_raw = data.get("keypad")
    _need(isinstance(keypad_raw, dict), "keypad", "missing")
    keypad: dict[str, dict[str, str]] = {}
    for kind in ("yes_no", "confirm", "number", "free_text", "global"):
        entry = keypad_raw.get(kind, {})
        _need(isinstance(entry, dict), f"keypad.{kind}", "must map digits to meanings")
        for digit in entry:
            _need(re.fullmatch(r"[0-9*#]", str(digit)) is not None, f"keypad.{kind}", f"{digit!r} is not a key")
        keypad[kind] = {str(k): str(v) for k, v in entry.items()}
    for kind in ("yes_no", "confirm"):
        _need({"yes", "no"} <= set(keypad[kind].values()), f"keypad.{kind}", "needs a key for yes and for no")

    texts_raw = data.get("texts")
    _need(isinstance(texts_raw, dict), "texts", "missing")
    texts = {}
    for key in (
        "greeting",
        "reprompt",
        "hint_yes_no",
        "hint_confirm",
        "hint_number",
        "hint_free_text",
        "goodbye",
        "opted_out",
        "no_answer",
    ):
        texts[key] = _texts(texts_raw.get(key), f"texts.{key}")

    rules = []
    for i, raw in enumerate(data.get("rules") or []):
        where = f"rules[{i}]"
        _need(isinstance(raw, dict) and isinstance(raw.get("id"), str), where, "a rule needs an id")
        _need(raw.get("action") in ACTIONS, f"{where}.action", f"must be one of {ACTIONS} (got {raw.get('action')!r})")
        _check_condition(raw.get("when"), f"{where}.when", questions)
        rules.append(
            Rule(
                id=raw["id"],
                when=raw["when"],
                action=raw["action"],
                say=_texts(raw.get("say"), f"{where}.say"),
                immediate=bool(raw.get("immediate", False)),
            )
        )
    max_reprompts = data.get("max_reprompts", 2)
    _need(isinstance(max_reprompts, int) and 0 <= max_reprompts <= 5, "max_reprompts", "must be 0–5")
    dialog = Dialog(
        name=str(name),
        version=int(version),
        start=str(start),
        questions=questions,
        rules=tuple(rules),
        vocabulary=vocabulary,
        keypad=keypad,
        texts=texts,
        max_reprompts=max_reprompts,
        credits=str(data.get("credits", "")),
    )
    _check_reachable(dialog)
    return dialog


def _check_reachable(dialog: Dialog) -> None:
    seen, todo = set(), [dialog.start]
    while todo:
        qid = todo.pop()
        if qid in seen or qid == "end":
            continue
        seen.add(qid)
        todo.extend(dialog.questions[qid].next.values())
    unreachable = sorted(set(dialog.questions) - seen)
    _need(not unreachable, "questions", f"unreachable from {dialog.start!r}: {unreachable}")


# ------------------------------------------------------------------------------------------ matching


def normalise(text: str) -> str:
    """Lower case, NFC, punctuation to spaces, single spaces: what phrase matching compares."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\w\s']", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _contains(haystack: str, phrase: str) -> bool:
    if re.search(r"[가-힣]", phrase):
        return phrase.replace(" ", "") in haystack.replace(" ", "")
    return re.search(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", haystack) is not None


def interpret(dialog: Dialog, lang: str, text: str, meanings: tuple[str, ...]) -> str | None:
    """Which of ``meanings`` a reply means, or None. A "no"/"unknown"/"stop" phrase wins over a "yes"
    phrase inside it ("없어요" is no even though …; "I don't have" is no though it contains "have")."""
    said = normalise(text)
    if not said:
        return None
    hits = [m for m in meanings if any(_contains(said, p) for p in dialog.vocabulary[m][lang])]
    for meaning in ("stop", "unknown", "no", "repeat", "yes"):
        if meaning in hits:
            return meaning
    return None


# ------------------------------------------------------------------------------------------- session


def _holds(cond: dict[str, Any], answers: dict[str, Any]) -> bool:
    if "all" in cond:
        return all(_holds(c, answers) for c in cond["all"])
    if "any" in cond:
        return any(_holds(c, answers) for c in cond["any"])
    if "any_yes" in cond:
        return any(answers.get(q) == "yes" for q in cond["any_yes"])
    qid = cond["answer"]
    value = answers.get(qid)
    if "missing" in cond:
        return (qid not in answers or value is None) == bool(cond["missing"])
    if qid not in answers or value is None:
        return False
    if "equals" in cond:
        return bool(value == (_yes_no_key(cond["equals"]) if isinstance(cond["equals"], bool) else cond["equals"]))
    if "in" in cond:
        return value in cond["in"]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    if "gte" in cond and not number >= float(cond["gte"]):
        return False
    return not ("lt" in cond and not number < float(cond["lt"]))


class Session:
    """One call over a dialog: :meth:`prompt`, :meth:`answer`, … until :meth:`prompt` returns None."""

    def __init__(self, dialog: Dialog, lang: str, *, context: dict[str, str] | None = None) -> None:
        if lang not in LANGS:
            raise DialogError(f"lang: {lang!r} is not one of {LANGS}")
        self.dialog = dialog
        self.lang = lang
        self.context = {**DEFAULT_CONTEXT[lang], **(context or {})}
        self.current: str | None = dialog.start  # question id, "goodbye" or None (over)
        self.confirming: float | None = None  # a number heard and awaiting confirmation
        self.tries = 0  # no-matches on the current prompt
        self.rejections = 0  # "no, that is not what I said" at a confirm step
        self.closing: list[str] = []  # rule ids whose message the goodbye says
        self.goodbye_key = "goodbye"
        self.result = CallResult(dialog=dialog.label, lang=lang)

    # ---- state for transports that keep it between requests

    def to_state(self) -> dict[str, Any]:
        return {
            "dialog": self.dialog.label,
            "lang": self.lang,
            "context": self.context,
            "current": self.current,
            "confirming": self.confirming,
            "tries": self.tries,
            "rejections": self.rejections,
            "closing": self.closing,
            "goodbye_key": self.goodbye_key,
            "result": self.result.as_dict(),
        }

    @classmethod
    def from_state(cls, dialog: Dialog, state: dict[str, Any]) -> Session:
        if state.get("dialog") != dialog.label:
            raise DialogError(f"the call was started with {state.get('dialog')!r}, not {dialog.label!r}")
        s = cls(dialog, state["lang"], context=state.get("context"))
        s.current, s.confirming, s.tries = state["current"], state["confirming"], state["tries"]
        s.rejections = int(state.get("rejections", 0))
        s.closing, s.goodbye_key = list(state["closing"]), state["goodbye_key"]
        r = dict(state["result"])
        r.pop("emergency", None)
        r["escalations"] = [Escalation(**e) for e in r["escalations"]]
        s.result = CallResult(**r)
        return s

    # ---- prompts

    def _t(self, texts: dict[str, str]) -> str:
        text = texts[self.lang]
        for key, value in self.context.items():
            text = text.replace("{" + key + "}", value)
        return text

    def _grammar(self, *meanings: str) -> list[str]:
        return [p for m in meanings for p in self.dialog.vocabulary[m][self.lang]]

    def prompt(self) -> Prompt | None:
        """What to say now (the same prompt until it is answered); None once the call is over."""
        if self.current is None:
            return None
        d, lang = self.dialog, self.lang
        if self.current == "goodbye":
            parts: list[str] = []
            for r in d.rules:
                if r.id in self.closing and self._t(r.say) not in parts:
                    parts.append(self._t(r.say))
            parts.append(self._t(d.texts[self.goodbye_key]))
            return Prompt("goodbye", " ".join(parts), [], {}, "goodbye", final=True, lang=lang)
        q = d.question(self.current)
        lead = ""
        if self.tries:
            lead = self._t(d.texts["reprompt"]) + " "
        elif self.current == d.start and self.result.turns == 0:
            lead = self._t(d.texts["greeting"]) + " "
        keys = {**d.keypad["global"]}
        if self.confirming is not None:
            text = self._t(q.confirm or {}).replace("{value}", f"{self.confirming:.1f}")
            keys.update(d.keypad["confirm"])
            hint = self._t(d.texts["hint_confirm"])
            return Prompt(
                f"{q.id}.confirm",
                lead + text + " " + hint,
                self._grammar("yes", "no"),
                keys,
                "confirm",
                question=q.id,
                reprompt=bool(self.tries),
                lang=lang,
                hint=hint,
            )
        if q.kind == "yes_no":
            grammar = self._grammar("yes", "no", "unknown")
            keys.update(d.keypad["yes_no"])
        elif q.kind == "number":
            grammar = numbers.temperature_phrases(lang, q.low, q.high) + self._grammar("unknown")
            keys.update(d.keypad["number"])
        else:
            grammar = []
            keys.update(d.keypad["free_text"])
        hint = self._t(d.texts[f"hint_{q.kind}"])
        return Prompt(
            q.id,
            lead + self._t(q.text) + " " + hint,
            grammar,
            keys,
            q.kind,
            question=q.id,
            reprompt=bool(self.tries),
            lang=lang,
            hint=hint,
        )

    # ---- answers

    def answer(self, *, text: str | None = None, digits: str | None = None) -> None:
        """Take the reply to the current prompt (speech or typed ``text``, keypad ``digits``; neither is silence)."""
        if self.current is None:
            return
        self.result.turns += 1
        if self.current == "goodbye":
            self.close()
            return
        q = self.dialog.question(self.current)
        meaning = self._global(text, digits)
        if meaning == "stop":
            self._opt_out()
            return
        if meaning == "repeat":
            return  # the same prompt again, not counted as a no-match
        if self.confirming is not None:
            yn = self._yes_no(text, digits, "confirm")
            if yn == "yes":
                heard, self.confirming = self.confirming, None
                self._record(q, heard, "value")
            elif yn == "no":
                self.confirming, self.tries = None, 0  # ask the number again …
                self.rejections += 1
                if self.rejections > self.dialog.max_reprompts:  # … but not for ever
                    self._record(q, None, "unknown", unanswered=True)
            else:
                self._no_match(q)
            return
        if q.kind == "yes_no":
            yn = self._yes_no(text, digits, "yes_no")
            if yn in ("yes", "no"):
                self._record(q, yn, yn)
            elif yn == "unknown":
                self._record(q, None, "no", unanswered=True)
            else:
                self._no_match(q)
        elif q.kind == "number":
            if digits:
                if self.dialog.keypad["number"].get(digits) == "unknown":
                    self._record(q, None, "unknown", unanswered=True)
                    return
                value = numbers.parse_keypad_temperature(digits)
            else:
                if text and interpret(self.dialog, self.lang, text, ("unknown",)) == "unknown":
                    self._record(q, None, "unknown", unanswered=True)
                    return
                value = numbers.parse_temperature(text)
            if value is None or not (q.low - 5 <= value <= q.high + 3):
                self._no_match(q)
            else:
                self.confirming, self.tries = value, 0
        else:  # free text
            said = (text or "").strip()
            if digits and self.dialog.keypad["free_text"].get(digits) == "none":
                self._record(q, "", "*")
            elif said:
                nothing = interpret(self.dialog, self.lang, said, ("no",)) == "no" and len(normalise(said)) <= 12
                self._record(q, "" if nothing else said[:1000], "*")
                if not nothing:
                    self.result.message = said[:1000]
            else:
                self._no_match(q)

    def _global(self, text: str | None, digits: str | None) -> str | None:
        if digits:
            return self.dialog.keypad["global"].get(digits)
        if text:
            return interpret(self.dialog, self.lang, text, ("stop", "repeat"))
        return None

    def _yes_no(self, text: str | None, digits: str | None, kind: str) -> str | None:
        if digits:
            return self.dialog.keypad[kind].get(digits)
        if text:
            return interpret(self.dialog, self.lang, text, ("yes", "no", "unknown"))
        return None

    def _no_match(self, q: Question) -> None:
        self.result.no_matches += 1
        self.tries += 1
        if self.tries > self.dialog.max_reprompts:
            self.confirming = None
            fallback = "unknown" if q.kind == "number" else ("no" if q.kind == "yes_no" else "*")
            self._record(q, None, fallback, unanswered=True)

    def _record(self, q: Question, value: Any, branch: str, *, unanswered: bool = False) -> None:
        self.result.answers[q.id] = value
        self.rejections = 0
        if unanswered:
            self.result.unanswered.append(q.id)
        self.tries = 0
        if self._apply_rules(immediate_only=True):
            self._end()
            return
        target = q.next.get(branch, q.next.get("*", "end"))
        if target == "end":
            self._end()
        else:
            self.current = target

    def _apply_rules(self, *, immediate_only: bool) -> bool:
        """Fire the rules that hold and have not fired; True when an immediate one did (the call ends).

        Immediate rules (emergencies) are checked after every answer; the others once, at the end of
        the call (or at a hang-up), when every answer they look at has been given."""
        stop = False
        for rule in self.dialog.rules:
            if immediate_only and not rule.immediate:
                continue
            fired = rule.id in self.result.flags or any(e.rule == rule.id for e in self.result.escalations)
            if fired or not _holds(rule.when, self.result.answers):
                continue
            if rule.action == "emergency":
                self.result.escalations.append(Escalation(rule.id, rule.action, self._last_question()))
            else:
                self.result.flags.append(rule.id)
            self.closing.append(rule.id)
            stop = stop or rule.immediate
        return stop

    def _last_question(self) -> str:
        return next(reversed(self.result.answers), "") if self.result.answers else ""

    def _end(self) -> None:
        self._apply_rules(immediate_only=False)
        self.current = "goodbye"
        self.result.completed = True

    def _opt_out(self) -> None:
        self.result.opted_out = True
        self.current = "goodbye"
        self.goodbye_key = "opted_out"
        self.closing = [r for r in self.closing if any(e.rule == r for e in self.result.escalations)]

    # ---- ends

    def close(self) -> None:
        """The goodbye was said (or the transport is done): the call is over."""
        self.current = None

    def hangup(self) -> None:
        """The person hung up (or the line dropped) before the goodbye: answers so far are kept."""
        if self.current not in (None, "goodbye"):
            self.result.hung_up = True
            self._apply_rules(immediate_only=False)
        self.current = None

    @property
    def over(self) -> bool:
        return self.current is None
