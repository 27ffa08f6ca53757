"""The symptom self-check inside a conversation: start words, one protocol step per message, stop words."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from .messages import say

START = re.compile(
    r"자가\s*진단|증상\s*(체크|확인|진단)|셀프\s*체크|"
    r"\bself[- ]?check(er)?\b|\bsymptom check(er)?\b|\bcheck (my )?symptoms\b",
    re.I,
)
STOP = re.compile(r"^\s*(그만|중단|종료|취소|stop|quit|cancel|exit)\s*[.!]?\s*$", re.I)


@dataclass
class Step:
    text: str
    state: dict[str, Any]
    choices: list[str] = field(default_factory=list)
    disclaimer: str | None = None


def protocol_folder() -> Path:
    """``EPIAID_SELFCHECK_DIR`` if set, else ``chat/cdc_selfchecker`` of the shared data."""
    configured = getattr(settings, "CHATBOT_SELFCHECK_DIR", None) or os.environ.get("EPIAID_SELFCHECK_DIR")
    if configured:
        return Path(configured)
    shared = settings.SHARED_DATA_DIR
    return Path(shared or "/nonexistent") / "chat" / "cdc_selfchecker"


def handle(state: dict[str, Any], text: str, lang: str) -> Step | None:
    """The next self-check step for this message, or None when no self-check is going on or asked for."""
    active = state.get("selfcheck")
    if active is None and not START.search(text):
        return None
    if active is not None and STOP.match(text):
        rest = {k: v for k, v in state.items() if k != "selfcheck"}
        return Step(say("selfcheck_end", lang), rest)
    from epiaid.chatbot import selfcheck

    try:
        runner = selfcheck.runner_at(protocol_folder())
    except selfcheck.ProtocolUnavailable:
        rest = {k: v for k, v in state.items() if k != "selfcheck"}
        return Step(say("selfcheck_unavailable", lang), rest)
    walk = runner.start(lang) if active is None else runner.answer(active, text)
    rest = {k: v for k, v in state.items() if k != "selfcheck"}
    if not walk.finished:
        rest["selfcheck"] = walk.state
    text_out = "\n\n".join(walk.messages)
    if walk.finished:
        text_out += "\n\n" + say("selfcheck_end", walk.lang)
    elif walk.invalid:
        text_out = say("selfcheck_choose", walk.lang) + "\n\n" + text_out
    return Step(text_out, rest, choices=walk.choices, disclaimer=walk.disclaimer)
