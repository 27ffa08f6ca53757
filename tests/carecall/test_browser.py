"""The web check-in page on a phone (390 × 844) in headless Chromium: one question per screen, big
buttons, a typed temperature, the goodbye with the testing advice — and nothing loaded from elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from epiaid.carecall.models import CheckIn
from epiaid.carecall.services import calls

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_person_checks_in_from_a_phone(asgi_server: str, chromium_browser: Any, make_person: Any) -> None:
    person = make_person(channel="web", lang="ko")
    ci = CheckIn.objects.create(
        person=person,
        round_date=timezone.localdate(),
        slot="09:00",
        channel="web",
        token=calls.new_token(),
        due_at=timezone.now(),
    )
    context = chromium_browser.new_context(locale="ko-KR", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(f"{asgi_server}/carecall/c/{ci.token}/")
    assert "열이 나거나" in page.inner_text("#question")
    page.click("button[name=key][value='1']")  # 예, 있어요
    page.fill("input[name=text]", "38.2")
    page.click("button.primary")
    assert "38.2도라고 하셨나요?" in page.inner_text("#question")
    page.click("button[name=key][value='1']")  # 맞아요
    for _ in range(5):  # cough, sore throat, breath, taste or smell, other symptoms: no
        page.click("button[name=key][value='2']")
    page.click("button[name=key][value='2']")  # no message
    done = page.inner_text("#done")
    assert "검사" in done and "감사합니다" in done
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone
    assert all(url.startswith(asgi_server) for url in seen)
    context.close()
    ci.refresh_from_db()
    assert ci.status == "answered" and ci.result["answers"]["temperature"] == 38.2
