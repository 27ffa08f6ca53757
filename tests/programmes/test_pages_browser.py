"""The portal in headless Chromium on a phone: the public page and an applicant's status page fit the
screen (wide tables scroll in their box), under the CSP, with nothing fetched from elsewhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.programmes.conftest import World, submit_compute

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_applicant_follows_their_application_on_a_phone(
    asgi_server: str, chromium_browser: Any, world: World
) -> None:
    app = submit_compute(world)
    world.applicant.set_password("correct horse battery staple 42")
    world.applicant.save()
    context = chromium_browser.new_context(locale="ko-KR", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    seen: list[str] = []
    errors: list[str] = []
    page.on("request", lambda req: seen.append(req.url))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(f"{asgi_server}/programmes/")
        assert "지원사업" in page.locator("h1").first.inner_text()
        assert page.locator("#tracks tbody tr").count() == 6
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways page scroll
        page.goto(f"{asgi_server}/accounts/login/?next=/programmes/applications/{app.pk}/")
        page.fill("input[name=username]", "applicant")
        page.fill("input[name=password]", "correct horse battery staple 42")
        page.locator("main form [type=submit]").first.click()
        page.wait_for_url(f"{asgi_server}/programmes/applications/{app.pk}/", timeout=60_000)
        assert app.reference in page.locator("h1").inner_text()
        assert "결정 기한" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    finally:
        context.close()
    assert not [e for e in errors if "Content Security Policy" in e]
    assert all(url.startswith(asgi_server) for url in seen)
