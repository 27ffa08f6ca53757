"""The public where-to-buy page in headless Chromium: coloured markers, search, near me, can-I-buy."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from epiaid.masks import services

pytestmark = [pytest.mark.browser]


@pytest.fixture
def stocked(outlets_tx: Any) -> None:
    services.report_stock("11000001", 150, "seller")  # plenty
    services.report_stock("11000002", 40, "seller")  # some
    services.report_stock("11000003", 5, "seller")  # few
    services.report_stock("1100000007", 0, "seller")  # empty


def test_page_shows_coloured_outlets_and_finds_by_address_and_near_me(
    stocked: None, asgi_server: str, page: Any, tmp_path: Any
) -> None:
    page.context.grant_permissions(["geolocation"], origin=asgi_server)
    page.context.set_geolocation({"latitude": 37.5636, "longitude": 126.9850})  # 명동
    page.goto(asgi_server + "/masks/")
    page.wait_for_selector("body[data-masks-loaded='8']", timeout=20_000)  # 9 outlets, 1 without coordinates
    colours = page.evaluate("window.MasksPage.colours()")
    assert colours["11000001"] == "#2e9d3a" and colours["11000002"] == "#f2c200"  # green, yellow
    assert colours["11000003"] == "#d7301f" and colours["1100000007"] == "#8c8c8c"  # red, grey
    assert colours["11000004"] == "#bdbdbd"  # no sales record yet: light grey
    page.screenshot(path=str(tmp_path / "masks.png"))
    page.fill("#masks-address", "서울특별시 용산구 보광동")
    page.click("#masks-search button[type=submit]")
    page.wait_for_selector("#masks-results li")
    items = page.locator("#masks-results li")
    assert items.count() == 5
    classes = {items.nth(i).get_attribute("class") for i in range(items.count())}
    assert {"masks-result masks-plenty", "masks-result masks-some", "masks-result masks-few"} <= classes
    page.click("#masks-near")
    expect(page.locator("#masks-status")).to_contain_text("1 km", timeout=15_000)
    names = page.locator("#masks-results li").all_inner_texts()
    assert any("자차약국" in n for n in names) and not any("가나약국" in n for n in names)
    page.fill("#masks-address", "서울특별시")
    page.click("#masks-search button[type=submit]")
    expect(page.locator("#masks-status")).to_contain_text("400", timeout=15_000)
    assert page.locator("#masks-updated").inner_text() != "—"
    outside = [u for u in page.requests_seen if not u.startswith("http://127.0.0.1") and not u.startswith("data:")]
    assert outside == []


def test_can_i_buy_today_helper_answers_from_the_rules(stocked: None, asgi_server: str, page: Any) -> None:
    page.goto(asgi_server + "/masks/")
    page.fill("#masks-birth-year", "1986")
    page.click("#masks-canbuy button[type=submit]")
    page.wait_for_selector("#masks-canbuy-answer[data-allowed]")
    answer = page.locator("#masks-canbuy-answer").inner_text()
    assert "월요일" in answer and "Mon" in answer
