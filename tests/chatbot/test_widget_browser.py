"""The chat widget in real headless Chromium against the real ASGI server: type a question with the
keyboard, see the answer with its source link and review date; abstention shows the hotline."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from epiaid.core.actors import Actor

from ..conftest import wait_in_page
from .conftest import FIXTURES

pytestmark = [pytest.mark.browser]


def _bot_messages(page: Any) -> int:
    return int(page.evaluate("document.querySelectorAll('#chatbot-widget .chatbot-bot').length"))


def test_typing_a_question_shows_the_answer_with_its_source(asgi_server: str, page: Any, settings: Any) -> None:
    from epiaid.chatbot.services import import_faq

    settings.CHATBOT_ABSTAIN_BELOW = 0.5
    import_faq(FIXTURES / "faq_small.csv", actor=Actor.system("demo"))
    import_faq(FIXTURES / "faq_ko_small.csv", actor=Actor.system("demo"))
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{asgi_server}/")
    page.focus(".chatbot-toggle")
    page.keyboard.press("Enter")  # the keyboard opens it
    assert page.locator("#chatbot-panel").is_visible()
    assert page.evaluate("document.activeElement.id") == "chatbot-input"
    page.keyboard.type("자가격리 수칙 알려주세요")
    page.keyboard.press("Enter")
    wait_in_page(page, "document.querySelectorAll('#chatbot-widget .chatbot-bot').length >= 1")
    answer = page.locator("#chatbot-widget .chatbot-bot").last
    assert "독립된 공간" in answer.inner_text()
    link = answer.locator(".chatbot-source a")
    assert link.get_attribute("href") == "http://ncov.mohw.go.kr/"
    assert answer.locator(".chatbot-source time").get_attribute("datetime") == "2020-03-20"
    answer.locator(".chatbot-fb").first.click()
    wait_in_page(page, "document.querySelector('#chatbot-widget .chatbot-feedback').textContent.length > 3")

    page.fill("#chatbot-input", "Zorblat frimble quxx?")
    page.keyboard.press("Enter")
    wait_in_page(page, "document.querySelectorAll('#chatbot-widget .chatbot-bot').length >= 2")
    last = page.locator("#chatbot-widget .chatbot-bot").last
    assert "1339" in last.inner_text()
    page.keyboard.press("Escape")
    assert not page.locator("#chatbot-panel").is_visible()
    outside = [u for u in page.requests_seen if urlparse(u).hostname not in {"127.0.0.1", None}]
    assert outside == []
