"""Fixtures of the chatbot's specification: a small knowledge base of our own, staff, the public actor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from epiaid.core.actors import Actor
from epiaid.core.roles import Role

FIXTURES = Path(__file__).parent / "fixtures"
CHATBOT = Actor.system("chatbot")


@pytest.fixture(autouse=True)
def _fresh_caches(settings: Any) -> Iterator[None]:
    """Every test starts with empty place and rate-limit caches (the knowledge-base cache follows versions)."""
    from django.core.cache import cache

    from epiaid.chatbot.services import live

    settings.CHATBOT_RATE_PER_MINUTE = 10_000
    # The retriever's calibration is fitted on the full corpora; on these few fixture entries a floor of
    # 0.5 makes "unsure" mean the same whatever the calibration of the day (an operator setting).
    settings.CHATBOT_ABSTAIN_BELOW = 0.5
    live.reset_places()
    cache.clear()
    yield
    live.reset_places()


@pytest.fixture
def kb(db: Any) -> dict[str, Any]:
    """The English and Korean fixture FAQs imported as the system would at start-up."""
    from epiaid.chatbot.services import import_faq

    en = import_faq(FIXTURES / "faq_small.csv", actor=Actor.system("demo"))
    ko = import_faq(FIXTURES / "faq_ko_small.csv", actor=Actor.system("demo"))
    return {"en": en, "ko": ko}


@pytest.fixture
def staff(make_user: Callable[..., Any]) -> Actor:
    return Actor.of(make_user(Role.HEALTH_STAFF, username="agent"))


@pytest.fixture
def say() -> Callable[..., Any]:
    """Send one message as a web visitor of session ``s1`` (or another)."""
    from epiaid.chatbot.services import handle_message

    def send(text: Any, session: str = "s1", channel: str = "web", **kw: Any) -> Any:
        return handle_message(CHATBOT, channel=channel, session_id=session, text=text, **kw)

    return send
