"""The public map in real headless Chromium against the real ASGI server, with no tile server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from epiaid.situation.demo import _load_synthetic

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOT_DIR = Path(os.environ.get("EPIAID_DATA_DIR", "var")) / "screenshots"


def _wait_ready(page: Any) -> None:
    # A selector, not wait_for_function: the page's CSP forbids the eval that the latter needs.
    page.wait_for_selector("#map[data-ready='true']", state="attached", timeout=30_000)


def test_public_map_shows_routes_clusters_clinics_and_nearest_clinics(asgi_server: str, page: Any) -> None:
    _load_synthetic()
    page.goto(f"{asgi_server}/situation/")
    _wait_ready(page)
    shown = int(page.locator("#visible-count").inner_text())
    assert shown > 50
    assert page.locator(".leaflet-interactive").count() > 0  # circle markers and route lines drawn
    assert int(page.locator("#map").get_attribute("data-clinics-loaded") or 0) == 60

    page.fill("#search", "카페")
    filtered = int(page.locator("#visible-count").inner_text())
    assert 0 < filtered < shown
    page.fill("#search", "")
    page.select_option("#category", "pharmacy")
    assert 0 < int(page.locator("#visible-count").inner_text()) < shown
    page.select_option("#category", "")
    page.locator("#date-to").fill("0")
    page.locator("#date-to").dispatch_event("input")
    assert int(page.locator("#visible-count").inner_text()) < shown

    page.mouse.click(900, 450)  # a point on the map
    page.wait_for_selector("#nearest li", timeout=10_000)
    assert page.locator("#nearest li").count() == 5
    assert "km" in page.locator("#nearest li").first.inner_text()

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "situation-map.png"))
    outside = [
        u
        for u in page.requests_seen
        if urlparse(u).hostname not in {"127.0.0.1", None} and not u.startswith(("data:", "blob:"))
    ]
    assert outside == []


def test_map_uses_my_location_for_nearest_clinics(asgi_server: str, chromium_browser: Any) -> None:
    _load_synthetic()
    context = chromium_browser.new_context(
        geolocation={"latitude": 35.8714, "longitude": 128.6014}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto(f"{asgi_server}/situation/")
    _wait_ready(page)
    page.click("#locate")
    page.wait_for_selector("#nearest li", timeout=10_000)
    assert "대구" in page.locator("#nearest").inner_text() or "남구" in page.locator("#nearest").inner_text()
    context.close()


def test_public_page_shows_the_disclosure_note_and_no_staff_tools(asgi_server: str, page: Any) -> None:
    _load_synthetic()
    page.goto(f"{asgi_server}/situation/")
    _wait_ready(page)
    assert page.locator("#policy-note").count() == 1
    assert page.locator("#staff-badge").count() == 0
