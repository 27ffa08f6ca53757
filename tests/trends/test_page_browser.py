"""The trends page in headless Chromium: charts draw under the CSP and nothing leaves the server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from epiaid.core.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_staff_page_draws_the_series_network_and_reads_charts_from_local_scripts_only(
    asgi_server: str, page: Any, make_user: Callable[..., Any], trends_data: dict[str, Any]
) -> None:
    make_user(Role.PROGRAMME_OFFICER, username="officer")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{asgi_server}/accounts/login/?next=/trends/")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "correct horse battery staple 42")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{asgi_server}/trends/", timeout=60_000)
    page.wait_for_selector("#trend-chart .main-svg", timeout=60_000)
    assert page.locator("#network-chart .main-svg").count() >= 1
    assert page.locator("#reads-chart .main-svg").count() >= 1
    assert page.locator("#cp-table tbody tr").count() >= 2
    assert not [e for e in errors if "Content Security Policy" in e]
    assert all(url.startswith(asgi_server) for url in page.requests_seen)
